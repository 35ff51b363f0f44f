#include <algorithm>
#include <cmath>

#include "reference/sql/bound_expr.h"
#include "reference/sql/utf8.h"
#include "reference/sql/datetime.h"

namespace shapesim::sql {

namespace {

using R = Result<SqlValue>;

const SqlValue kNull{};
SqlValue boolean(bool b) { return SqlValue{b}; }

const char* int_range_message(TypeId t) {
  return t == TypeId::kInt2 ? "smallint out of range" : t == TypeId::kInt4 ? "integer out of range" : "bigint out of range";
}

R int_result(int64_t v, bool overflowed, TypeId t) {
  if (overflowed || !check_integer_range(v, t).ok()) return invalid_argument(int_range_message(t));
  return SqlValue{v};
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

// UTF-8 helpers: PostgreSQL counts characters, not bytes.
std::vector<std::string_view> chars_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}
std::string join(const std::vector<std::string_view>& cs, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < cs.size(); ++i) out += cs[i];
  return out;
}

std::string trim_chars(const std::string& s, const std::string& set, bool left, bool right) {
  auto cs = chars_of(s);
  auto drop = chars_of(set);
  auto in_set = [&](std::string_view c) { return std::find(drop.begin(), drop.end(), c) != drop.end(); };
  size_t b = 0, e = cs.size();
  if (left) {
    while (b < e && in_set(cs[b])) ++b;
  }
  if (right) {
    while (e > b && in_set(cs[e - 1])) --e;
  }
  return join(cs, b, e);
}

const std::string& str(const SqlValue& v) { return std::get<std::string>(v.v); }

R cast_with_typmod(const BoundExpr& e, const SqlValue& v) {
  auto c = cast_value(v, e.args[0].type, e.type);
  if (!c.ok() || e.typmod < 0 || c->is_null()) return c;
  if (e.type.id == TypeId::kNumeric && !e.type.array) {
    Decimal d = std::get<Decimal>(c->v).round_to_scale(e.typmod);
    if (e.flag) {
      int precision = e.precision;
      std::string digits = d.round_to_scale(0).to_string();
      if (!digits.empty() && digits[0] == '-') digits.erase(0, 1);
      int int_digits = digits == "0" ? 0 : static_cast<int>(digits.size());
      if (int_digits > precision - e.typmod) return invalid_argument("numeric field overflow");
    }
    return SqlValue{d};
  }
  if (e.type.id == TypeId::kVarchar && !e.type.array) {
    auto cs = chars_of(str(*c));
    if (cs.size() > static_cast<size_t>(e.typmod)) return SqlValue{join(cs, 0, static_cast<size_t>(e.typmod))};
  }
  return c;
}

bool array_has(const std::vector<SqlValue>& arr, const SqlValue& x, SqlType elem) {
  for (const auto& a : arr) {
    if (!a.is_null() && compare_values(a, x, elem) == 0) return true;
  }
  return false;
}

R eval_func(const BoundExpr& e, const std::vector<SqlValue>& row);

// The value of an argument without copying it when it is a column or a constant (the common
// case in WHERE clauses); other expressions are evaluated into `owned`.
class Arg {
 public:
  Status load(const BoundExpr& a, const std::vector<SqlValue>& row) {
    if (a.kind == BoundKind::kColumn) {
      ptr_ = &row[static_cast<size_t>(a.column)];
      return Status::Ok();
    }
    if (a.kind == BoundKind::kConst) {
      ptr_ = &a.value;
      return Status::Ok();
    }
    auto v = evaluate(a, row);
    if (!v.ok()) return v.status();
    owned_ = std::move(*v);
    ptr_ = &owned_;
    return Status::Ok();
  }
  const SqlValue& operator*() const { return *ptr_; }
  const SqlValue* operator->() const { return ptr_; }

 private:
  const SqlValue* ptr_ = nullptr;
  SqlValue owned_;
};

}  // namespace

R evaluate(const BoundExpr& e, const std::vector<SqlValue>& row) {
  switch (e.kind) {
    case BoundKind::kConst: return e.value;
    case BoundKind::kColumn: return row.at(static_cast<size_t>(e.column));
    case BoundKind::kCast: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(e.args[0], row));
      return cast_with_typmod(e, v);
    }
    case BoundKind::kNot: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(e.args[0], row));
      if (v.is_null()) return kNull;
      return boolean(!std::get<bool>(v.v));
    }
    case BoundKind::kAnd:
    case BoundKind::kOr: {
      // Three-valued, short-circuiting left to right like PostgreSQL's executor.
      bool is_and = e.kind == BoundKind::kAnd;
      bool saw_null = false;
      for (const auto& a : e.args) {
        SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(a, row));
        if (v.is_null()) {
          saw_null = true;
        } else if (std::get<bool>(v.v) != is_and) {
          return boolean(!is_and);
        }
      }
      return saw_null ? kNull : boolean(is_and);
    }
    case BoundKind::kIsNull: {
      Arg v;
      SHAPESIM_RETURN_IF_ERROR(v.load(e.args[0], row));
      return boolean(v->is_null() != e.negated);
    }
    case BoundKind::kIsBool: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(e.args[0], row));
      bool r = false;
      switch (static_cast<IsBoolKind>(e.op)) {
        case IsBoolKind::kTrue: r = !v.is_null() && std::get<bool>(v.v); break;
        case IsBoolKind::kFalse: r = !v.is_null() && !std::get<bool>(v.v); break;
        case IsBoolKind::kUnknown: r = v.is_null(); break;
      }
      return boolean(r != e.negated);
    }
    case BoundKind::kCompare: {
      Arg a, b;
      SHAPESIM_RETURN_IF_ERROR(a.load(e.args[0], row));
      SHAPESIM_RETURN_IF_ERROR(b.load(e.args[1], row));
      if (a->is_null() || b->is_null()) return kNull;
      int c = compare_values(*a, *b, e.operand_type);
      switch (static_cast<CompareOp>(e.op)) {
        case CompareOp::kEq: return boolean(c == 0);
        case CompareOp::kNe: return boolean(c != 0);
        case CompareOp::kLt: return boolean(c < 0);
        case CompareOp::kLe: return boolean(c <= 0);
        case CompareOp::kGt: return boolean(c > 0);
        case CompareOp::kGe: return boolean(c >= 0);
      }
      return kNull;
    }
    case BoundKind::kDistinct: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate(e.args[0], row));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate(e.args[1], row));
      bool distinct = a.is_null() || b.is_null() ? a.is_null() != b.is_null() : compare_values(a, b, e.operand_type) != 0;
      return boolean(distinct != e.negated);
    }
    case BoundKind::kArith: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate(e.args[0], row));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate(e.args[1], row));
      if (a.is_null() || b.is_null()) return kNull;
      return arith(static_cast<ArithOp>(e.op), a, b, e.operand_type);
    }
    case BoundKind::kNegate: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate(e.args[0], row));
      if (a.is_null()) return kNull;
      if (is_integer(e.type.id)) {
        int64_t r = 0;
        return int_result(r, __builtin_sub_overflow(int64_t{0}, std::get<int64_t>(a.v), &r), e.type.id);
      }
      if (e.type.id == TypeId::kNumeric) return SqlValue{std::get<Decimal>(a.v).negate()};
      return SqlValue{-std::get<double>(a.v)};
    }
    case BoundKind::kConcat: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate(e.args[0], row));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate(e.args[1], row));
      if (a.is_null() || b.is_null()) return kNull;
      return SqlValue{str(a) + str(b)};
    }
    case BoundKind::kLike: {
      Arg va, pa;
      SHAPESIM_RETURN_IF_ERROR(va.load(e.args[0], row));
      SHAPESIM_RETURN_IF_ERROR(pa.load(e.args[1], row));
      const SqlValue& v = *va;
      const SqlValue& p = *pa;
      if (v.is_null() || p.is_null() || e.op == 2) return kNull;
      bool m;
      if (e.like) {
        m = e.like->matches(str(v));
      } else {
        std::optional<char> esc = e.op == 1 ? std::nullopt : std::optional<char>('\\');
        if (e.args.size() > 2 && e.op == 0) esc = str(e.args[2].value)[0];
        auto pattern = LikePattern::compile(str(p), esc, e.flag);
        if (!pattern.ok()) return pattern.status();
        m = pattern->matches(str(v));
      }
      return boolean(m != e.negated);
    }
    case BoundKind::kIn: {
      Arg va;
      SHAPESIM_RETURN_IF_ERROR(va.load(e.args[0], row));
      const SqlValue& v = *va;
      if (v.is_null()) return kNull;
      bool saw_null = false;
      for (size_t i = 1; i < e.args.size(); ++i) {
        Arg ia;
        SHAPESIM_RETURN_IF_ERROR(ia.load(e.args[i], row));
        const SqlValue& item = *ia;
        if (item.is_null()) {
          saw_null = true;
        } else if (compare_values(v, item, e.operand_type) == 0) {
          return boolean(!e.negated);
        }
      }
      return saw_null ? kNull : boolean(e.negated);
    }
    case BoundKind::kAnyAll: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(e.args[0], row));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue arr, evaluate(e.args[1], row));
      if (arr.is_null()) return kNull;
      const auto& items = *std::get<Array>(arr.v);
      bool all = e.flag;
      if (items.empty()) return boolean(all);
      if (v.is_null()) return kNull;
      bool saw_null = false;
      for (const auto& item : items) {
        if (item.is_null()) {
          saw_null = true;
          continue;
        }
        bool r;
        if (e.op >= 100) {
          auto p = LikePattern::compile(str(item), '\\', e.op == 101);
          if (!p.ok()) return p.status();
          r = p->matches(str(v)) != e.negated;
        } else {
          int c = compare_values(v, item, e.operand_type);
          switch (static_cast<CompareOp>(e.op)) {
            case CompareOp::kEq: r = c == 0; break;
            case CompareOp::kNe: r = c != 0; break;
            case CompareOp::kLt: r = c < 0; break;
            case CompareOp::kLe: r = c <= 0; break;
            case CompareOp::kGt: r = c > 0; break;
            default: r = c >= 0; break;
          }
        }
        if (!all && r) return boolean(true);
        if (all && !r) return boolean(false);
      }
      return saw_null ? kNull : boolean(all);
    }
    case BoundKind::kArrayOp: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate(e.args[0], row));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate(e.args[1], row));
      SqlType elem = e.operand_type.element();
      if (static_cast<ArrayOp>(e.op) == ArrayOp::kConcat) {
        if (e.flag) {  // element || array or array || element
          const SqlValue& arr = e.negated ? b : a;
          const SqlValue& item = e.negated ? a : b;
          std::vector<SqlValue> out;
          if (!arr.is_null()) out = *std::get<Array>(arr.v);
          if (e.negated) {
            out.insert(out.begin(), item);
          } else {
            out.push_back(item);
          }
          return SqlValue{std::make_shared<const std::vector<SqlValue>>(std::move(out))};
        }
        if (a.is_null()) return b;
        if (b.is_null()) return a;
        std::vector<SqlValue> out = *std::get<Array>(a.v);
        for (const auto& x : *std::get<Array>(b.v)) out.push_back(x);
        return SqlValue{std::make_shared<const std::vector<SqlValue>>(std::move(out))};
      }
      if (a.is_null() || b.is_null()) return kNull;
      const auto& x = *std::get<Array>(a.v);
      const auto& y = *std::get<Array>(b.v);
      switch (static_cast<ArrayOp>(e.op)) {
        case ArrayOp::kContains:
        case ArrayOp::kContainedBy: {
          const auto& big = static_cast<ArrayOp>(e.op) == ArrayOp::kContains ? x : y;
          const auto& small = static_cast<ArrayOp>(e.op) == ArrayOp::kContains ? y : x;
          for (const auto& item : small) {
            if (item.is_null() || !array_has(big, item, elem)) return boolean(false);
          }
          return boolean(true);
        }
        case ArrayOp::kOverlaps:
          for (const auto& item : x) {
            if (!item.is_null() && array_has(y, item, elem)) return boolean(true);
          }
          return boolean(false);
        default: break;
      }
      return kNull;
    }
    case BoundKind::kArray: {
      std::vector<SqlValue> items;
      for (const auto& a : e.args) {
        SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(a, row));
        items.push_back(std::move(v));
      }
      return SqlValue{std::make_shared<const std::vector<SqlValue>>(std::move(items))};
    }
    case BoundKind::kSubscript: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate(e.args[0], row));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue i, evaluate(e.args[1], row));
      if (a.is_null() || i.is_null()) return kNull;
      const auto& items = *std::get<Array>(a.v);
      int64_t idx = std::get<int64_t>(i.v);
      if (idx < 1 || idx > static_cast<int64_t>(items.size())) return kNull;
      return items[static_cast<size_t>(idx - 1)];
    }
    case BoundKind::kFunc: return eval_func(e, row);
  }
  return internal_error("unsupported expression");
}

namespace {

R eval_func(const BoundExpr& e, const std::vector<SqlValue>& row) {
  const auto id = static_cast<FuncId>(e.op);
  // Functions that look at their arguments lazily or ignore NULLs.
  if (id == FuncId::kCoalesce) {
    for (const auto& a : e.args) {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(a, row));
      if (!v.is_null()) return v;
    }
    return kNull;
  }
  std::vector<SqlValue> v;
  v.reserve(e.args.size());
  for (const auto& a : e.args) {
    SHAPESIM_ASSIGN_OR_RETURN(SqlValue x, evaluate(a, row));
    v.push_back(std::move(x));
  }
  switch (id) {
    case FuncId::kGreatest:
    case FuncId::kLeast: {
      const SqlValue* best = nullptr;
      for (const auto& x : v) {
        if (x.is_null()) continue;
        if (!best) {
          best = &x;
          continue;
        }
        int c = compare_values(x, *best, e.type);
        if ((id == FuncId::kGreatest && c > 0) || (id == FuncId::kLeast && c < 0)) best = &x;
      }
      return best ? *best : kNull;
    }
    case FuncId::kConcat:
    case FuncId::kConcatWs: {
      size_t first = id == FuncId::kConcatWs ? 1 : 0;
      if (id == FuncId::kConcatWs && v[0].is_null()) return kNull;
      std::string out;
      bool any = false;
      for (size_t i = first; i < v.size(); ++i) {
        if (v[i].is_null()) continue;
        if (id == FuncId::kConcatWs && any) out += str(v[0]);
        out += output_text(v[i], e.args[i].type);
        any = true;
      }
      return SqlValue{out};
    }
    case FuncId::kNullif: {
      if (v[0].is_null()) return kNull;
      if (v[1].is_null()) return v[0];
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, cast_value(v[0], e.args[0].type, e.operand_type));
      if (compare_values(a, v[1], e.operand_type) == 0) return kNull;
      return v[0];
    }
    default: break;
  }
  for (const auto& x : v) {
    if (x.is_null()) return kNull;  // every remaining function is strict
  }
  switch (id) {
    case FuncId::kLower:
    case FuncId::kUpper: {
      std::string s = str(v[0]);
      for (auto& c : s) {
        if (id == FuncId::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (id == FuncId::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      return SqlValue{s};
    }
    case FuncId::kLength: return SqlValue{static_cast<int64_t>(chars_of(str(v[0])).size())};
    case FuncId::kReverse: {
      auto cs = chars_of(str(v[0]));
      std::reverse(cs.begin(), cs.end());
      return SqlValue{join(cs, 0, cs.size())};
    }
    case FuncId::kTrim:
    case FuncId::kLtrim:
    case FuncId::kRtrim: {
      std::string set = v.size() > 1 ? str(v[1]) : std::string(" ");
      return SqlValue{trim_chars(str(v[0]), set, id != FuncId::kRtrim, id != FuncId::kLtrim)};
    }
    case FuncId::kStartsWith: return boolean(str(v[0]).rfind(str(v[1]), 0) == 0);
    case FuncId::kStrpos: {
      size_t at = str(v[0]).find(str(v[1]));
      if (at == std::string::npos) return SqlValue{int64_t{0}};
      return SqlValue{static_cast<int64_t>(chars_of(std::string_view(str(v[0])).substr(0, at)).size() + 1)};
    }
    case FuncId::kReplace: {
      const std::string& from = str(v[1]);
      if (from.empty()) return v[0];
      std::string s = str(v[0]), out;
      size_t pos = 0;
      while (true) {
        size_t at = s.find(from, pos);
        if (at == std::string::npos) break;
        out += s.substr(pos, at - pos) + str(v[2]);
        pos = at + from.size();
      }
      return SqlValue{out + s.substr(pos)};
    }
    case FuncId::kLeft:
    case FuncId::kRight: {
      auto cs = chars_of(str(v[0]));
      int64_t n = std::get<int64_t>(v[1].v), len = static_cast<int64_t>(cs.size());
      int64_t keep = n >= 0 ? std::min(n, len) : std::max<int64_t>(0, len + n);
      if (id == FuncId::kLeft) return SqlValue{join(cs, 0, static_cast<size_t>(keep))};
      return SqlValue{join(cs, static_cast<size_t>(len - keep), cs.size())};
    }
    case FuncId::kSubstr: {
      auto cs = chars_of(str(v[0]));
      int64_t start = std::get<int64_t>(v[1].v);
      int64_t end = static_cast<int64_t>(cs.size()) + 1;
      if (v.size() > 2) {
        int64_t count = std::get<int64_t>(v[2].v);
        if (count < 0) return invalid_argument("negative substring length not allowed");
        end = start + count;
      }
      int64_t b = std::max<int64_t>(start, 1), en = std::min<int64_t>(end, static_cast<int64_t>(cs.size()) + 1);
      if (en <= b) return SqlValue{std::string()};
      return SqlValue{join(cs, static_cast<size_t>(b - 1), static_cast<size_t>(en - 1))};
    }
    case FuncId::kAbs: {
      if (is_integer(e.type.id)) {
        int64_t x = std::get<int64_t>(v[0].v);
        int64_t r = 0;
        bool overflow = x < 0 ? __builtin_sub_overflow(int64_t{0}, x, &r) : (r = x, false);
        return int_result(r, overflow, e.type.id);
      }
      if (e.type.id == TypeId::kNumeric) {
        const Decimal& d = std::get<Decimal>(v[0].v);
        return SqlValue{d.sign() < 0 ? d.negate() : d};
      }
      return SqlValue{std::fabs(std::get<double>(v[0].v))};
    }
    case FuncId::kRound:
    case FuncId::kFloor:
    case FuncId::kCeil: {
      if (e.type.id == TypeId::kFloat8) {
        double d = std::get<double>(v[0].v);
        return SqlValue{id == FuncId::kRound ? std::nearbyint(d) : id == FuncId::kFloor ? std::floor(d) : std::ceil(d)};
      }
      const Decimal& d = std::get<Decimal>(v[0].v);
      if (id == FuncId::kRound) {
        int64_t scale = v.size() > 1 ? std::get<int64_t>(v[1].v) : 0;
        scale = std::clamp<int64_t>(scale, -38, 38);
        return SqlValue{d.round_to_scale(static_cast<int32_t>(scale))};
      }
      Decimal truncated = d.round_to_scale(0);
      // round_to_scale rounds half away; adjust to floor/ceil.
      int c = Decimal::compare(truncated, d);
      if (id == FuncId::kFloor && c > 0) truncated = *Decimal::sub(truncated, Decimal::from_int(1));
      if (id == FuncId::kCeil && c < 0) truncated = *Decimal::add(truncated, Decimal::from_int(1));
      return SqlValue{truncated};
    }
    case FuncId::kMod: return arith(ArithOp::kMod, v[0], v[1], e.type);
    case FuncId::kCardinality: return SqlValue{static_cast<int64_t>(std::get<Array>(v[0].v)->size())};
    case FuncId::kArrayLength: {
      const auto& items = *std::get<Array>(v[0].v);
      if (std::get<int64_t>(v[1].v) != 1 || items.empty()) return kNull;
      return SqlValue{static_cast<int64_t>(items.size())};
    }
    default: break;
  }
  return internal_error("unsupported function");
}

}  // namespace

}  // namespace shapesim::sql
