// SqlValue: a runtime value of the WHERE language. NULL is std::monostate; the static type
// lives on the expression, not the value. Representation by type:
//   bool -> bool; int2/int4/int8 -> int64_t; float4/float8 -> double; numeric -> Decimal;
//   text/varchar/uuid/json/jsonb -> std::string (uuid lower-case canonical);
//   date -> Date; time -> Time; timestamp/timestamptz -> Stamp; arrays -> Array.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reference/common/value.h"
#include "reference/sql/decimal.h"
#include "reference/sql/sql_type.h"

namespace shapesim::sql {

struct Date {
  int32_t days = 0;
  friend auto operator<=>(Date, Date) = default;
};
struct Time {
  int64_t micros = 0;
  friend auto operator<=>(Time, Time) = default;
};
struct Stamp {
  int64_t micros = 0;
  friend auto operator<=>(Stamp, Stamp) = default;
};
struct SqlValue;
using Array = std::shared_ptr<const std::vector<SqlValue>>;

struct SqlValue {
  std::variant<std::monostate, bool, int64_t, double, Decimal, std::string, Date, Time, Stamp, Array> v;

  bool is_null() const { return v.index() == 0; }
  static SqlValue null() { return {}; }
};

// Text input for a type (PostgreSQL's input functions); arrays take '{a,b,"c d",NULL}'.
Result<SqlValue> parse_input(SqlType type, std::string_view text);
// Text output (PostgreSQL's output functions). NULL is not representable: callers check.
std::string output_text(const SqlValue& value, SqlType type);
// An explicit cast (`::`, CAST). Errors are PostgreSQL's ("integer out of range", ...).
Result<SqlValue> cast_value(const SqlValue& value, SqlType from, SqlType to);
// Can `from` be cast to `to` at all (explicitly)? Implicitly (in an expression)?
bool castable(SqlType from, SqlType to);
bool implicitly_castable(SqlType from, SqlType to);
// Three-way comparison of two non-NULL values of the same type.
int compare_values(const SqlValue& a, const SqlValue& b, SqlType type);
// Checks an int64 fits the integer type, with PostgreSQL's message.
Status check_integer_range(int64_t v, TypeId type);
// A stored column value as a SqlValue of the column's type.
Result<SqlValue> from_column_value(const Value& value, SqlType type);

}  // namespace shapesim::sql
