#include "reference/query/tuple.h"

#include <cmath>
#include <functional>

namespace shapesim::query {
namespace {

// Type families in their order: null, bool, number, string.
int family(const Value& v) {
  switch (v.storage().index()) {
    case 0: return 0;
    case 1: return 1;
    case 2:
    case 3: return 2;
    default: return 3;
  }
}

// An int64 against a double, exactly (no rounding of the int64).
int compare_int_double(int64_t i, double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(d)) return -1;  // NaN above every number
  if (d >= kTwo63) return -1;
  if (d < -kTwo63) return 1;
  double t = std::trunc(d);
  auto ti = static_cast<int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  return d > t ? -1 : (d < t ? 1 : 0);
}

int compare_numbers(const Value& a, const Value& b) {
  const int64_t* ai = a.as_int();
  const int64_t* bi = b.as_int();
  if (ai && bi) return *ai < *bi ? -1 : (*ai > *bi ? 1 : 0);
  if (ai) return compare_int_double(*ai, *b.as_double());
  if (bi) return -compare_int_double(*bi, *a.as_double());
  double x = *a.as_double(), y = *b.as_double();
  bool xn = std::isnan(x), yn = std::isnan(y);
  if (xn || yn) return xn == yn ? 0 : (xn ? 1 : -1);
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace

int compare_values(const Value& a, const Value& b) {
  int fa = family(a), fb = family(b);
  if (fa != fb) return fa < fb ? -1 : 1;
  switch (fa) {
    case 0: return 0;
    case 1: return static_cast<int>(*a.as_bool()) - static_cast<int>(*b.as_bool());
    case 2: return compare_numbers(a, b);
    default: {
      int c = a.as_string()->compare(*b.as_string());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
}

int compare_tuples(const Tuple& a, const Tuple& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = compare_values(a[i], b[i])) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

size_t hash_value(const Value& v) {
  switch (family(v)) {
    case 0: return 0x9e3779b97f4a7c15ull;
    case 1: return *v.as_bool() ? 0x51 : 0x50;
    case 2: {
      // Integral doubles hash like the int64 they equal.
      if (const int64_t* i = v.as_int()) return std::hash<int64_t>{}(*i);
      double d = *v.as_double();
      if (d == std::trunc(d) && std::fabs(d) < 9.2e18) return std::hash<int64_t>{}(static_cast<int64_t>(d));
      return std::hash<double>{}(d);
    }
    default: return std::hash<std::string>{}(*v.as_string());
  }
}

size_t hash_tuple(const Tuple& t) {
  size_t h = 0xcbf29ce484222325ull;
  for (const auto& v : t) h = (h ^ hash_value(v)) * 0x100000001b3ull;
  return h;
}

std::string tuple_to_string(const Tuple& t) {
  std::string out = "(";
  for (size_t i = 0; i < t.size(); ++i) {
    if (i) out += ", ";
    if (t[i].is_null()) {
      out += "NULL";
    } else if (t[i].as_string()) {
      out += "'" + *t[i].as_string() + "'";
    } else {
      out += *t[i].to_pg_text();
    }
  }
  return out + ")";
}

}  // namespace shapesim::query
