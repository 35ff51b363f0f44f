#include "reference/sql/where_clause.h"

#include "reference/sql/checker.h"
#include "reference/sql/parser.h"

namespace shapesim::sql {

namespace {

bool indexable_type(SqlType t) {
  if (t.array) return false;
  return is_integer(t.id) || t.id == TypeId::kBool || is_text(t.id) || t.id == TypeId::kUuid || t.id == TypeId::kDate;
}

// The column under an expression, if it is a bare column or an integer widening of one.
const BoundExpr* column_of(const BoundExpr& e) {
  if (e.kind == BoundKind::kColumn) return &e;
  if (e.kind == BoundKind::kCast && e.args[0].kind == BoundKind::kColumn) {
    SqlType from = e.args[0].type, to = e.type;
    if (!from.array && !to.array && ((is_integer(from.id) && is_integer(to.id)) || (is_text(from.id) && is_text(to.id)))) {
      return &e.args[0];
    }
  }
  return nullptr;
}

void collect_terms(const BoundExpr& e, std::vector<IndexTerm>& out) {
  if (e.kind == BoundKind::kAnd) {
    for (const auto& a : e.args) collect_terms(a, out);
    return;
  }
  std::string key;
  if (e.kind == BoundKind::kCompare && static_cast<CompareOp>(e.op) == CompareOp::kEq) {
    for (int side = 0; side < 2; ++side) {
      const BoundExpr* col = column_of(e.args[side]);
      const BoundExpr& other = e.args[1 - side];
      if (col && other.is_const() && !other.value.is_null() && indexable_type(col->type) &&
          index_key(other.value, e.operand_type, key)) {
        out.push_back({col->column, {key}, false});
        return;
      }
    }
  }
  if (e.kind == BoundKind::kIn && !e.negated) {
    const BoundExpr* col = column_of(e.args[0]);
    if (!col || !indexable_type(col->type)) return;
    IndexTerm term{col->column, {}, false};
    for (size_t i = 1; i < e.args.size(); ++i) {
      if (!e.args[i].is_const()) return;
      if (e.args[i].value.is_null()) continue;  // NULL never equals
      if (!index_key(e.args[i].value, e.operand_type, key)) return;
      term.keys.push_back(key);
    }
    out.push_back(std::move(term));
    return;
  }
  if (e.kind == BoundKind::kAnyAll && !e.flag && e.op == static_cast<int>(CompareOp::kEq) && e.args[0].is_const() &&
      !e.args[0].value.is_null() && e.args[1].kind == BoundKind::kColumn && indexable_type(e.args[1].type.element()) &&
      index_key(e.args[0].value, e.operand_type, key)) {
    out.push_back({e.args[1].column, {key}, true});
  }
}

}  // namespace

bool index_key(const SqlValue& v, SqlType type, std::string& out) {
  if (v.is_null() || !indexable_type(type)) return false;
  if (is_integer(type.id)) {
    out = std::to_string(std::get<int64_t>(v.v));
  } else if (type.id == TypeId::kBool) {
    out = std::get<bool>(v.v) ? "t" : "f";
  } else if (type.id == TypeId::kDate) {
    out = std::to_string(std::get<Date>(v.v).days);
  } else {
    out = std::get<std::string>(v.v);
  }
  return true;
}

Result<WhereClause> WhereClause::compile(std::string_view where, const TableSchema& table,
                                         const std::vector<std::string>& params) {
  WhereClause w;
  bool blank = where.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank) {
    if (!params.empty()) return invalid_argument("params given but the where clause is empty");
    w.everything_ = true;
    w.expr_.kind = BoundKind::kConst;
    w.expr_.type = SqlType{TypeId::kBool};
    w.expr_.value = SqlValue{true};
    return w;
  }
  SHAPESIM_ASSIGN_OR_RETURN(NodePtr tree, parse_where(where));
  SHAPESIM_ASSIGN_OR_RETURN(CheckResult checked, check_expression(*tree, table, params));
  for (size_t i = 0; i < checked.params_used.size(); ++i) {
    if (!checked.params_used[i]) {
      return invalid_argument("params[" + std::to_string(i + 1) + "] is given but $" + std::to_string(i + 1) +
                              " does not appear in the where clause");
    }
  }
  w.expr_ = std::move(checked.expr);
  // A WHERE keeps a row only if it is true, so a top-level conjunct that is a constant NULL
  // rejects every row without evaluating anything (PostgreSQL's one-time filter).
  if (w.expr_.kind == BoundKind::kAnd) {
    for (const auto& a : w.expr_.args) {
      if (a.is_const() && a.value.is_null()) {
        w.expr_ = BoundExpr{};
        w.expr_.kind = BoundKind::kConst;
        w.expr_.type = SqlType{TypeId::kBool};
        w.expr_.value = SqlValue{false};
        break;
      }
    }
  }
  w.everything_ = w.expr_.is_const() && !w.expr_.value.is_null() && std::get<bool>(w.expr_.value.v);
  collect_terms(w.expr_, w.terms_);
  return w;
}

Result<bool> WhereClause::matches(const std::vector<SqlValue>& row) const {
  if (everything_) return true;
  SHAPESIM_ASSIGN_OR_RETURN(SqlValue v, evaluate(expr_, row));
  return !v.is_null() && std::get<bool>(v.v);
}

Result<std::vector<SqlValue>> to_sql_row(const Row& row, const TableSchema& table) {
  std::vector<SqlValue> out;
  out.reserve(table.columns.size());
  for (const auto& c : table.columns) {
    auto it = row.find(c.name);
    if (it == row.end()) {
      out.push_back(SqlValue::null());
      continue;
    }
    auto v = from_column_value(it->second, column_sql_type(c));
    if (!v.ok()) return invalid_argument("column \"" + c.name + "\": " + v.status().message());
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace shapesim::sql
