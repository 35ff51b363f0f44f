// SqlType: the types the WHERE language checks, with PostgreSQL's names and categories.
// `unknown` is the type of an uncast string literal until context resolves it.
//
//   SqlType{TypeId::kInt4}.name() == "integer";  SqlType{TypeId::kText, true}.name() == "text[]"
#pragma once

#include <optional>
#include <string>

#include "reference/common/value.h"

namespace shapesim::sql {

enum class TypeId {
  kUnknown, kBool, kInt2, kInt4, kInt8, kFloat4, kFloat8, kNumeric, kText, kVarchar, kUuid,
  kDate, kTime, kTimestamp, kTimestamptz, kJson, kJsonb,
};

enum class Category { kUnknown, kBool, kNumeric, kString, kUuid, kDatetime, kTime, kJson };

struct SqlType {
  TypeId id = TypeId::kUnknown;
  bool array = false;

  std::string name() const;  // PostgreSQL's display name, e.g. "timestamp with time zone"
  SqlType element() const { return SqlType{id, false}; }
  SqlType as_array() const { return SqlType{id, true}; }
  bool is_unknown() const { return id == TypeId::kUnknown && !array; }
  friend bool operator==(SqlType, SqlType) = default;
};

Category category(TypeId id);
// Position in the numeric promotion order int2 < int4 < int8 < numeric < float4 < float8.
int numeric_rank(TypeId id);
bool is_integer(TypeId id);
bool is_text(TypeId id);  // text or varchar
SqlType from_column_type(ColumnType t, bool array = false);
// Type names as written in casts: int, integer, int4, bigint, double precision, varchar(10), ...
std::optional<TypeId> parse_type_name(const std::string& lower_name);

}  // namespace shapesim::sql
