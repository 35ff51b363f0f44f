// Column types, typed values and their PostgreSQL text encoding.
//
// A Value is NULL, a bool, an int64, a double or a string. Types without a native
// representation (numeric, uuid, dates, json, ...) hold their PostgreSQL text form.
//
//   auto v = Value::from_pg_text(ColumnType::kInt4, "42");   // Result<Value>
//   v->to_pg_text() == "42";  Value(true).to_pg_text() == "t";
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "reference/common/status.h"

namespace shapesim {

enum class ColumnType {
  kBool, kInt2, kInt4, kInt8, kFloat4, kFloat8, kNumeric, kText, kVarchar, kUuid,
  kDate, kTime, kTimestamp, kTimestamptz, kJson, kJsonb,
};

// PostgreSQL's name for the type ("int8", "text", ...), as in electric-schema.
const char* column_type_name(ColumnType t);
Result<ColumnType> parse_column_type(std::string_view name);  // accepts aliases: bigint, integer, ...
bool is_integer_type(ColumnType t);

class Value {
 public:
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string>;

  Value() = default;  // NULL
  explicit Value(bool b) : v_(b) {}
  explicit Value(int64_t i) : v_(i) {}
  explicit Value(int i) : v_(static_cast<int64_t>(i)) {}
  explicit Value(double d) : v_(d) {}
  explicit Value(std::string s) : v_(std::move(s)) {}
  explicit Value(const char* s) : v_(std::string(s)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  const Storage& storage() const { return v_; }
  const bool* as_bool() const { return std::get_if<bool>(&v_); }
  const int64_t* as_int() const { return std::get_if<int64_t>(&v_); }
  const double* as_double() const { return std::get_if<double>(&v_); }
  const std::string* as_string() const { return std::get_if<std::string>(&v_); }

  // Makes this a string value, reusing the current string's capacity if it holds one
  // (for readers that fill the same row buffer again and again).
  void assign_text(std::string_view text) {
    if (auto* s = std::get_if<std::string>(&v_)) {
      s->assign(text);
    } else {
      v_ = std::string(text);
    }
  }

  // PostgreSQL text output format; std::nullopt for NULL.
  std::optional<std::string> to_pg_text() const;
  // Appends the text output format to `out`; false (nothing appended) for NULL.
  bool append_pg_text(std::string& out) const;

  // Parses PostgreSQL text input for `type` (range-checked for int2/int4/int8).
  static Result<Value> from_pg_text(ColumnType type, std::string_view text);
  // Converts a JSON scalar (number, bool, string or null) to a value of `type`.
  static Result<Value> from_json(ColumnType type, const nlohmann::json& j);

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Storage v_;
};

// PostgreSQL's float8out: shortest round-trip digits, exponent form below 1e-4 or from 1e15.
std::string format_pg_float8(double d);
// PostgreSQL's float4out: shortest round-trip digits of the float, exponent form below 1e-4 or from 1e6.
std::string format_pg_float4(double d);

}  // namespace shapesim
