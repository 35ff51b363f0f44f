#include "reference/sql/checker.h"

#include <algorithm>
#include <optional>
#include <set>

#include "reference/sql/where_error.h"

namespace shapesim::sql {

namespace {

Status err(const std::string& message, size_t pos) { return semantic_error(pos, message); }

BoundExpr make_const(SqlValue v, SqlType t) {
  BoundExpr e;
  e.kind = BoundKind::kConst;
  e.type = t;
  e.value = std::move(v);
  return e;
}

CompareOp compare_op(const std::string& op) {
  if (op == "=") return CompareOp::kEq;
  if (op == "<>") return CompareOp::kNe;
  if (op == "<") return CompareOp::kLt;
  if (op == "<=") return CompareOp::kLe;
  if (op == ">") return CompareOp::kGt;
  return CompareOp::kGe;
}

const std::set<std::string> kAggregates = {"count", "sum", "avg", "min", "max", "array_agg", "string_agg",
                                           "bool_and", "bool_or", "every", "json_agg", "jsonb_agg", "stddev",
                                           "variance", "bit_and", "bit_or"};
const std::set<std::string> kNonDeterministic = {
    "now", "random", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
    "current_timestamp", "current_date", "current_time", "localtime", "localtimestamp", "gen_random_uuid",
    "uuid_generate_v4", "setseed", "nextval", "currval", "lastval", "txid_current", "pg_current_xact_id",
    "current_user", "session_user", "pg_sleep", "random_normal"};

struct FuncSpec {
  const char* name;
  FuncId id;
};
const FuncSpec kFunctions[] = {
    {"lower", FuncId::kLower}, {"upper", FuncId::kUpper}, {"length", FuncId::kLength},
    {"char_length", FuncId::kLength}, {"character_length", FuncId::kLength}, {"coalesce", FuncId::kCoalesce},
    {"nullif", FuncId::kNullif}, {"greatest", FuncId::kGreatest}, {"least", FuncId::kLeast},
    {"concat", FuncId::kConcat}, {"concat_ws", FuncId::kConcatWs}, {"abs", FuncId::kAbs}, {"btrim", FuncId::kTrim},
    {"trim", FuncId::kTrim}, {"ltrim", FuncId::kLtrim}, {"rtrim", FuncId::kRtrim}, {"starts_with", FuncId::kStartsWith},
    {"strpos", FuncId::kStrpos}, {"replace", FuncId::kReplace}, {"left", FuncId::kLeft}, {"right", FuncId::kRight},
    {"substr", FuncId::kSubstr}, {"substring", FuncId::kSubstr}, {"reverse", FuncId::kReverse},
    {"round", FuncId::kRound}, {"floor", FuncId::kFloor}, {"ceil", FuncId::kCeil}, {"ceiling", FuncId::kCeil},
    {"mod", FuncId::kMod}, {"cardinality", FuncId::kCardinality}, {"array_length", FuncId::kArrayLength},
};

class Checker {
 public:
  Checker(const TableSchema& table, const std::vector<std::string>& params)
      : table_(table), params_(params), used_(params.size(), false) {}

  Result<BoundExpr> bind(const Node& n);
  std::vector<bool> used() const { return used_; }

 private:
  Result<BoundExpr> bind_binary(const Node& n);
  // Rejects <, <=, >, >= on a column compared by equality only (an enum sorts by declaration).
  Status check_ordering(const std::string& op, const BoundExpr& l, const BoundExpr& r, size_t pos) const;
  Result<BoundExpr> bind_compare(const std::string& op, BoundExpr l, BoundExpr r, size_t pos, BoundKind kind,
                                 bool negated = false);
  // The type both operands of `l op r` are coerced to (PostgreSQL's operator resolution).
  Result<SqlType> compare_type(const std::string& op, SqlType lt, SqlType rt, size_t pos, BoundKind kind);
  Result<BoundExpr> bind_arith(const std::string& op, BoundExpr l, BoundExpr r, size_t pos);
  Result<BoundExpr> bind_concat(BoundExpr l, BoundExpr r, size_t pos);
  Result<BoundExpr> bind_array_op(const std::string& op, BoundExpr l, BoundExpr r, size_t pos);
  Result<BoundExpr> bind_like(const Node& n);
  Result<BoundExpr> bind_in(const Node& n);
  Result<BoundExpr> bind_between(const Node& n);
  Result<BoundExpr> bind_any_all(const Node& n);
  Result<BoundExpr> bind_cast(const Node& n);
  Result<BoundExpr> bind_func(const Node& n);
  Result<BoundExpr> bind_array(const Node& n);
  Result<BoundExpr> bind_bool_arg(const Node& n, const char* construct);

  // Implicitly coerces `e` to `to` (unknown literals are parsed). Error if not allowed.
  Result<BoundExpr> coerce(BoundExpr e, SqlType to, size_t pos);
  Result<BoundExpr> explicit_cast(BoundExpr e, SqlType to, int typmod, int precision, bool precision_given, size_t pos);
  // PostgreSQL's select_common_type for IN lists, COALESCE, GREATEST, ARRAY[...].
  Result<SqlType> common_type(const std::vector<BoundExpr>& items, const char* context, size_t pos);
  // Evaluates a node whose arguments are all constants, so errors surface at compile time.
  Result<BoundExpr> fold(BoundExpr e, size_t pos);
  // NOT e, pushed inward like PostgreSQL's planner (De Morgan, NOT NOT x = x), then folded.
  Result<BoundExpr> negate(BoundExpr e, size_t pos);

  const TableSchema& table_;
  const std::vector<std::string>& params_;
  std::vector<bool> used_;
  // > 0 while binding arguments PostgreSQL's planner would not simplify (after a deciding
  // constant in AND/OR/COALESCE): type errors still count, constant-folding errors do not.
  int lenient_ = 0;
};

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

bool has_column(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn) return true;
  for (const auto& a : e.args) {
    if (has_column(a)) return true;
  }
  return false;
}

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
    e.op = op == "~~" ? 100 : 101;  // LIKE / ILIKE
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

Result<BoundExpr> Checker::bind_cast(const Node& n) {
  SHAPESIM_ASSIGN_OR_RETURN(BoundExpr a, bind(*n.args[0]));
  return explicit_cast(std::move(a), n.type, n.typmod, n.index, n.flag, n.pos);
}

Result<BoundExpr> Checker::bind_array(const Node& n) {
  std::vector<BoundExpr> items;
  for (const auto& a : n.args) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr b, bind(*a));
    if (b.type.array) return err("multidimensional arrays are not supported", a->pos);
    items.push_back(std::move(b));
  }
  if (items.empty()) return err("cannot determine type of empty array", n.pos);
  SHAPESIM_ASSIGN_OR_RETURN(SqlType elem, common_type(items, "ARRAY", n.pos));
  BoundExpr e;
  e.kind = BoundKind::kArray;
  e.type = elem.as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr c, coerce(std::move(items[i]), elem, n.args[i]->pos));
    e.args.push_back(std::move(c));
  }
  return fold(std::move(e), n.pos);
}

Result<BoundExpr> Checker::bind_func(const Node& n) {
  const std::string& name = n.text;
  if (kAggregates.count(name)) return err("aggregate functions are not allowed in WHERE", n.pos);
  if (kNonDeterministic.count(name)) {
    return err("function " + name + "() is not allowed in a shape's where clause: it is not deterministic", n.pos);
  }
  std::vector<BoundExpr> args;
  bool coalesce_decided = false;  // COALESCE stops simplifying after a non-null constant
  for (const auto& a : n.args) {
    if (coalesce_decided) ++lenient_;
    auto b = bind(*a);
    if (coalesce_decided) --lenient_;
    if (!b.ok()) return b.status();
    if (name == "coalesce" && b->is_const() && !b->value.is_null()) coalesce_decided = true;
    args.push_back(std::move(*b));
  }
  auto signature = [&] {
    std::string s = "function " + name + "(";
    for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i].type.name();
    return s + ") does not exist";
  };
  std::optional<FuncId> id;
  for (const auto& f : kFunctions) {
    if (name == f.name) id = f.id;
  }
  if (!id) return err(signature(), n.pos);
  auto is_textish = [](const BoundExpr& b) { return b.type.is_unknown() || (!b.type.array && is_text(b.type.id)); };
  auto is_intish = [](const BoundExpr& b) { return b.type.is_unknown() || (!b.type.array && is_integer(b.type.id) && b.type.id != TypeId::kInt8); };
  auto is_numericish = [](const BoundExpr& b) { return b.type.is_unknown() || (!b.type.array && category(b.type.id) == Category::kNumeric); };
  BoundExpr e;
  e.kind = BoundKind::kFunc;
  e.op = static_cast<int>(*id);
  SqlType text{TypeId::kText};
  auto coerce_all = [&](SqlType t) -> Status {
    for (size_t i = 0; i < args.size(); ++i) {
      auto c = coerce(std::move(args[i]), t, n.args[i]->pos);
      if (!c.ok()) return c.status();
      args[i] = std::move(*c);
    }
    return Status::Ok();
  };
  switch (*id) {
    case FuncId::kLower:
    case FuncId::kUpper:
    case FuncId::kReverse:
    case FuncId::kLength:
      if (args.size() != 1 || !is_textish(args[0])) return err(signature(), n.pos);
      SHAPESIM_RETURN_IF_ERROR(coerce_all(text));
      e.type = *id == FuncId::kLength ? SqlType{TypeId::kInt4} : text;
      break;
    case FuncId::kTrim:
    case FuncId::kLtrim:
    case FuncId::kRtrim:
      if (args.empty() || args.size() > 2 || !is_textish(args[0]) || (args.size() == 2 && !is_textish(args[1]))) {
        return err(signature(), n.pos);
      }
      SHAPESIM_RETURN_IF_ERROR(coerce_all(text));
      e.type = text;
      break;
    case FuncId::kStartsWith:
    case FuncId::kStrpos:
      if (args.size() != 2 || !is_textish(args[0]) || !is_textish(args[1])) return err(signature(), n.pos);
      SHAPESIM_RETURN_IF_ERROR(coerce_all(text));
      e.type = *id == FuncId::kStartsWith ? SqlType{TypeId::kBool} : SqlType{TypeId::kInt4};
      break;
    case FuncId::kReplace:
      if (args.size() != 3 || !is_textish(args[0]) || !is_textish(args[1]) || !is_textish(args[2])) return err(signature(), n.pos);
      SHAPESIM_RETURN_IF_ERROR(coerce_all(text));
      e.type = text;
      break;
    case FuncId::kLeft:
    case FuncId::kRight:
    case FuncId::kSubstr: {
      size_t max_args = *id == FuncId::kSubstr ? 3 : 2;
      if (args.size() < 2 || args.size() > max_args || !is_textish(args[0])) return err(signature(), n.pos);
      for (size_t i = 1; i < args.size(); ++i) {
        if (!is_intish(args[i])) return err(signature(), n.pos);
      }
      SHAPESIM_ASSIGN_OR_RETURN(args[0], coerce(std::move(args[0]), text, n.args[0]->pos));
      for (size_t i = 1; i < args.size(); ++i) {
        SHAPESIM_ASSIGN_OR_RETURN(args[i], coerce(std::move(args[i]), SqlType{TypeId::kInt4}, n.args[i]->pos));
      }
      e.type = text;
      break;
    }
    case FuncId::kConcat:
    case FuncId::kConcatWs: {
      if (*id == FuncId::kConcatWs && (args.empty() || !is_textish(args[0]))) return err(signature(), n.pos);
      for (size_t i = 0; i < args.size(); ++i) {
        if (args[i].type.is_unknown()) {
          SHAPESIM_ASSIGN_OR_RETURN(args[i], coerce(std::move(args[i]), text, n.args[i]->pos));
        }
      }
      e.type = text;
      break;
    }
    case FuncId::kCoalesce:
    case FuncId::kGreatest:
    case FuncId::kLeast: {
      if (args.empty()) return err("syntax error at or near \")\"", n.pos);
      const char* context = *id == FuncId::kCoalesce ? "COALESCE" : *id == FuncId::kGreatest ? "GREATEST" : "LEAST";
      SHAPESIM_ASSIGN_OR_RETURN(SqlType t, common_type(args, context, n.pos));
      if (is_text(t.id)) t.id = TypeId::kText;
      if (*id != FuncId::kCoalesce && t.id == TypeId::kJson) return err("could not identify a comparison function for type json", n.pos);
      SHAPESIM_RETURN_IF_ERROR(coerce_all(t));
      e.type = t;
      break;
    }
    case FuncId::kNullif: {
      // NULLIF(a, b): compares with the resolved `=` (common type) but returns a in its own type.
      if (args.size() != 2) return err(signature(), n.pos);
      SHAPESIM_ASSIGN_OR_RETURN(SqlType t, compare_type("=", args[0].type, args[1].type, n.pos, BoundKind::kCompare));
      SqlType result = args[0].type.is_unknown() ? t : args[0].type;
      SHAPESIM_ASSIGN_OR_RETURN(args[0], coerce(std::move(args[0]), result, n.args[0]->pos));
      SHAPESIM_ASSIGN_OR_RETURN(args[1], coerce(std::move(args[1]), t, n.args[1]->pos));
      if (args[0].is_const() && args[0].value.is_null()) return make_const(SqlValue::null(), result);
      e.operand_type = t;
      e.type = result;
      break;
    }
    case FuncId::kAbs: {
      if (args.size() != 1 || !is_numericish(args[0])) return err(signature(), n.pos);
      SqlType t = args[0].type.is_unknown() ? SqlType{TypeId::kFloat8} : args[0].type;
      SHAPESIM_RETURN_IF_ERROR(coerce_all(t));
      e.type = t;
      break;
    }
    case FuncId::kRound:
    case FuncId::kFloor:
    case FuncId::kCeil: {
      size_t max_args = *id == FuncId::kRound ? 2 : 1;
      if (args.empty() || args.size() > max_args || !is_numericish(args[0])) return err(signature(), n.pos);
      // numeric stays numeric; everything else (integers, floats, unknown) goes through float8.
      SqlType t = args[0].type.id == TypeId::kNumeric ? SqlType{TypeId::kNumeric} : SqlType{TypeId::kFloat8};
      if (args.size() == 2) {
        t = SqlType{TypeId::kNumeric};
        if (!is_intish(args[1])) return err(signature(), n.pos);
        SHAPESIM_ASSIGN_OR_RETURN(args[1], coerce(std::move(args[1]), SqlType{TypeId::kInt4}, n.args[1]->pos));
      }
      SHAPESIM_ASSIGN_OR_RETURN(args[0], coerce(std::move(args[0]), t, n.args[0]->pos));
      e.type = t;
      break;
    }
    case FuncId::kMod: {
      if (args.size() != 2 || !is_numericish(args[0]) || !is_numericish(args[1])) return err(signature(), n.pos);
      SHAPESIM_ASSIGN_OR_RETURN(SqlType t, common_type(args, "mod", n.pos));
      if (t.id == TypeId::kFloat4 || t.id == TypeId::kFloat8) t = SqlType{TypeId::kNumeric};
      SHAPESIM_RETURN_IF_ERROR(coerce_all(t));
      e.type = t;
      break;
    }
    case FuncId::kCardinality:
      if (args.size() != 1 || !args[0].type.array) return err(signature(), n.pos);
      e.type = SqlType{TypeId::kInt4};
      break;
    case FuncId::kArrayLength:
      if (args.size() != 2 || !args[0].type.array || !is_intish(args[1])) return err(signature(), n.pos);
      SHAPESIM_ASSIGN_OR_RETURN(args[1], coerce(std::move(args[1]), SqlType{TypeId::kInt4}, n.args[1]->pos));
      e.type = SqlType{TypeId::kInt4};
      break;
  }
  e.args = std::move(args);
  return fold(std::move(e), n.pos);
}

}  // namespace

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
  return CheckResult{std::move(e), checker.used()};
}

}  // namespace shapesim::sql
