// Decimal: PostgreSQL `numeric` for up to 38 significant digits (an __int128 mantissa and a
// decimal scale). Exact for + - * and comparison; division and rounding follow PostgreSQL's
// scale rules. Overflow beyond 38 digits is an error, never a silent wrap.
//
//   auto a = Decimal::parse("1.50");   // mantissa 150, scale 2
//   a->to_string() == "1.50";
//   Decimal::add(*a, *Decimal::parse("2"))->to_string() == "3.50";
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reference/common/status.h"

namespace shapesim::sql {

class Decimal {
 public:
  Decimal() = default;
  Decimal(__int128 mantissa, int32_t scale) : mantissa_(mantissa), scale_(scale) {}
  static Decimal from_int(int64_t v) { return Decimal(v, 0); }

  // PostgreSQL numeric input: [+-]digits[.digits][e[+-]digits], surrounding spaces allowed.
  static Result<Decimal> parse(std::string_view text);
  // Nearest decimal with at most 17 significant digits (how PostgreSQL casts float8 to numeric: 15).
  static Result<Decimal> from_double(double d);

  std::string to_string() const;
  double to_double() const;
  // Rounds half away from zero to an integer (numeric -> int), error if out of int64 range.
  Result<int64_t> to_int64() const;
  Decimal round_to_scale(int32_t scale) const;

  static Result<Decimal> add(const Decimal& a, const Decimal& b);
  static Result<Decimal> sub(const Decimal& a, const Decimal& b);
  static Result<Decimal> mul(const Decimal& a, const Decimal& b);
  static Result<Decimal> div(const Decimal& a, const Decimal& b);
  static Result<Decimal> mod(const Decimal& a, const Decimal& b);
  static int compare(const Decimal& a, const Decimal& b);
  Decimal negate() const { return Decimal(-mantissa_, scale_); }
  bool is_zero() const { return mantissa_ == 0; }
  int sign() const { return mantissa_ < 0 ? -1 : mantissa_ > 0 ? 1 : 0; }
  int32_t scale() const { return scale_; }

 private:
  __int128 mantissa_ = 0;
  int32_t scale_ = 0;
};

}  // namespace shapesim::sql
