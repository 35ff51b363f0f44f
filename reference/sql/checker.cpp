#include "reference/sql/checker.h"

#include <algorithm>
#include <optional>

#include "reference/sql/checker_internal.h"

namespace shapesim::sql {

namespace checker_detail {

namespace {

// Whether PostgreSQL treats the node as strict (NULL in, NULL out), so that the planner folds
// it to NULL as soon as one argument is a NULL constant, without evaluating the others.
bool strict(const BoundExpr& e) {
  switch (e.kind) {
    case BoundKind::kCompare:
    case BoundKind::kArith:
    case BoundKind::kNegate:
    case BoundKind::kConcat:
    case BoundKind::kLike:
    case BoundKind::kCast:
    case BoundKind::kNot:
    case BoundKind::kSubscript: return true;
    case BoundKind::kArrayOp: return static_cast<ArrayOp>(e.op) != ArrayOp::kConcat;
    case BoundKind::kFunc: {
      auto id = static_cast<FuncId>(e.op);
      return id != FuncId::kCoalesce && id != FuncId::kNullif && id != FuncId::kGreatest && id != FuncId::kLeast &&
             id != FuncId::kConcat && id != FuncId::kConcatWs;
    }
    default: return false;
  }
}

}  // namespace

Result<BoundExpr> Checker::fold(BoundExpr e, size_t pos) {
  if (e.is_const()) return e;
  if (strict(e)) {
    for (const auto& a : e.args) {
      if (a.is_const() && a.value.is_null()) return make_const(SqlValue::null(), e.type);
    }
  }
  if (e.kind == BoundKind::kAnd || e.kind == BoundKind::kOr) {
    // x AND false -> false, x OR true -> true; x AND true -> x, x OR false -> x.
    bool is_and = e.kind == BoundKind::kAnd;
    // Flatten AND(AND(a, b), c) into AND(a, b, c), as PostgreSQL does.
    std::vector<BoundExpr> flat;
    for (auto& a : e.args) {
      if (a.kind == e.kind) {
        for (auto& inner : a.args) flat.push_back(std::move(inner));
      } else {
        flat.push_back(std::move(a));
      }
    }
    e.args = std::move(flat);
    std::vector<BoundExpr> kept;
    for (auto& a : e.args) {
      if (a.is_const() && !a.value.is_null()) {
        if (std::get<bool>(a.value.v) != is_and) return make_const(SqlValue{!is_and}, SqlType{TypeId::kBool});
        continue;
      }
      kept.push_back(std::move(a));
    }
    if (kept.empty()) return make_const(SqlValue{is_and}, SqlType{TypeId::kBool});
    if (kept.size() == 1 && !kept[0].is_const()) return std::move(kept[0]);
    e.args = std::move(kept);
    if (e.args.size() == 1) e.args.push_back(make_const(SqlValue::null(), SqlType{TypeId::kBool}));
  }
  for (const auto& a : e.args) {
    if (!a.is_const()) return e;
  }
  auto v = evaluate(e, {});
  if (!v.ok()) {
    if (lenient_ > 0) return e;  // never evaluated: PostgreSQL skips it too
    return err(v.status().message(), pos);
  }
  BoundExpr c = make_const(std::move(*v), e.type);
  return c;
}

Result<BoundExpr> Checker::negate(BoundExpr e, size_t pos) {
  if (e.kind == BoundKind::kNot) return std::move(e.args[0]);
  if (e.kind == BoundKind::kAnd || e.kind == BoundKind::kOr) {
    BoundExpr flipped;
    flipped.kind = e.kind == BoundKind::kAnd ? BoundKind::kOr : BoundKind::kAnd;
    flipped.type = SqlType{TypeId::kBool};
    for (auto& a : e.args) {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr na, negate(std::move(a), pos));
      flipped.args.push_back(std::move(na));
    }
    return fold(std::move(flipped), pos);
  }
  BoundExpr n;
  n.kind = BoundKind::kNot;
  n.type = SqlType{TypeId::kBool};
  n.args.push_back(std::move(e));
  return fold(std::move(n), pos);
}

Result<BoundExpr> Checker::coerce(BoundExpr e, SqlType to, size_t pos) {
  if (e.type == to) return e;
  if (e.type.is_unknown() && e.is_const()) {
    if (e.value.is_null()) return make_const(SqlValue::null(), to);
    auto v = parse_input(to, std::get<std::string>(e.value.v));
    if (!v.ok()) return err(v.status().message(), pos);
    return make_const(std::move(*v), to);
  }
  if (!implicitly_castable(e.type, to)) {
    return err("cannot cast type " + e.type.name() + " to " + to.name() + " implicitly", pos);
  }
  BoundExpr c;
  c.kind = BoundKind::kCast;
  c.type = to;
  c.args.push_back(std::move(e));
  return fold(std::move(c), pos);
}

Result<BoundExpr> Checker::explicit_cast(BoundExpr e, SqlType to, int typmod, int precision, bool precision_given,
                                         size_t pos) {
  if (e.type.is_unknown() && e.is_const() && !e.value.is_null()) {
    auto v = parse_input(to, std::get<std::string>(e.value.v));
    if (!v.ok()) return err(v.status().message(), pos);
    e = make_const(std::move(*v), to);
    if (typmod < 0) return e;
  } else if (!castable(e.type, to) && !e.type.is_unknown()) {
    return err("cannot cast type " + e.type.name() + " to " + to.name(), pos);
  }
  BoundExpr c;
  c.kind = BoundKind::kCast;
  c.type = to;
  c.typmod = typmod;
  c.precision = precision;
  c.flag = precision_given;
  c.args.push_back(std::move(e));
  return fold(std::move(c), pos);
}

Result<SqlType> Checker::common_type(const std::vector<BoundExpr>& items, const char* context, size_t pos) {
  std::optional<SqlType> result;
  for (const auto& item : items) {
    const SqlType t = item.type;
    if (t.is_unknown()) continue;
    if (!result) {
      result = t;
      continue;
    }
    if (*result == t) continue;
    if (result->array != t.array) {
      return err(std::string(context) + " types " + result->name() + " and " + t.name() + " cannot be matched", pos);
    }
    Category a = category(result->id), b = category(t.id);
    if (a != b) return err(std::string(context) + " types " + result->name() + " and " + t.name() + " cannot be matched", pos);
    if (a == Category::kNumeric) {
      int ra = numeric_rank(result->id), rb = numeric_rank(t.id);
      TypeId id = ra >= rb ? result->id : t.id;
      if ((result->id == TypeId::kFloat4) != (t.id == TypeId::kFloat4) && std::max(ra, rb) == 5) id = TypeId::kFloat8;
      result = SqlType{id, t.array};
    } else if (a == Category::kString) {
      result = SqlType{TypeId::kText, t.array};
    } else if (a == Category::kDatetime) {
      auto rank = [](TypeId x) { return x == TypeId::kDate ? 0 : x == TypeId::kTimestamp ? 1 : 2; };
      result = rank(result->id) >= rank(t.id) ? *result : t;
    } else {
      return err(std::string(context) + " types " + result->name() + " and " + t.name() + " cannot be matched", pos);
    }
  }
  return result.value_or(SqlType{TypeId::kText});
}

Result<BoundExpr> Checker::bind_bool_arg(const Node& n, const char* construct) {
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr e, bind(n));
  if (e.type.is_unknown()) return coerce(std::move(e), SqlType{TypeId::kBool}, n.pos);
  if (e.type != SqlType{TypeId::kBool}) {
    return err(std::string("argument of ") + construct + " must be type boolean, not type " + e.type.name(), n.pos);
  }
  return e;
}

Result<BoundExpr> Checker::bind(const Node& n) {
  switch (n.kind) {
    case NodeKind::kInteger: {
      // The parser folded any minus signs into the literal; like PostgreSQL, the signed value
      // decides the type: integer if it fits, else bigint, else numeric.
      auto i = parse_input(SqlType{TypeId::kInt8}, n.text);
      if (i.ok()) {
        int64_t v = std::get<int64_t>(i->v);
        bool int4 = v >= INT32_MIN && v <= INT32_MAX;
        return make_const(std::move(*i), SqlType{int4 ? TypeId::kInt4 : TypeId::kInt8});
      }
      auto d = Decimal::parse(n.text);
      if (!d.ok()) return err(d.status().message(), n.pos);
      return make_const(SqlValue{*d}, SqlType{TypeId::kNumeric});
    }
    case NodeKind::kNumber: {
      auto d = Decimal::parse(n.text);
      if (!d.ok()) return err(d.status().message(), n.pos);
      return make_const(SqlValue{*d}, SqlType{TypeId::kNumeric});
    }
    case NodeKind::kString: return make_const(SqlValue{n.text}, SqlType{TypeId::kUnknown});
    case NodeKind::kBool: return make_const(SqlValue{n.flag}, SqlType{TypeId::kBool});
    case NodeKind::kNull: return make_const(SqlValue::null(), SqlType{TypeId::kUnknown});
    case NodeKind::kParam: {
      if (n.index < 1 || static_cast<size_t>(n.index) > params_.size()) {
        return err("there is no parameter $" + n.text, n.pos);
      }
      used_[static_cast<size_t>(n.index - 1)] = true;
      return make_const(SqlValue{params_[static_cast<size_t>(n.index - 1)]}, SqlType{TypeId::kUnknown});
    }
    case NodeKind::kColumn: {
      for (size_t i = 0; i < table_.columns.size(); ++i) {
        if (table_.columns[i].name == n.text) {
          if (table_.columns[i].comparison == ColumnSchema::Comparison::kNever) {
            return err("column \"" + n.text + "\" has type " + table_.columns[i].schema_type_name() +
                           ", which shapesim cannot compare: where clauses on it are not supported",
                       n.pos);
          }
          if (table_.columns[i].dims > 1) {
            return err("column \"" + n.text + "\" is a " + std::to_string(table_.columns[i].dims) +
                           "-dimensional array: multidimensional arrays are not supported in where clauses",
                       n.pos);
          }
          BoundExpr e;
          e.kind = BoundKind::kColumn;
          e.column = static_cast<int>(i);
          e.type = column_sql_type(table_.columns[i]);
          return e;
        }
      }
      return err("column \"" + n.text + "\" does not exist", n.pos);
    }
    case NodeKind::kTypedLiteral:
    case NodeKind::kCast: return bind_cast(n);
    case NodeKind::kUnary: {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a, bind(*n.args[0]));
      if (a.type.is_unknown() && a.is_const()) {
        SHAPESIM_ASSIGN_OR_RETURN(a, coerce(std::move(a), SqlType{TypeId::kFloat8}, n.pos));
      }
      if (a.type.array || category(a.type.id) != Category::kNumeric) {
        return err("operator does not exist: " + n.text + " " + a.type.name(), n.pos);
      }
      if (n.text == "+") return a;
      BoundExpr e;
      e.kind = BoundKind::kNegate;
      e.type = a.type;
      e.args.push_back(std::move(a));
      return fold(std::move(e), n.pos);
    }
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      // A chain `a OR b OR c` (one node). Its terms are bound left to right; a deciding
      // constant (false for AND, true for OR) ends simplification: the terms after it are
      // still checked, but leniently (PostgreSQL never evaluates them), and it is the result.
      const char* name = n.kind == NodeKind::kAnd ? "AND" : "OR";
      const bool is_or = n.kind == NodeKind::kOr;
      BoundExpr e;
      e.kind = is_or ? BoundKind::kOr : BoundKind::kAnd;
      e.type = SqlType{TypeId::kBool};
      std::optional<BoundExpr> decided;
      for (const auto& arg : n.args) {
        if (decided) ++lenient_;
        auto term = bind_bool_arg(*arg, name);
        if (decided) --lenient_;
        if (!term.ok()) return term.status();
        if (decided) continue;
        if (term->is_const() && !term->value.is_null() && std::get<bool>(term->value.v) == is_or) {
          decided = std::move(*term);
          continue;
        }
        e.args.push_back(std::move(*term));
      }
      if (decided) return std::move(*decided);
      return fold(std::move(e), n.pos);
    }
    case NodeKind::kNot: {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a, bind_bool_arg(*n.args[0], "NOT"));
      return negate(std::move(a), n.pos);
    }
    case NodeKind::kIsNull: {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a, bind(*n.args[0]));
      BoundExpr e;
      e.kind = BoundKind::kIsNull;
      e.type = SqlType{TypeId::kBool};
      e.negated = n.negated;
      e.args.push_back(std::move(a));
      return fold(std::move(e), n.pos);
    }
    case NodeKind::kIsBool: {
      const char* what = n.text == "true" ? "IS TRUE" : n.text == "false" ? "IS FALSE" : "IS UNKNOWN";
      std::string construct = std::string(what);
      if (n.negated) construct.insert(3, "NOT ");
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a, bind_bool_arg(*n.args[0], construct.c_str()));
      BoundExpr e;
      e.kind = BoundKind::kIsBool;
      e.type = SqlType{TypeId::kBool};
      e.negated = n.negated;
      e.op = static_cast<int>(n.text == "true" ? IsBoolKind::kTrue : n.text == "false" ? IsBoolKind::kFalse : IsBoolKind::kUnknown);
      e.args.push_back(std::move(a));
      return fold(std::move(e), n.pos);
    }
    case NodeKind::kDistinct: {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr l, bind(*n.args[0]));
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr r, bind(*n.args[1]));
      return bind_compare("=", std::move(l), std::move(r), n.pos, BoundKind::kDistinct, n.negated);
    }
    case NodeKind::kBinary: return bind_binary(n);
    case NodeKind::kLike: return bind_like(n);
    case NodeKind::kIn: return bind_in(n);
    case NodeKind::kBetween: return bind_between(n);
    case NodeKind::kAnyAll: return bind_any_all(n);
    case NodeKind::kFunc: return bind_func(n);
    case NodeKind::kArray: return bind_array(n);
    case NodeKind::kSubscript: {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a, bind(*n.args[0]));
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr i, bind(*n.args[1]));
      if (!a.type.array) return err("cannot subscript type " + a.type.name() + " because it is not an array", n.pos);
      if (i.type.is_unknown()) {
        SHAPESIM_ASSIGN_OR_RETURN(i, coerce(std::move(i), SqlType{TypeId::kInt4}, n.args[1]->pos));
      }
      if (i.type.array || !is_integer(i.type.id)) return err("array subscript must have type integer", n.args[1]->pos);
      BoundExpr e;
      e.kind = BoundKind::kSubscript;
      e.type = a.type.element();
      e.args.push_back(std::move(a));
      e.args.push_back(std::move(i));
      return fold(std::move(e), n.pos);
    }
  }
  return err("unsupported expression", n.pos);
}

}  // namespace checker_detail

using checker_detail::Checker;
using checker_detail::err;
using checker_detail::make_const;

SqlType column_sql_type(const ColumnSchema& c) {
  // A multidimensional array is carried as its text (no expression may reference it).
  if (c.dims > 1) return from_column_type(ColumnType::kText, false);
  return from_column_type(c.type, c.dims > 0);
}

Result<CheckResult> check_expression(const Node& root, const TableSchema& table, const std::vector<std::string>& params) {
  Checker checker(table, params);
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr e, checker.bind(root));
  if (e.type.is_unknown()) {
    auto c = e.is_const() && !e.value.is_null() ? parse_input(SqlType{TypeId::kBool}, std::get<std::string>(e.value.v))
                                                : Result<SqlValue>(SqlValue::null());
    if (!c.ok()) return err(c.status().message(), root.pos);
    e = make_const(std::move(*c), SqlType{TypeId::kBool});
  }
  if (e.type != SqlType{TypeId::kBool}) {
    return err("argument of WHERE must be type boolean, not type " + e.type.name(), root.pos);
  }
  assert_well_formed(e, table.columns.size());
  return CheckResult{std::move(e), checker.used()};
}

Result<CheckResult> check_value_expression(const Node& root, const TableSchema& table,
                                           const std::vector<std::string>& params) {
  Checker checker(table, params);
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr e, checker.bind(root));
  if (e.type.is_unknown()) {  // an untyped literal: text, as PostgreSQL resolves it
    SqlValue v = e.value;
    e = make_const(std::move(v), SqlType{TypeId::kText});
  }
  assert_well_formed(e, table.columns.size());
  return CheckResult{std::move(e), checker.used()};
}

}  // namespace shapesim::sql
