#include "reference/sql/decimal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shapesim::sql {

namespace {

constexpr int kMaxDigits = 38;

__int128 pow10(int n) {
  __int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

const __int128 kLimit = pow10(kMaxDigits);  // |mantissa| < 10^38

Status overflow() { return invalid_argument("numeric value out of range (shapesim numeric holds 38 significant digits)"); }

bool fits(__int128 m) { return m < kLimit && m > -kLimit; }

// Multiplies by 10^n, failing on overflow.
bool scale_up(__int128& m, int n) {
  for (int i = 0; i < n; ++i) {
    if (m >= kLimit / 10 || m <= -kLimit / 10) {
      if (m != 0) return false;
    }
    m *= 10;
  }
  return true;
}

// Divides by 10^n rounding half away from zero.
__int128 scale_down(__int128 m, int n) {
  if (n <= 0) return m;
  if (n > kMaxDigits) return 0;
  __int128 d = pow10(n);
  __int128 q = m / d, r = m % d;
  if (r < 0) r = -r;
  if (r * 2 >= d) q += m < 0 ? -1 : 1;
  return q;
}

int digit_count(__int128 m) {
  if (m < 0) m = -m;
  int n = 0;
  while (m > 0) {
    m /= 10;
    ++n;
  }
  return n;
}

}  // namespace

Result<Decimal> Decimal::parse(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t end = text.size();
  while (end > i && text[end - 1] == ' ') --end;
  auto bad = [&] { return invalid_argument("invalid input syntax for type numeric: \"" + std::string(text) + "\""); };
  if (i == end) return bad();
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
  __int128 m = 0;
  int32_t scale = 0;
  int digits = 0;
  bool any = false, point = false;
  for (; i < end; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (m == 0 && c == '0' && !point) continue;  // leading zeros
      if (digits >= kMaxDigits) return overflow();
      m = m * 10 + (c - '0');
      if (m != 0) ++digits;
      if (point) ++scale;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return bad();
  if (i < end && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < end && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (i == end) return bad();
    int64_t e = 0;
    for (; i < end; ++i) {
      if (text[i] < '0' || text[i] > '9') return bad();
      e = e * 10 + (text[i] - '0');
      if (e > 1000) return overflow();
    }
    if (exp_negative) {
      scale += static_cast<int32_t>(e);
    } else if (e > scale) {
      if (!scale_up(m, static_cast<int>(e) - scale)) return overflow();
      scale = 0;
    } else {
      scale -= static_cast<int32_t>(e);
    }
  }
  if (i != end) return bad();
  return Decimal(negative ? -m : m, scale);
}

Result<Decimal> Decimal::from_double(double d) {
  if (std::isnan(d) || std::isinf(d)) return invalid_argument("cannot convert NaN or infinity to numeric");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);  // PostgreSQL uses DBL_DIG significant digits
  return parse(buf);
}

std::string Decimal::to_string() const {
  __int128 m = mantissa_ < 0 ? -mantissa_ : mantissa_;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  } while (m > 0);
  while (static_cast<int32_t>(digits.size()) <= scale_) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  if (scale_ > 0) digits.insert(digits.end() - scale_, '.');
  return (mantissa_ < 0 ? "-" : "") + digits;
}

double Decimal::to_double() const { return std::strtod(to_string().c_str(), nullptr); }

Result<int64_t> Decimal::to_int64() const {
  __int128 q = scale_down(mantissa_, scale_);
  if (q > INT64_MAX || q < INT64_MIN) return invalid_argument("bigint out of range");
  return static_cast<int64_t>(q);
}

Decimal Decimal::round_to_scale(int32_t scale) const {
  if (scale < 0) {
    // Round to tens, hundreds, ...: the result keeps scale 0.
    __int128 q = scale_down(mantissa_, scale_ - scale);
    if (!scale_up(q, -scale)) return *this;
    return Decimal(q, 0);
  }
  if (scale >= scale_) {
    __int128 m = mantissa_;
    if (!scale_up(m, scale - scale_)) return *this;
    return Decimal(m, scale);
  }
  return Decimal(scale_down(mantissa_, scale_ - scale), scale);
}

int Decimal::compare(const Decimal& a, const Decimal& b) {
  __int128 x = a.mantissa_, y = b.mantissa_;
  bool ok = a.scale_ < b.scale_ ? scale_up(x, b.scale_ - a.scale_) : scale_up(y, a.scale_ - b.scale_);
  if (!ok) {
    double dx = a.to_double(), dy = b.to_double();
    return dx < dy ? -1 : dx > dy ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

Result<Decimal> Decimal::add(const Decimal& a, const Decimal& b) {
  int32_t s = std::max(a.scale_, b.scale_);
  __int128 x = a.mantissa_, y = b.mantissa_;
  if (!scale_up(x, s - a.scale_) || !scale_up(y, s - b.scale_)) return overflow();
  __int128 r = x + y;
  if (!fits(r)) return overflow();
  return Decimal(r, s);
}

Result<Decimal> Decimal::sub(const Decimal& a, const Decimal& b) { return add(a, b.negate()); }

Result<Decimal> Decimal::mul(const Decimal& a, const Decimal& b) {
  if (a.is_zero() || b.is_zero()) return Decimal(0, a.scale_ + b.scale_);
  if (digit_count(a.mantissa_) + digit_count(b.mantissa_) > kMaxDigits + 1) return overflow();
  __int128 r = a.mantissa_ * b.mantissa_;
  if (!fits(r)) return overflow();
  return Decimal(r, a.scale_ + b.scale_);
}

// PostgreSQL stores numerics in base-10000 digits; its division scale depends on the weight
// (position) and value of each operand's first non-zero base-10000 digit.
static void base10000_head(__int128 m, int32_t scale, int& weight, int& first_digit) {
  if (m < 0) m = -m;
  std::string digits;
  while (m > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
    m /= 10;
  }
  int n = static_cast<int>(digits.size());
  int int_len = n - scale;  // digits before the decimal point (may be <= 0)
  if (int_len > 0) {
    weight = (int_len - 1) / 4;
    int head = (int_len - 1) % 4 + 1;
    first_digit = std::stoi(digits.substr(0, head));
    return;
  }
  // Fraction only: pad to the decimal point, then read groups of four after it.
  std::string frac = std::string(static_cast<size_t>(-int_len), '0') + digits;
  while (frac.size() % 4) frac.push_back('0');
  for (size_t g = 0; g < frac.size() / 4; ++g) {
    int v = std::stoi(frac.substr(g * 4, 4));
    if (v) {
      weight = -static_cast<int>(g) - 1;
      first_digit = v;
      return;
    }
  }
  weight = 0;
  first_digit = 0;
}

Result<Decimal> Decimal::div(const Decimal& a, const Decimal& b) {
  if (b.is_zero()) return invalid_argument("division by zero");
  // select_div_scale: at least 16 significant digits, never fewer than either input's scale.
  int w1 = 0, d1 = 0, w2 = 0, d2 = 0;
  if (!a.is_zero()) base10000_head(a.mantissa_, a.scale_, w1, d1);
  base10000_head(b.mantissa_, b.scale_, w2, d2);
  int qweight = w1 - w2;
  if (d1 <= d2) --qweight;
  int32_t rscale = std::max({16 - qweight * 4, a.scale_, b.scale_, 0});
  rscale = std::min(rscale, 1000);
  // q = a / b at scale rscale: (a.m * 10^(rscale + b.s - a.s)) / b.m, rounded half away from zero.
  int shift = rscale + b.scale_ - a.scale_;
  __int128 num = a.mantissa_, den = b.mantissa_;
  int extra = shift + 1;  // one guard digit for rounding
  if (extra >= 0) {
    if (!scale_up(num, extra)) {
      auto approx = from_double(a.to_double() / b.to_double());
      if (!approx.ok()) return approx;
      return approx->round_to_scale(std::min(rscale, 20));
    }
  } else {
    if (-extra > kMaxDigits) return Decimal(0, rscale);
    den = den * pow10(-extra);
  }
  __int128 q = num / den;
  __int128 guard = q % 10;
  q /= 10;
  if (guard >= 5) ++q;
  if (guard <= -5) --q;
  return Decimal(q, rscale);
}

Result<Decimal> Decimal::mod(const Decimal& a, const Decimal& b) {
  if (b.is_zero()) return invalid_argument("division by zero");
  int32_t s = std::max(a.scale_, b.scale_);
  __int128 x = a.mantissa_, y = b.mantissa_;
  if (!scale_up(x, s - a.scale_) || !scale_up(y, s - b.scale_)) return overflow();
  return Decimal(x % y, s);
}

}  // namespace shapesim::sql
