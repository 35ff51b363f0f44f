#include "reference/sql/sql_value.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"
#include "reference/sql/datetime.h"

namespace shapesim::sql {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status syntax(SqlType t, std::string_view text) {
  return invalid_argument("invalid input syntax for type " + t.name() + ": \"" + std::string(text) + "\"");
}

Result<SqlValue> parse_bool(std::string_view text) {
  std::string t = lower(trim(text));
  auto prefix_of = [&](const char* word, size_t min) { return t.size() >= min && std::string(word).rfind(t, 0) == 0; };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || t == "on" || t == "1") return SqlValue{true};
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || t == "0") return SqlValue{false};
  return syntax(SqlType{TypeId::kBool}, text);
}

Result<SqlValue> parse_int(TypeId id, std::string_view text) {
  auto t = trim(text);
  const char* first = t.data();
  const char* last = t.data() + t.size();
  if (first != last && *first == '+') ++first;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (t.empty() || ptr != last || ec == std::errc::invalid_argument || first == last) return syntax(SqlType{id}, text);
  if (ec == std::errc::result_out_of_range || !check_integer_range(v, id).ok()) {
    return invalid_argument("value \"" + std::string(text) + "\" is out of range for type " + SqlType{id}.name());
  }
  return SqlValue{v};
}

Result<SqlValue> parse_float(TypeId id, std::string_view text) {
  std::string t = lower(trim(text));
  if (t == "nan") return SqlValue{std::numeric_limits<double>::quiet_NaN()};
  if (t == "infinity" || t == "+infinity" || t == "inf" || t == "+inf") return SqlValue{std::numeric_limits<double>::infinity()};
  if (t == "-infinity" || t == "-inf") return SqlValue{-std::numeric_limits<double>::infinity()};
  const char* first = t.data();
  const char* last = t.data() + t.size();
  if (first != last && *first == '+') ++first;
  double d = 0;
  auto [ptr, ec] = std::from_chars(first, last, d);
  if (t.empty() || ptr != last || ec == std::errc::invalid_argument) return syntax(SqlType{id}, text);
  if (ec == std::errc::result_out_of_range) {
    return invalid_argument("\"" + std::string(trim(text)) + "\" is out of range for type " + SqlType{id}.name());
  }
  if (id == TypeId::kFloat4) {
    if (std::isinf(static_cast<float>(d)) || (d != 0 && static_cast<float>(d) == 0)) {
      return invalid_argument("\"" + std::string(trim(text)) + "\" is out of range for type real");
    }
    d = static_cast<double>(static_cast<float>(d));
  }
  return SqlValue{d};
}

Result<SqlValue> parse_uuid(std::string_view text) {
  auto t = trim(text);
  std::string hex;
  std::string_view body = t;
  if (!body.empty() && body.front() == '{') {
    if (body.back() != '}') return syntax(SqlType{TypeId::kUuid}, text);
    body = body.substr(1, body.size() - 2);
  }
  size_t group = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '-') {
      // A hyphen may follow any group of four hex digits, never start or end, never repeat.
      if (group != 4 || i + 1 == body.size()) return syntax(SqlType{TypeId::kUuid}, text);
      group = 0;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return syntax(SqlType{TypeId::kUuid}, text);
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    group = group == 4 ? 1 : group + 1;
  }
  if (hex.size() != 32) return syntax(SqlType{TypeId::kUuid}, text);
  return SqlValue{hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
                  hex.substr(20)};
}

Result<SqlValue> parse_array(SqlType type, std::string_view text) {
  auto bad = [&] { return invalid_argument("malformed array literal: \"" + std::string(text) + "\""); };
  auto t = trim(text);
  if (t.size() < 2 || t.front() != '{' || t.back() != '}') return bad();
  std::vector<SqlValue> items;
  size_t i = 1, end = t.size() - 1;
  auto skip = [&] {
    while (i < end && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  };
  skip();
  if (i == end) return SqlValue{std::make_shared<const std::vector<SqlValue>>()};
  while (true) {
    skip();
    if (i >= end) return bad();
    std::string item;
    bool quoted = false;
    if (t[i] == '{') return invalid_argument("multidimensional arrays are not supported: \"" + std::string(text) + "\"");
    if (t[i] == '"') {
      quoted = true;
      ++i;
      while (true) {
        if (i >= end) return bad();
        char c = t[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= end) return bad();
          c = t[i++];
        }
        item.push_back(c);
      }
      skip();
    } else {
      while (i < end && t[i] != ',') {
        char c = t[i++];
        if (c == '"' || c == '{' || c == '}') return bad();
        if (c == '\\') {
          if (i >= end) return bad();
          c = t[i++];
        }
        item.push_back(c);
      }
      while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
      if (item.empty()) return bad();
    }
    if (!quoted && lower(item) == "null") {
      items.push_back(SqlValue::null());
    } else {
      auto v = parse_input(type.element(), item);
      if (!v.ok()) return v.status();
      items.push_back(std::move(*v));
    }
    if (i == end) break;
    if (t[i] != ',') return bad();
    ++i;
  }
  return SqlValue{std::make_shared<const std::vector<SqlValue>>(std::move(items))};
}

bool needs_array_quotes(const std::string& s) {
  if (s.empty() || lower(s) == "null") return true;
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || std::isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

int compare_doubles(double a, double b) {
  // PostgreSQL: NaN equals NaN and sorts above everything else.
  if (std::isnan(a)) return std::isnan(b) ? 0 : 1;
  if (std::isnan(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

Result<double> rint_checked(double d, TypeId to) {
  if (std::isnan(d) || std::isinf(d)) return invalid_argument(SqlType{to}.name() + " out of range");
  double r = std::nearbyint(d);
  if (r < -9.2233720368547758e18 || r >= 9.2233720368547758e18) {
    return invalid_argument(std::string(to == TypeId::kInt2 ? "smallint" : to == TypeId::kInt4 ? "integer" : "bigint") +
                            " out of range");
  }
  return r;
}

}  // namespace

Status check_integer_range(int64_t v, TypeId type) {
  if (type == TypeId::kInt2 && (v < -32768 || v > 32767)) return invalid_argument("smallint out of range");
  if (type == TypeId::kInt4 && (v < INT32_MIN || v > INT32_MAX)) return invalid_argument("integer out of range");
  return Status::Ok();
}

Result<SqlValue> parse_input(SqlType type, std::string_view text) {
  if (type.array) return parse_array(type, text);
  switch (type.id) {
    case TypeId::kBool: return parse_bool(text);
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8: return parse_int(type.id, text);
    case TypeId::kFloat4:
    case TypeId::kFloat8: return parse_float(type.id, text);
    case TypeId::kNumeric: {
      auto d = Decimal::parse(text);
      if (!d.ok()) return d.status();
      return SqlValue{*d};
    }
    case TypeId::kUuid: return parse_uuid(text);
    case TypeId::kDate: {
      auto d = parse_date(text);
      if (!d.ok()) return d.status();
      return SqlValue{Date{*d}};
    }
    case TypeId::kTime: {
      auto t = parse_time(text);
      if (!t.ok()) return t.status();
      return SqlValue{Time{*t}};
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestamptz: {
      auto t = parse_timestamp(text, type.id == TypeId::kTimestamptz);
      if (!t.ok()) return t.status();
      return SqlValue{Stamp{*t}};
    }
    case TypeId::kJson:
    case TypeId::kJsonb: {
      auto j = parse_bounded_json(text);
      if (!j.ok()) return invalid_argument("invalid input syntax for type " + type.name() + ": the value " + j.status().message());
      return SqlValue{type.id == TypeId::kJson ? std::string(text) : j->dump()};
    }
    case TypeId::kUnknown:
    case TypeId::kText:
    case TypeId::kVarchar: return SqlValue{std::string(text)};
  }
  return syntax(type, text);
}

std::string output_text(const SqlValue& value, SqlType type) {
  if (type.array) {
    const auto& items = std::get<Array>(value.v);
    std::string out = "{";
    for (size_t i = 0; i < items->size(); ++i) {
      if (i) out.push_back(',');
      const SqlValue& item = (*items)[i];
      if (item.is_null()) {
        out += "NULL";
        continue;
      }
      std::string s = output_text(item, type.element());
      if (needs_array_quotes(s)) {
        out.push_back('"');
        for (char c : s) {
          if (c == '"' || c == '\\') out.push_back('\\');
          out.push_back(c);
        }
        out.push_back('"');
      } else {
        out += s;
      }
    }
    return out + "}";
  }
  switch (type.id) {
    case TypeId::kBool: return std::get<bool>(value.v) ? "t" : "f";
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8: return std::to_string(std::get<int64_t>(value.v));
    case TypeId::kFloat4: return format_pg_float4(std::get<double>(value.v));
    case TypeId::kFloat8: return format_pg_float8(std::get<double>(value.v));
    case TypeId::kNumeric: return std::get<Decimal>(value.v).to_string();
    case TypeId::kDate: return format_date(std::get<Date>(value.v).days);
    case TypeId::kTime: return format_time(std::get<Time>(value.v).micros);
    case TypeId::kTimestamp: return format_timestamp(std::get<Stamp>(value.v).micros, false);
    case TypeId::kTimestamptz: return format_timestamp(std::get<Stamp>(value.v).micros, true);
    default: return std::get<std::string>(value.v);
  }
}

bool implicitly_castable(SqlType from, SqlType to) {
  if (from == to || from.is_unknown()) return true;
  if (from.array != to.array) return false;
  if (is_text(from.id) && is_text(to.id)) return true;
  int rf = numeric_rank(from.id), rt = numeric_rank(to.id);
  if (rf && rt) return rf <= rt;
  if (from.id == TypeId::kDate) return to.id == TypeId::kTimestamp || to.id == TypeId::kTimestamptz;
  if (from.id == TypeId::kTimestamp) return to.id == TypeId::kTimestamptz;
  return false;
}

bool castable(SqlType from, SqlType to) {
  if (implicitly_castable(from, to)) return true;
  if (from.array || to.array) {
    if (from.array && to.array) return castable(from.element(), to.element());
    return is_text(from.id) && !from.array ? true : is_text(to.id) && !to.array;
  }
  if (is_text(from.id) || is_text(to.id)) return true;  // via text input/output
  if (numeric_rank(from.id) && numeric_rank(to.id)) return true;
  if ((from.id == TypeId::kBool && to.id == TypeId::kInt4) || (from.id == TypeId::kInt4 && to.id == TypeId::kBool)) return true;
  Category cf = category(from.id), ct = category(to.id);
  if (cf == Category::kDatetime && ct == Category::kDatetime) return true;
  if (cf == Category::kDatetime && to.id == TypeId::kTime && from.id != TypeId::kDate) return true;
  if (cf == Category::kJson && ct == Category::kJson) return true;
  return false;
}

Result<SqlValue> cast_value(const SqlValue& value, SqlType from, SqlType to) {
  if (value.is_null()) return value;
  if (from == to) return value;
  if (from.is_unknown() || (is_text(from.id) && !from.array)) {
    if (is_text(to.id) && !to.array) return value;
    return parse_input(to, std::get<std::string>(value.v));
  }
  if (is_text(to.id) && !to.array) {
    if (from.id == TypeId::kBool && !from.array) return SqlValue{std::string(std::get<bool>(value.v) ? "true" : "false")};
    return SqlValue{output_text(value, from)};
  }
  if (from.array && to.array) {
    std::vector<SqlValue> out;
    for (const auto& item : *std::get<Array>(value.v)) {
      auto c = cast_value(item, from.element(), to.element());
      if (!c.ok()) return c.status();
      out.push_back(std::move(*c));
    }
    return SqlValue{std::make_shared<const std::vector<SqlValue>>(std::move(out))};
  }
  const TypeId f = from.id, t = to.id;
  if (numeric_rank(f) && numeric_rank(t)) {
    if (is_integer(f)) {
      int64_t i = std::get<int64_t>(value.v);
      if (is_integer(t)) {
        SHAPESIM_RETURN_IF_ERROR(check_integer_range(i, t));
        return SqlValue{i};
      }
      if (t == TypeId::kNumeric) return SqlValue{Decimal::from_int(i)};
      double d = static_cast<double>(i);
      if (t == TypeId::kFloat4) d = static_cast<double>(static_cast<float>(d));
      return SqlValue{d};
    }
    if (f == TypeId::kNumeric) {
      const Decimal& n = std::get<Decimal>(value.v);
      if (is_integer(t)) {
        auto i = n.to_int64();
        if (!i.ok() || !check_integer_range(*i, t).ok()) {
          return invalid_argument(std::string(t == TypeId::kInt2 ? "smallint" : t == TypeId::kInt4 ? "integer" : "bigint") +
                                  " out of range");
        }
        return SqlValue{*i};
      }
      double d = n.to_double();
      if (t == TypeId::kFloat4) d = static_cast<double>(static_cast<float>(d));
      return SqlValue{d};
    }
    double d = std::get<double>(value.v);
    if (is_integer(t)) {
      auto r = rint_checked(d, t);
      if (!r.ok()) return r.status();
      int64_t i = static_cast<int64_t>(*r);
      SHAPESIM_RETURN_IF_ERROR(check_integer_range(i, t));
      return SqlValue{i};
    }
    if (t == TypeId::kNumeric) {
      auto n = Decimal::from_double(d);
      if (!n.ok()) return n.status();
      return SqlValue{*n};
    }
    if (t == TypeId::kFloat4) {
      float x = static_cast<float>(d);
      if (std::isinf(x) && !std::isinf(d)) return invalid_argument("value out of range: overflow");
      return SqlValue{static_cast<double>(x)};
    }
    return SqlValue{d};
  }
  if (f == TypeId::kBool && t == TypeId::kInt4) return SqlValue{int64_t{std::get<bool>(value.v) ? 1 : 0}};
  if (f == TypeId::kInt4 && t == TypeId::kBool) return SqlValue{std::get<int64_t>(value.v) != 0};
  if (f == TypeId::kDate && (t == TypeId::kTimestamp || t == TypeId::kTimestamptz)) {
    return SqlValue{Stamp{std::get<Date>(value.v).days * kMicrosPerDay}};
  }
  if ((f == TypeId::kTimestamp || f == TypeId::kTimestamptz) && t == TypeId::kDate) {
    int64_t us = std::get<Stamp>(value.v).micros;
    int64_t days = us >= 0 ? us / kMicrosPerDay : -((-us + kMicrosPerDay - 1) / kMicrosPerDay);
    return SqlValue{Date{static_cast<int32_t>(days)}};
  }
  if ((f == TypeId::kTimestamp || f == TypeId::kTimestamptz) && (t == TypeId::kTimestamp || t == TypeId::kTimestamptz)) {
    return value;  // the session time zone is UTC
  }
  if ((f == TypeId::kTimestamp || f == TypeId::kTimestamptz) && t == TypeId::kTime) {
    int64_t us = std::get<Stamp>(value.v).micros % kMicrosPerDay;
    return SqlValue{Time{us < 0 ? us + kMicrosPerDay : us}};
  }
  if (category(f) == Category::kJson && category(t) == Category::kJson) {
    return parse_input(to, std::get<std::string>(value.v));
  }
  return invalid_argument("cannot cast type " + from.name() + " to " + to.name());
}

int compare_values(const SqlValue& a, const SqlValue& b, SqlType type) {
  if (type.array) {
    const auto& x = *std::get<Array>(a.v);
    const auto& y = *std::get<Array>(b.v);
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      bool xn = x[i].is_null(), yn = y[i].is_null();
      if (xn || yn) {
        if (xn != yn) return xn ? 1 : -1;  // NULL elements sort last
        continue;
      }
      int c = compare_values(x[i], y[i], type.element());
      if (c) return c;
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  switch (type.id) {
    case TypeId::kBool: return static_cast<int>(std::get<bool>(a.v)) - static_cast<int>(std::get<bool>(b.v));
    case TypeId::kInt2:
    case TypeId::kInt4:
    case TypeId::kInt8: {
      int64_t x = std::get<int64_t>(a.v), y = std::get<int64_t>(b.v);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case TypeId::kFloat4:
    case TypeId::kFloat8: return compare_doubles(std::get<double>(a.v), std::get<double>(b.v));
    case TypeId::kNumeric: return Decimal::compare(std::get<Decimal>(a.v), std::get<Decimal>(b.v));
    case TypeId::kDate: {
      auto x = std::get<Date>(a.v), y = std::get<Date>(b.v);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case TypeId::kTime: {
      auto x = std::get<Time>(a.v), y = std::get<Time>(b.v);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestamptz: {
      auto x = std::get<Stamp>(a.v), y = std::get<Stamp>(b.v);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case TypeId::kJsonb: {
      // Both were accepted by parse_input (bounded depth): comparing them cannot recurse far.
      auto x = nlohmann::json::parse(std::get<std::string>(a.v), nullptr, false);
      auto y = nlohmann::json::parse(std::get<std::string>(b.v), nullptr, false);
      if (x == y) return 0;
      return std::get<std::string>(a.v) < std::get<std::string>(b.v) ? -1 : 1;
    }
    default: {
      const auto& x = std::get<std::string>(a.v);
      const auto& y = std::get<std::string>(b.v);
      int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));  // C collation: bytes
      if (c) return c < 0 ? -1 : 1;
      return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
    }
  }
}

Result<SqlValue> from_column_value(const Value& value, SqlType type) {
  if (value.is_null()) return SqlValue::null();
  if (const bool* b = value.as_bool()) return SqlValue{*b};
  if (const int64_t* i = value.as_int()) {
    if (type.id == TypeId::kNumeric) return SqlValue{Decimal::from_int(*i)};
    if (numeric_rank(type.id) >= 5) return SqlValue{static_cast<double>(*i)};
    return SqlValue{*i};
  }
  if (const double* d = value.as_double()) return SqlValue{*d};
  return parse_input(type, *value.as_string());
}

}  // namespace shapesim::sql
