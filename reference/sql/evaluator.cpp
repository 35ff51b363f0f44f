#include <algorithm>
#include <cmath>

#include "reference/sql/evaluator_support.h"

namespace shapesim::sql {

namespace eval_detail {

Status EvalBudget::charge(size_t bytes, const char* what) {
  if (bytes > kBytes - spent_) {
    return invalid_argument(std::string(what) + " would build more than " + std::to_string(kBytes >> 20) +
                            " MiB while evaluating one row (values multiplied by replace(), ||, concat())");
  }
  spent_ += bytes;
  return Status::Ok();
}

namespace {

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

// The value of an argument without copying it when it is a column or a constant (the common
// case in WHERE clauses); other expressions are evaluated into `owned`.
class Arg {
 public:
  Status load(const BoundExpr& a, const std::vector<SqlValue>& row, EvalBudget& budget) {
    if (a.kind == BoundKind::kColumn) {
      ptr_ = &row[static_cast<size_t>(a.column)];
      return Status::Ok();
    }
    if (a.kind == BoundKind::kConst) {
      ptr_ = &a.value;
      return Status::Ok();
    }
    auto v = evaluate_in(a, row, budget);
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

R evaluate_in(const BoundExpr& e, const std::vector<SqlValue>& row, EvalBudget& budget) {
  switch (e.kind) {
    case BoundKind::kConst: return e.value;
    case BoundKind::kColumn: return row.at(static_cast<size_t>(e.column));
    case BoundKind::kCast: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(e.args[0], row, budget));
      return cast_with_typmod(e, v);
    }
    case BoundKind::kNot: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(e.args[0], row, budget));
      if (v.is_null()) return kNull;
      return boolean(!std::get<bool>(v.v));
    }
    case BoundKind::kAnd:
    case BoundKind::kOr: {
      // Three-valued, short-circuiting left to right like PostgreSQL's executor.
      bool is_and = e.kind == BoundKind::kAnd;
      bool saw_null = false;
      for (const auto& a : e.args) {
        SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(a, row, budget));
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
      SHAPESIM_RETURN_IF_ERROR(v.load(e.args[0], row, budget));
      return boolean(v->is_null() != e.negated);
    }
    case BoundKind::kIsBool: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(e.args[0], row, budget));
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
      SHAPESIM_RETURN_IF_ERROR(a.load(e.args[0], row, budget));
      SHAPESIM_RETURN_IF_ERROR(b.load(e.args[1], row, budget));
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
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate_in(e.args[0], row, budget));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate_in(e.args[1], row, budget));
      bool distinct = a.is_null() || b.is_null() ? a.is_null() != b.is_null() : compare_values(a, b, e.operand_type) != 0;
      return boolean(distinct != e.negated);
    }
    case BoundKind::kArith: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate_in(e.args[0], row, budget));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate_in(e.args[1], row, budget));
      if (a.is_null() || b.is_null()) return kNull;
      return arith(static_cast<ArithOp>(e.op), a, b, e.operand_type);
    }
    case BoundKind::kNegate: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate_in(e.args[0], row, budget));
      if (a.is_null()) return kNull;
      if (is_integer(e.type.id)) {
        int64_t r = 0;
        return int_result(r, __builtin_sub_overflow(int64_t{0}, std::get<int64_t>(a.v), &r), e.type.id);
      }
      if (e.type.id == TypeId::kNumeric) return SqlValue{std::get<Decimal>(a.v).negate()};
      return SqlValue{-std::get<double>(a.v)};
    }
    case BoundKind::kConcat: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate_in(e.args[0], row, budget));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate_in(e.args[1], row, budget));
      if (a.is_null() || b.is_null()) return kNull;
      SHAPESIM_RETURN_IF_ERROR(budget.charge(str(a).size() + str(b).size(), "||"));
      return SqlValue{str(a) + str(b)};
    }
    case BoundKind::kLike: {
      Arg va, pa;
      SHAPESIM_RETURN_IF_ERROR(va.load(e.args[0], row, budget));
      SHAPESIM_RETURN_IF_ERROR(pa.load(e.args[1], row, budget));
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
      SHAPESIM_RETURN_IF_ERROR(va.load(e.args[0], row, budget));
      const SqlValue& v = *va;
      if (v.is_null()) return kNull;
      bool saw_null = false;
      for (size_t i = 1; i < e.args.size(); ++i) {
        Arg ia;
        SHAPESIM_RETURN_IF_ERROR(ia.load(e.args[i], row, budget));
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
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(e.args[0], row, budget));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue arr, evaluate_in(e.args[1], row, budget));
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
        if (e.op == kAnyAllLike || e.op == kAnyAllIlike) {
          auto p = LikePattern::compile(str(item), '\\', e.op == kAnyAllIlike);
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
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate_in(e.args[0], row, budget));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue b, evaluate_in(e.args[1], row, budget));
      SqlType elem = e.operand_type.element();
      if (static_cast<ArrayOp>(e.op) == ArrayOp::kConcat) {
        if (e.flag) {  // element || array or array || element
          const SqlValue& arr = e.negated ? b : a;
          const SqlValue& item = e.negated ? a : b;
          std::vector<SqlValue> out;
          size_t n = arr.is_null() ? 1 : std::get<Array>(arr.v)->size() + 1;
          SHAPESIM_RETURN_IF_ERROR(budget.charge(n * sizeof(SqlValue), "array ||"));
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
        size_t n = std::get<Array>(a.v)->size() + std::get<Array>(b.v)->size();
        SHAPESIM_RETURN_IF_ERROR(budget.charge(n * sizeof(SqlValue), "array ||"));
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
        SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate_in(a, row, budget));
        items.push_back(std::move(v));
      }
      return SqlValue{std::make_shared<const std::vector<SqlValue>>(std::move(items))};
    }
    case BoundKind::kSubscript: {
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue a, evaluate_in(e.args[0], row, budget));
      SHAPESIM_ASSIGN_OR_RETURN(SqlValue i, evaluate_in(e.args[1], row, budget));
      if (a.is_null() || i.is_null()) return kNull;
      const auto& items = *std::get<Array>(a.v);
      int64_t idx = std::get<int64_t>(i.v);
      if (idx < 1 || idx > static_cast<int64_t>(items.size())) return kNull;
      return items[static_cast<size_t>(idx - 1)];
    }
    case BoundKind::kFunc: return eval_func(e, row, budget);
  }
  return internal_error("unsupported expression");
}

}  // namespace eval_detail

Result<SqlValue> evaluate(const BoundExpr& e, const std::vector<SqlValue>& row) {
  eval_detail::EvalBudget budget;
  return eval_detail::evaluate_in(e, row, budget);
}

}  // namespace shapesim::sql
