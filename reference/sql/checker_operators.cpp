// The checker's operators: comparisons (with PostgreSQL's operator resolution), arithmetic,
// ||, array operators, LIKE/ILIKE, IN (as transformAExprIn), BETWEEN, ANY/ALL.
#include <algorithm>
#include <optional>

#include "reference/sql/checker_internal.h"

namespace shapesim::sql::checker_detail {

namespace {

CompareOp compare_op(const std::string& op) {
  if (op == "=") return CompareOp::kEq;
  if (op == "<>") return CompareOp::kNe;
  if (op == "<") return CompareOp::kLt;
  if (op == "<=") return CompareOp::kLe;
  if (op == ">") return CompareOp::kGt;
  return CompareOp::kGe;
}

}  // namespace

Result<BoundExpr> Checker::bind_binary(const Node& n) {
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr l, bind(*n.args[0]));
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr r, bind(*n.args[1]));
  const std::string& op = n.text;
  if (op == "=" || op == "<>" || op == "<" || op == "<=" || op == ">" || op == ">=") {
    return bind_compare(op, std::move(l), std::move(r), n.pos, BoundKind::kCompare);
  }
  if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%" || op == "^") {
    return bind_arith(op, std::move(l), std::move(r), n.pos);
  }
  if (op == "||") return bind_concat(std::move(l), std::move(r), n.pos);
  if (op == "@>" || op == "<@" || op == "&&") return bind_array_op(op, std::move(l), std::move(r), n.pos);
  return err("operator does not exist: " + l.type.name() + " " + op + " " + r.type.name(), n.pos);
}

// Picks the type both operands of a comparison are coerced to, as PostgreSQL's operator
// resolution does for the built-in operators.
Result<SqlType> Checker::compare_type(const std::string& op, SqlType lt, SqlType rt, size_t pos, BoundKind kind) {
  SqlType target;
  auto no_operator = [&] { return err("operator does not exist: " + lt.name() + " " + op + " " + rt.name(), pos); };
  if (lt.is_unknown() && rt.is_unknown()) {
    target = SqlType{TypeId::kText};
  } else if (lt.is_unknown()) {
    target = rt;
  } else if (rt.is_unknown()) {
    target = lt;
  } else {
    if (lt.array != rt.array) return no_operator();
    if (lt.array && lt != rt) return no_operator();  // no implicit casts between array types
    if (category(lt.id) != category(rt.id)) return no_operator();
    std::vector<BoundExpr> both;
    both.push_back(make_const(SqlValue::null(), lt));
    both.push_back(make_const(SqlValue::null(), rt));
    auto common = common_type(both, "operator", pos);
    if (!common.ok()) return no_operator();
    target = *common;
  }
  if (target.id == TypeId::kJson && !target.array) return err("operator does not exist: json " + op + " json", pos);
  if (target.id == TypeId::kJsonb && op != "=" && op != "<>" && kind == BoundKind::kCompare) {
    return err("operator does not exist: jsonb " + op + " jsonb (shapesim compares jsonb for equality only)", pos);
  }
  if (is_text(target.id)) target.id = TypeId::kText;
  return target;
}

Status Checker::check_ordering(const std::string& op, const BoundExpr& l, const BoundExpr& r, size_t pos) const {
  if (op == "=" || op == "<>") return Status::Ok();
  for (const BoundExpr* side : {&l, &r}) {
    if (side->kind != BoundKind::kColumn) continue;
    const ColumnSchema& c = table_.columns[static_cast<size_t>(side->column)];
    if (c.comparison == ColumnSchema::Comparison::kEqualityOnly) {
      return err("operator " + op + " on column \"" + c.name + "\" of type " + c.schema_type_name() +
                     " is not supported: its values sort in declaration order (use = or IN)",
                 pos);
    }
  }
  return Status::Ok();
}

Result<BoundExpr> Checker::bind_compare(const std::string& op, BoundExpr l, BoundExpr r, size_t pos, BoundKind kind,
                                        bool negated) {
  SHAPESIM_RETURN_IF_ERROR(check_ordering(op, l, r, pos));
  SHAPESIM_ASSIGN_OR_RETURN(SqlType target, compare_type(op, l.type, r.type, pos, kind));
  SHAPESIM_ASSIGN_OR_RETURN(l, coerce(std::move(l), target, pos));
  SHAPESIM_ASSIGN_OR_RETURN(r, coerce(std::move(r), target, pos));
  BoundExpr e;
  e.kind = kind;
  e.type = SqlType{TypeId::kBool};
  e.operand_type = target;
  e.negated = negated;
  e.op = static_cast<int>(compare_op(op));
  e.args.push_back(std::move(l));
  e.args.push_back(std::move(r));
  return fold(std::move(e), pos);
}

Result<BoundExpr> Checker::bind_arith(const std::string& op, BoundExpr l, BoundExpr r, size_t pos) {
  SqlType lt = l.type, rt = r.type;
  auto no_operator = [&] { return err("operator does not exist: " + lt.name() + " " + op + " " + rt.name(), pos); };
  if (lt.is_unknown() && rt.is_unknown()) return err("operator is not unique: unknown " + op + " unknown", pos);
  // date +/- integer, integer + date, date - date (an unknown literal next to a date is a
  // date for "-", ambiguous for "+", as in PostgreSQL).
  if (!lt.array && !rt.array && (lt.id == TypeId::kDate || rt.id == TypeId::kDate)) {
    BoundExpr e;
    e.kind = BoundKind::kArith;
    bool l_date = lt.id == TypeId::kDate, r_date = rt.id == TypeId::kDate;
    if ((l_date && rt.is_unknown()) || (r_date && lt.is_unknown())) {
      if (op != "-") return err("operator is not unique: " + lt.name() + " " + op + " " + rt.name(), pos);
      SHAPESIM_ASSIGN_OR_RETURN(l, coerce(std::move(l), SqlType{TypeId::kDate}, pos));
      SHAPESIM_ASSIGN_OR_RETURN(r, coerce(std::move(r), SqlType{TypeId::kDate}, pos));
      e.op = static_cast<int>(ArithOp::kDateDiff);
      e.type = SqlType{TypeId::kInt4};
    } else if (l_date && r_date) {
      if (op != "-") return no_operator();
      e.op = static_cast<int>(ArithOp::kDateDiff);
      e.type = SqlType{TypeId::kInt4};
    } else if (l_date && is_integer(rt.id) && rt.id != TypeId::kInt8 && (op == "+" || op == "-")) {
      SHAPESIM_ASSIGN_OR_RETURN(r, coerce(std::move(r), SqlType{TypeId::kInt4}, pos));
      e.op = static_cast<int>(op == "+" ? ArithOp::kDateAddDays : ArithOp::kDateSubDays);
      e.type = SqlType{TypeId::kDate};
    } else if (r_date && is_integer(lt.id) && lt.id != TypeId::kInt8 && op == "+") {
      SHAPESIM_ASSIGN_OR_RETURN(l, coerce(std::move(l), SqlType{TypeId::kInt4}, pos));
      std::swap(l, r);
      e.op = static_cast<int>(ArithOp::kDateAddDays);
      e.type = SqlType{TypeId::kDate};
    } else {
      return no_operator();
    }
    e.args.push_back(std::move(l));
    e.args.push_back(std::move(r));
    return fold(std::move(e), pos);
  }
  SqlType known = lt.is_unknown() ? rt : lt;
  if (known.array || category(known.id) != Category::kNumeric) return no_operator();
  if (!lt.is_unknown() && !rt.is_unknown() && (rt.array || category(rt.id) != Category::kNumeric)) return no_operator();
  SqlType target;
  if (lt.is_unknown() || rt.is_unknown()) {
    target = known;
  } else {
    std::vector<BoundExpr> both;
    both.push_back(make_const(SqlValue::null(), lt));
    both.push_back(make_const(SqlValue::null(), rt));
    SHAPESIM_ASSIGN_OR_RETURN(target, common_type(both, "operator", pos));
  }
  ArithOp aop = op == "+" ? ArithOp::kAdd : op == "-" ? ArithOp::kSub : op == "*" ? ArithOp::kMul
              : op == "/" ? ArithOp::kDiv : op == "%" ? ArithOp::kMod : ArithOp::kPow;
  if (aop == ArithOp::kPow) target = SqlType{target.id == TypeId::kNumeric ? TypeId::kNumeric : TypeId::kFloat8};
  if (aop == ArithOp::kMod && (target.id == TypeId::kFloat4 || target.id == TypeId::kFloat8)) return no_operator();
  SHAPESIM_ASSIGN_OR_RETURN(l, coerce(std::move(l), target, pos));
  SHAPESIM_ASSIGN_OR_RETURN(r, coerce(std::move(r), target, pos));
  BoundExpr e;
  e.kind = BoundKind::kArith;
  e.op = static_cast<int>(aop);
  e.type = target;
  e.operand_type = target;
  e.args.push_back(std::move(l));
  e.args.push_back(std::move(r));
  return fold(std::move(e), pos);
}

Result<BoundExpr> Checker::bind_concat(BoundExpr l, BoundExpr r, size_t pos) {
  SqlType lt = l.type, rt = r.type;
  if (lt.array || rt.array) return bind_array_op("||", std::move(l), std::move(r), pos);
  bool l_text = is_text(lt.id) || lt.is_unknown();
  bool r_text = is_text(rt.id) || rt.is_unknown();
  if (!l_text && !r_text) return err("operator does not exist: " + lt.name() + " || " + rt.name(), pos);
  BoundExpr e;
  e.kind = BoundKind::kConcat;
  e.type = SqlType{TypeId::kText};
  // anynonarray || text: the non-text side is converted with its output function.
  for (BoundExpr* side : {&l, &r}) {
    if (side->type.is_unknown()) {
      SHAPESIM_ASSIGN_OR_RETURN(*side, coerce(std::move(*side), SqlType{TypeId::kText}, pos));
    } else if (!is_text(side->type.id)) {
      BoundExpr c;
      c.kind = BoundKind::kCast;
      c.type = SqlType{TypeId::kText};
      c.args.push_back(std::move(*side));
      SHAPESIM_ASSIGN_OR_RETURN(*side, fold(std::move(c), pos));
    }
  }
  e.args.push_back(std::move(l));
  e.args.push_back(std::move(r));
  return fold(std::move(e), pos);
}

Result<BoundExpr> Checker::bind_array_op(const std::string& op, BoundExpr l, BoundExpr r, size_t pos) {
  SqlType lt = l.type, rt = r.type;
  auto no_operator = [&] { return err("operator does not exist: " + lt.name() + " " + op + " " + rt.name(), pos); };
  SqlType array_type;
  BoundExpr e;
  e.kind = BoundKind::kArrayOp;
  if (op == "||" && lt.array != rt.array && !lt.is_unknown() && !rt.is_unknown()) {
    // anycompatiblearray || anycompatible: both sides move to the common element type.
    SqlType arr = lt.array ? lt : rt;
    SqlType item = lt.array ? rt : lt;
    std::vector<BoundExpr> both;
    both.push_back(make_const(SqlValue::null(), arr.element()));
    both.push_back(make_const(SqlValue::null(), item));
    auto common = common_type(both, "operator", pos);
    if (!common.ok()) return no_operator();
    SqlType elem = *common;
    if (is_text(elem.id)) elem.id = TypeId::kText;
    BoundExpr& array_side = lt.array ? l : r;
    BoundExpr& elem_side = lt.array ? r : l;
    SHAPESIM_ASSIGN_OR_RETURN(array_side, coerce(std::move(array_side), elem.as_array(), pos));
    SHAPESIM_ASSIGN_OR_RETURN(elem_side, coerce(std::move(elem_side), elem, pos));
    e.op = static_cast<int>(ArrayOp::kConcat);
    e.type = elem.as_array();
    e.operand_type = elem.as_array();
    e.flag = true;          // one side is an element
    e.negated = !lt.array;  // element on the left
    e.args.push_back(std::move(l));
    e.args.push_back(std::move(r));
    return fold(std::move(e), pos);
  }
  if (lt.is_unknown() && rt.is_unknown()) return err("operator is not unique: unknown " + op + " unknown", pos);
  if (lt.is_unknown()) {
    array_type = rt;
  } else if (rt.is_unknown()) {
    array_type = lt;
  } else {
    if (!lt.array || !rt.array) return no_operator();
    if (op != "||" && lt != rt) return no_operator();  // anyarray operators need identical types
    std::vector<BoundExpr> both;
    both.push_back(make_const(SqlValue::null(), lt));
    both.push_back(make_const(SqlValue::null(), rt));
    auto common = common_type(both, "operator", pos);
    if (!common.ok()) return no_operator();
    array_type = *common;
  }
  if (!array_type.array) return no_operator();
  SHAPESIM_ASSIGN_OR_RETURN(l, coerce(std::move(l), array_type, pos));
  SHAPESIM_ASSIGN_OR_RETURN(r, coerce(std::move(r), array_type, pos));
  e.op = static_cast<int>(op == "@>" ? ArrayOp::kContains : op == "<@" ? ArrayOp::kContainedBy
                          : op == "&&" ? ArrayOp::kOverlaps : ArrayOp::kConcat);
  e.type = op == "||" ? array_type : SqlType{TypeId::kBool};
  e.operand_type = array_type;
  e.args.push_back(std::move(l));
  e.args.push_back(std::move(r));
  return fold(std::move(e), pos);
}

Result<BoundExpr> Checker::bind_like(const Node& n) {
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr value, bind(*n.args[0]));
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr pattern, bind(*n.args[1]));
  const char* op = n.flag ? (n.negated ? "!~~*" : "~~*") : (n.negated ? "!~~" : "~~");
  bool v_ok = value.type.is_unknown() || (!value.type.array && is_text(value.type.id));
  bool p_ok = pattern.type.is_unknown() || (!pattern.type.array && is_text(pattern.type.id));
  if (!v_ok || !p_ok) {
    return err(std::string("operator does not exist: ") + value.type.name() + " " + op + " " + pattern.type.name(), n.pos);
  }
  SHAPESIM_ASSIGN_OR_RETURN(value, coerce(std::move(value), SqlType{TypeId::kText}, n.pos));
  SHAPESIM_ASSIGN_OR_RETURN(pattern, coerce(std::move(pattern), SqlType{TypeId::kText}, n.pos));
  BoundExpr e;
  e.kind = BoundKind::kLike;
  e.type = SqlType{TypeId::kBool};
  e.flag = n.flag;
  e.negated = n.negated;
  std::optional<char> escape = '\\';
  if (n.args.size() > 2) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr esc, bind(*n.args[2]));
    SHAPESIM_ASSIGN_OR_RETURN(esc, coerce(std::move(esc), SqlType{TypeId::kText}, n.args[2]->pos));
    if (!esc.is_const()) return err("the ESCAPE clause of LIKE must be a constant in a shape's where clause", n.args[2]->pos);
    if (esc.value.is_null()) {
      escape = std::nullopt;
      e.op = 2;  // NULL escape: result is NULL
    } else {
      const auto& s = std::get<std::string>(esc.value.v);
      if (s.size() > 1) return err("invalid escape string", n.args[2]->pos);
      escape = s.empty() ? std::nullopt : std::optional<char>(s[0]);
      e.op = s.empty() ? 1 : 0;
    }
    e.args.push_back(std::move(value));
    e.args.push_back(std::move(pattern));
    e.args.push_back(std::move(esc));
  } else {
    e.args.push_back(std::move(value));
    e.args.push_back(std::move(pattern));
  }
  if (e.args[1].is_const() && !e.args[1].value.is_null() && e.op != 2) {
    auto compiled = LikePattern::compile(std::get<std::string>(e.args[1].value.v), escape, n.flag);
    if (!compiled.ok()) return err(compiled.status().message(), n.args[1]->pos);
    e.like = std::make_shared<const LikePattern>(std::move(*compiled));
  }
  return fold(std::move(e), n.pos);
}

namespace {

bool has_column(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn) return true;
  for (const auto& a : e.args) {
    if (has_column(a)) return true;
  }
  return false;
}

}  // namespace

// x [NOT] IN (items), as PostgreSQL's transformAExprIn: items without column references go
// into one `x = ANY(array)` when there are at least two and they share a type with x; every
// other item becomes its own comparison; the parts are OR-ed (AND-ed for NOT IN).
Result<BoundExpr> Checker::bind_in(const Node& n) {
  std::vector<BoundExpr> items;
  std::vector<size_t> item_nodes;
  for (size_t i = 1; i < n.args.size(); ++i) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr b, bind(*n.args[i]));
    items.push_back(std::move(b));
    item_nodes.push_back(i);
  }
  std::vector<size_t> constant_items, other_items;
  for (size_t i = 0; i < items.size(); ++i) (has_column(items[i]) ? other_items : constant_items).push_back(i);
  std::vector<BoundExpr> parts;
  if (constant_items.size() > 1) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr x, bind(*n.args[0]));
    std::vector<BoundExpr> all;
    all.push_back(make_const(SqlValue::null(), x.type));
    for (size_t i : constant_items) all.push_back(make_const(SqlValue::null(), items[i].type));
    auto common = common_type(all, "IN", n.pos);
    if (common.ok() && !(common->id == TypeId::kJson && !common->array)) {
      SqlType target = *common;
      if (is_text(target.id)) target.id = TypeId::kText;
      BoundExpr in;
      in.kind = BoundKind::kIn;
      in.type = SqlType{TypeId::kBool};
      in.negated = n.negated;
      in.operand_type = target;
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr cx, coerce(std::move(x), target, n.pos));
      in.args.push_back(std::move(cx));
      for (size_t i : constant_items) {
        SHAPESIM_ASSIGN_OR_RETURN(BoundExpr c, coerce(std::move(items[i]), target, n.args[item_nodes[i]]->pos));
        in.args.push_back(std::move(c));
      }
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr folded, fold(std::move(in), n.pos));
      parts.push_back(std::move(folded));
    } else {
      other_items.insert(other_items.end(), constant_items.begin(), constant_items.end());
      std::sort(other_items.begin(), other_items.end());
    }
  } else {
    other_items.insert(other_items.end(), constant_items.begin(), constant_items.end());
    std::sort(other_items.begin(), other_items.end());
  }
  for (size_t i : other_items) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr x, bind(*n.args[0]));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr cmp, bind_compare(n.negated ? "<>" : "=", std::move(x), std::move(items[i]),
                                                          n.args[item_nodes[i]]->pos, BoundKind::kCompare));
    parts.push_back(std::move(cmp));
  }
  if (parts.size() == 1) return std::move(parts[0]);
  BoundExpr combined;
  combined.kind = n.negated ? BoundKind::kAnd : BoundKind::kOr;
  combined.type = SqlType{TypeId::kBool};
  combined.args = std::move(parts);
  return fold(std::move(combined), n.pos);
}

Result<BoundExpr> Checker::bind_between(const Node& n) {
  // a BETWEEN b AND c  ==  a >= b AND a <= c  (each comparison resolved on its own)
  auto range = [&](const Node& low, const Node& high) -> Result<BoundExpr> {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a1, bind(*n.args[0]));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr lo, bind(low));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr ge, bind_compare(">=", std::move(a1), std::move(lo), n.pos, BoundKind::kCompare));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a2, bind(*n.args[0]));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr hi, bind(high));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr le, bind_compare("<=", std::move(a2), std::move(hi), n.pos, BoundKind::kCompare));
    BoundExpr both;
    both.kind = BoundKind::kAnd;
    both.type = SqlType{TypeId::kBool};
    both.args.push_back(std::move(ge));
    both.args.push_back(std::move(le));
    return fold(std::move(both), n.pos);
  };
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr e, range(*n.args[1], *n.args[2]));
  if (n.flag) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr swapped, range(*n.args[2], *n.args[1]));
    BoundExpr either;
    either.kind = BoundKind::kOr;
    either.type = SqlType{TypeId::kBool};
    either.args.push_back(std::move(e));
    either.args.push_back(std::move(swapped));
    SHAPESIM_ASSIGN_OR_RETURN(e, fold(std::move(either), n.pos));
  }
  if (n.negated) {
    BoundExpr neg;
    neg.kind = BoundKind::kNot;
    neg.type = SqlType{TypeId::kBool};
    neg.args.push_back(std::move(e));
    return fold(std::move(neg), n.pos);
  }
  return e;
}

Result<BoundExpr> Checker::bind_any_all(const Node& n) {
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr value, bind(*n.args[0]));
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr arr, bind(*n.args[1]));
  const std::string& op = n.text;
  bool like = op == "~~" || op == "~~*";
  if (!arr.type.array && !arr.type.is_unknown()) {
    return err("op ANY/ALL (array) requires array on right side", n.pos);
  }
  SqlType elem;
  if (arr.type.is_unknown()) {
    elem = value.type.is_unknown() ? SqlType{TypeId::kText} : value.type;
    if (like) elem = SqlType{TypeId::kText};
    SHAPESIM_ASSIGN_OR_RETURN(arr, coerce(std::move(arr), elem.as_array(), n.args[1]->pos));
  }
  elem = arr.type.element();
  BoundExpr e;
  e.kind = BoundKind::kAnyAll;
  e.type = SqlType{TypeId::kBool};
  e.flag = n.flag;
  e.negated = n.negated;
  if (like) {
    bool v_ok = value.type.is_unknown() || (!value.type.array && is_text(value.type.id));
    if (!v_ok || !is_text(elem.id)) {
      return err("operator does not exist: " + value.type.name() + " " + (n.negated ? "!" : "") + op + " " + elem.name(), n.pos);
    }
    SHAPESIM_ASSIGN_OR_RETURN(value, coerce(std::move(value), SqlType{TypeId::kText}, n.pos));
    e.op = op == "~~" ? kAnyAllLike : kAnyAllIlike;
    e.operand_type = SqlType{TypeId::kText};
    e.args.push_back(std::move(value));
    e.args.push_back(std::move(arr));
    return fold(std::move(e), n.pos);
  }
  // Resolve `value op element` like a plain comparison, then coerce both sides to match.
  SHAPESIM_RETURN_IF_ERROR(check_ordering(op, value, arr, n.pos));
  SHAPESIM_ASSIGN_OR_RETURN(SqlType target, compare_type(op, value.type, elem, n.pos, BoundKind::kCompare));
  e.op = static_cast<int>(compare_op(op));
  e.operand_type = target;
  SHAPESIM_ASSIGN_OR_RETURN(value, coerce(std::move(value), target, n.pos));
  SHAPESIM_ASSIGN_OR_RETURN(arr, coerce(std::move(arr), target.as_array(), n.args[1]->pos));
  e.args.push_back(std::move(value));
  e.args.push_back(std::move(arr));
  return fold(std::move(e), n.pos);
}

}  // namespace shapesim::sql::checker_detail
