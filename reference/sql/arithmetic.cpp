// Arithmetic for the evaluator: integers with overflow checks, float8/float4 with
// PostgreSQL's overflow and underflow rules, numeric, dates.
#include <cmath>

#include "reference/sql/evaluator_support.h"

namespace shapesim::sql::eval_detail {

namespace {

const char* int_range_message(TypeId t) {
  return t == TypeId::kInt2 ? "smallint out of range" : t == TypeId::kInt4 ? "integer out of range" : "bigint out of range";
}


// PostgreSQL's float8_pl/mi/mul/div overflow and underflow rules; `kind`: 0 add/sub, 1 mul, 2 div.
R float_result(double r, double a, double b, int kind, TypeId t) {
  if (t == TypeId::kFloat4) r = static_cast<double>(static_cast<float>(r));
  bool overflow = std::isinf(r) && !std::isinf(a) && (kind == 2 || !std::isinf(b));
  if (overflow) return invalid_argument("value out of range: overflow");
  bool underflow = (kind == 1 && r == 0 && a != 0 && b != 0) || (kind == 2 && r == 0 && a != 0 && !std::isinf(b));
  if (underflow) return invalid_argument("value out of range: underflow");
  return SqlValue{r};
}

R decimal_result(Result<Decimal> d) {
  if (!d.ok()) return d.status();
  return SqlValue{*d};
}

R pow_double(double a, double b) {
  if (a == 0 && b < 0) return invalid_argument("zero raised to a negative power is undefined");
  if (a < 0 && std::floor(b) != b) return invalid_argument("a negative number raised to a non-integer power yields a complex result");
  double r = std::pow(a, b);
  if (std::isinf(r) && !std::isinf(a) && !std::isinf(b)) return invalid_argument("value out of range: overflow");
  if (r == 0 && a != 0 && !std::isinf(b)) return invalid_argument("value out of range: underflow");
  return SqlValue{r};
}

}  // namespace

R int_result(int64_t v, bool overflowed, TypeId t) {
  if (overflowed || !check_integer_range(v, t).ok()) return invalid_argument(int_range_message(t));
  return SqlValue{v};
}

R arith(ArithOp op, const SqlValue& x, const SqlValue& y, SqlType t) {
  if (op == ArithOp::kDateAddDays || op == ArithOp::kDateSubDays) {
    int64_t days = std::get<Date>(x.v).days + (op == ArithOp::kDateAddDays ? 1 : -1) * std::get<int64_t>(y.v);
    if (days < -2451545 || days > 2932896) return invalid_argument("date out of range");
    return SqlValue{Date{static_cast<int32_t>(days)}};
  }
  if (op == ArithOp::kDateDiff) return SqlValue{int64_t{std::get<Date>(x.v).days} - std::get<Date>(y.v).days};
  if (is_integer(t.id)) {
    int64_t a = std::get<int64_t>(x.v), b = std::get<int64_t>(y.v), r = 0;
    switch (op) {
      case ArithOp::kAdd: return int_result(r, __builtin_add_overflow(a, b, &r), t.id);
      case ArithOp::kSub: return int_result(r, __builtin_sub_overflow(a, b, &r), t.id);
      case ArithOp::kMul: return int_result(r, __builtin_mul_overflow(a, b, &r), t.id);
      case ArithOp::kDiv:
        if (b == 0) return invalid_argument("division by zero");
        if (a == INT64_MIN && b == -1) return invalid_argument(int_range_message(t.id));
        return int_result(a / b, false, t.id);
      case ArithOp::kMod:
        if (b == 0) return invalid_argument("division by zero");
        if (b == -1) return SqlValue{int64_t{0}};
        return SqlValue{a % b};
      default: break;
    }
  }
  if (t.id == TypeId::kFloat4 || t.id == TypeId::kFloat8) {
    double a = std::get<double>(x.v), b = std::get<double>(y.v);
    switch (op) {
      case ArithOp::kAdd: return float_result(a + b, a, b, 0, t.id);
      case ArithOp::kSub: return float_result(a - b, a, b, 0, t.id);
      case ArithOp::kMul: return float_result(a * b, a, b, 1, t.id);
      case ArithOp::kDiv:
        if (b == 0 && !std::isnan(a)) return invalid_argument("division by zero");
        return float_result(a / b, a, b, 2, t.id);
      case ArithOp::kPow: return pow_double(a, b);
      default: break;
    }
  }
  if (t.id == TypeId::kNumeric) {
    const Decimal& a = std::get<Decimal>(x.v);
    const Decimal& b = std::get<Decimal>(y.v);
    switch (op) {
      case ArithOp::kAdd: return decimal_result(Decimal::add(a, b));
      case ArithOp::kSub: return decimal_result(Decimal::sub(a, b));
      case ArithOp::kMul: return decimal_result(Decimal::mul(a, b));
      case ArithOp::kDiv: return decimal_result(Decimal::div(a, b));
      case ArithOp::kMod: return decimal_result(Decimal::mod(a, b));
      case ArithOp::kPow: {
        if (a.is_zero() && b.sign() < 0) return invalid_argument("zero raised to a negative power is undefined");
        if (a.sign() < 0 && Decimal::compare(b, b.round_to_scale(0)) != 0) {
          return invalid_argument("a negative number raised to a non-integer power yields a complex result");
        }
        auto d = pow_double(a.to_double(), b.to_double());
        if (!d.ok()) return d.status();
        return decimal_result(Decimal::from_double(std::get<double>(d->v)));
      }
      default: break;
    }
  }
  return internal_error("unsupported arithmetic");
}

}  // namespace shapesim::sql::eval_detail
