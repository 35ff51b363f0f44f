#include "reference/sql/sql_type.h"

namespace shapesim::sql {

std::string SqlType::name() const {
  const char* base = "unknown";
  switch (id) {
    case TypeId::kUnknown: base = "unknown"; break;
    case TypeId::kBool: base = "boolean"; break;
    case TypeId::kInt2: base = "smallint"; break;
    case TypeId::kInt4: base = "integer"; break;
    case TypeId::kInt8: base = "bigint"; break;
    case TypeId::kFloat4: base = "real"; break;
    case TypeId::kFloat8: base = "double precision"; break;
    case TypeId::kNumeric: base = "numeric"; break;
    case TypeId::kText: base = "text"; break;
    case TypeId::kVarchar: base = "character varying"; break;
    case TypeId::kUuid: base = "uuid"; break;
    case TypeId::kDate: base = "date"; break;
    case TypeId::kTime: base = "time without time zone"; break;
    case TypeId::kTimestamp: base = "timestamp without time zone"; break;
    case TypeId::kTimestamptz: base = "timestamp with time zone"; break;
    case TypeId::kJson: base = "json"; break;
    case TypeId::kJsonb: base = "jsonb"; break;
  }
  return array ? std::string(base) + "[]" : std::string(base);
}

Category category(TypeId id) {
  switch (id) {
    case TypeId::kUnknown: return Category::kUnknown;
    case TypeId::kBool: return Category::kBool;
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8:
    case TypeId::kFloat4:
    case TypeId::kFloat8:
    case TypeId::kNumeric: return Category::kNumeric;
    case TypeId::kText:
    case TypeId::kVarchar: return Category::kString;
    case TypeId::kUuid: return Category::kUuid;
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestamptz: return Category::kDatetime;
    case TypeId::kTime: return Category::kTime;
    case TypeId::kJson:
    case TypeId::kJsonb: return Category::kJson;
  }
  return Category::kUnknown;
}

int numeric_rank(TypeId id) {
  switch (id) {
    case TypeId::kInt2: return 1;
    case TypeId::kInt4: return 2;
    case TypeId::kInt8: return 3;
    case TypeId::kNumeric: return 4;
    case TypeId::kFloat4: return 5;
    case TypeId::kFloat8: return 6;
    default: return 0;
  }
}

bool is_integer(TypeId id) { return id == TypeId::kInt2 || id == TypeId::kInt4 || id == TypeId::kInt8; }
bool is_text(TypeId id) { return id == TypeId::kText || id == TypeId::kVarchar; }

SqlType from_column_type(ColumnType t, bool array) {
  TypeId id = TypeId::kText;
  switch (t) {
    case ColumnType::kBool: id = TypeId::kBool; break;
    case ColumnType::kInt2: id = TypeId::kInt2; break;
    case ColumnType::kInt4: id = TypeId::kInt4; break;
    case ColumnType::kInt8: id = TypeId::kInt8; break;
    case ColumnType::kFloat4: id = TypeId::kFloat4; break;
    case ColumnType::kFloat8: id = TypeId::kFloat8; break;
    case ColumnType::kNumeric: id = TypeId::kNumeric; break;
    case ColumnType::kText: id = TypeId::kText; break;
    case ColumnType::kVarchar: id = TypeId::kVarchar; break;
    case ColumnType::kUuid: id = TypeId::kUuid; break;
    case ColumnType::kDate: id = TypeId::kDate; break;
    case ColumnType::kTime: id = TypeId::kTime; break;
    case ColumnType::kTimestamp: id = TypeId::kTimestamp; break;
    case ColumnType::kTimestamptz: id = TypeId::kTimestamptz; break;
    case ColumnType::kJson: id = TypeId::kJson; break;
    case ColumnType::kJsonb: id = TypeId::kJsonb; break;
  }
  return SqlType{id, array};
}

std::optional<TypeId> parse_type_name(const std::string& n) {
  static const std::pair<const char*, TypeId> kNames[] = {
      {"bool", TypeId::kBool}, {"boolean", TypeId::kBool}, {"int2", TypeId::kInt2}, {"smallint", TypeId::kInt2},
      {"int", TypeId::kInt4}, {"int4", TypeId::kInt4}, {"integer", TypeId::kInt4}, {"int8", TypeId::kInt8},
      {"bigint", TypeId::kInt8}, {"float4", TypeId::kFloat4}, {"real", TypeId::kFloat4}, {"float8", TypeId::kFloat8},
      {"double precision", TypeId::kFloat8}, {"float", TypeId::kFloat8}, {"numeric", TypeId::kNumeric},
      {"decimal", TypeId::kNumeric}, {"text", TypeId::kText}, {"varchar", TypeId::kVarchar},
      {"character varying", TypeId::kVarchar}, {"uuid", TypeId::kUuid}, {"date", TypeId::kDate},
      {"time", TypeId::kTime}, {"time without time zone", TypeId::kTime}, {"timestamp", TypeId::kTimestamp},
      {"timestamp without time zone", TypeId::kTimestamp}, {"timestamptz", TypeId::kTimestamptz},
      {"timestamp with time zone", TypeId::kTimestamptz}, {"json", TypeId::kJson}, {"jsonb", TypeId::kJsonb},
  };
  for (const auto& [name, id] : kNames) {
    if (n == name) return id;
  }
  return std::nullopt;
}

}  // namespace shapesim::sql
