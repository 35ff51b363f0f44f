// The checker's function calls (the supported functions, aggregates and non-deterministic
// functions refused), CAST and ARRAY[...].
#include <optional>
#include <set>

#include "reference/sql/checker_internal.h"

namespace shapesim::sql::checker_detail {

namespace {

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

}  // namespace

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

}  // namespace shapesim::sql::checker_detail
