#include "reference/common/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"

namespace shapesim {

namespace {

struct TypeName {
  const char* name;
  ColumnType type;
};

// Canonical names first (column_type_name picks the first match), then aliases.
constexpr TypeName kTypeNames[] = {
    {"bool", ColumnType::kBool},          {"int2", ColumnType::kInt2},
    {"int4", ColumnType::kInt4},          {"int8", ColumnType::kInt8},
    {"float4", ColumnType::kFloat4},      {"float8", ColumnType::kFloat8},
    {"numeric", ColumnType::kNumeric},    {"text", ColumnType::kText},
    {"varchar", ColumnType::kVarchar},    {"uuid", ColumnType::kUuid},
    {"date", ColumnType::kDate},          {"time", ColumnType::kTime},
    {"timestamp", ColumnType::kTimestamp}, {"timestamptz", ColumnType::kTimestamptz},
    {"json", ColumnType::kJson},          {"jsonb", ColumnType::kJsonb},
    {"boolean", ColumnType::kBool},       {"smallint", ColumnType::kInt2},
    {"integer", ColumnType::kInt4},       {"int", ColumnType::kInt4},
    {"bigint", ColumnType::kInt8},        {"real", ColumnType::kFloat4},
    {"double precision", ColumnType::kFloat8}, {"decimal", ColumnType::kNumeric},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

Result<Value> parse_integer(ColumnType type, std::string_view text) {
  auto t = trim(text);
  int64_t v = 0;
  const char* first = t.data();
  if (!t.empty() && t.front() == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, t.data() + t.size(), v);
  if (t.empty() || ec == std::errc::invalid_argument || ptr != t.data() + t.size()) {
    return invalid_argument(std::string("invalid input syntax for type ") + column_type_name(type) + ": \"" +
                            std::string(text) + "\"");
  }
  int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  if (type == ColumnType::kInt2) lo = -32768, hi = 32767;
  if (type == ColumnType::kInt4) lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  if (ec == std::errc::result_out_of_range || v < lo || v > hi) {
    return invalid_argument("value \"" + std::string(text) + "\" is out of range for type " +
                            column_type_name(type));
  }
  return Value(v);
}

Result<Value> parse_float(ColumnType type, std::string_view text) {
  auto t = trim(text);
  if (iequals(t, "nan")) return Value(std::numeric_limits<double>::quiet_NaN());
  if (iequals(t, "infinity") || iequals(t, "+infinity") || iequals(t, "inf")) {
    return Value(std::numeric_limits<double>::infinity());
  }
  if (iequals(t, "-infinity") || iequals(t, "-inf")) return Value(-std::numeric_limits<double>::infinity());
  double d = 0;
  const char* first = t.data();
  if (!t.empty() && t.front() == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, t.data() + t.size(), d);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    return invalid_argument(std::string("invalid input syntax for type ") +
                            (type == ColumnType::kFloat4 ? "real" : "double precision") + ": \"" +
                            std::string(text) + "\"");
  }
  if (type == ColumnType::kFloat4) d = static_cast<double>(static_cast<float>(d));
  return Value(d);
}

Result<Value> parse_bool(std::string_view text) {
  auto t = trim(text);
  for (const char* s : {"t", "true", "yes", "on", "1", "y"}) {
    if (iequals(t, s)) return Value(true);
  }
  for (const char* s : {"f", "false", "no", "off", "0", "n"}) {
    if (iequals(t, s)) return Value(false);
  }
  return invalid_argument("invalid input syntax for type boolean: \"" + std::string(text) + "\"");
}

}  // namespace

const char* column_type_name(ColumnType t) {
  for (const auto& n : kTypeNames) {
    if (n.type == t) return n.name;
  }
  return "unknown";
}

Result<ColumnType> parse_column_type(std::string_view name) {
  for (const auto& n : kTypeNames) {
    if (iequals(name, n.name)) return n.type;
  }
  return invalid_argument("unsupported column type \"" + std::string(name) + "\"");
}

bool is_integer_type(ColumnType t) {
  return t == ColumnType::kInt2 || t == ColumnType::kInt4 || t == ColumnType::kInt8;
}

namespace {

// Shortest round-trip digits of `v` (a float or double); exponent form when the decimal
// exponent is below -4 or at least `max_fixed_exponent`, with at least two exponent digits.
template <class F>
std::string format_pg_float(F v, int max_fixed_exponent) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char sci[64];
  auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  std::string s(sci, res.ptr);
  auto e = s.find('e');
  int exponent = std::stoi(s.substr(e + 1));
  if (exponent < -4 || exponent >= max_fixed_exponent) {
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return s.substr(0, e) + exp_buf;
  }
  char fixed[400];
  auto fres = std::to_chars(fixed, fixed + sizeof fixed, v, std::chars_format::fixed);
  return std::string(fixed, fres.ptr);
}

}  // namespace

std::string format_pg_float8(double d) { return format_pg_float(d, 15); }
std::string format_pg_float4(double d) { return format_pg_float(static_cast<float>(d), 6); }

std::optional<std::string> Value::to_pg_text() const {
  struct Visitor {
    std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }
    std::optional<std::string> operator()(bool b) const { return std::string(b ? "t" : "f"); }
    std::optional<std::string> operator()(int64_t i) const { return std::to_string(i); }
    std::optional<std::string> operator()(double d) const { return format_pg_float8(d); }
    std::optional<std::string> operator()(const std::string& s) const { return s; }
  };
  return std::visit(Visitor{}, v_);
}

bool Value::append_pg_text(std::string& out) const {
  if (const auto* s = std::get_if<std::string>(&v_)) {
    out += *s;
  } else if (const auto* i = std::get_if<int64_t>(&v_)) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, *i);
    out.append(buf, r.ptr);
  } else if (const auto* b = std::get_if<bool>(&v_)) {
    out.push_back(*b ? 't' : 'f');
  } else if (const auto* d = std::get_if<double>(&v_)) {
    out += format_pg_float8(*d);
  } else {
    return false;
  }
  return true;
}

Result<Value> Value::from_pg_text(ColumnType type, std::string_view text) {
  switch (type) {
    case ColumnType::kBool: return parse_bool(text);
    case ColumnType::kInt2:
    case ColumnType::kInt4:
    case ColumnType::kInt8: return parse_integer(type, text);
    case ColumnType::kFloat4:
    case ColumnType::kFloat8: return parse_float(type, text);
    default: return Value(std::string(text));
  }
}

Result<Value> Value::from_json(ColumnType type, const nlohmann::json& j) {
  if (j.is_null()) return Value();
  if (j.is_string()) return from_pg_text(type, j.get_ref<const std::string&>());
  if (j.is_boolean()) {
    if (type == ColumnType::kBool) return Value(j.get<bool>());
    return invalid_argument(std::string("a boolean is not a value of type ") + column_type_name(type));
  }
  if (j.is_number_integer()) {
    if (is_integer_type(type)) {
      if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return invalid_argument(std::string("value is out of range for type ") + column_type_name(type));
      }
      return parse_integer(type, std::to_string(j.get<int64_t>()));
    }
    if (type == ColumnType::kFloat4 || type == ColumnType::kFloat8) return parse_float(type, j.dump());
    if (type == ColumnType::kNumeric || type == ColumnType::kText || type == ColumnType::kVarchar) {
      return Value(j.dump());
    }
  }
  if (j.is_number_float()) {
    if (type == ColumnType::kFloat4 || type == ColumnType::kFloat8) {
      double d = j.get<double>();
      if (type == ColumnType::kFloat4) d = static_cast<double>(static_cast<float>(d));
      return Value(d);
    }
    if (type == ColumnType::kNumeric) return Value(j.dump());
  }
  if ((j.is_object() || j.is_array()) && (type == ColumnType::kJson || type == ColumnType::kJsonb)) {
    return Value(j.dump());
  }
  return invalid_argument(describe_json(j) + " is not a value of type " + column_type_name(type));
}

}  // namespace shapesim
