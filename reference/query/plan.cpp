#include "reference/query/plan.h"

#include "reference/common/assert.h"
#include "reference/query/plan_pushdown.h"

namespace shapesim::query {
namespace {

// "alias.column" for each of the source's columns.
std::vector<std::string> qualified_columns(const Source& s, const std::string& alias) {
  std::vector<std::string> out;
  for (const auto& c : s.columns()) out.push_back(alias + "." + c);
  return out;
}

// The plan with `where` as its WHERE; with `kept`, source i contributes only the columns
// kept[i] names (when set) to the joined row, and every expression binds to that row.
Result<QueryPlan> bind_plan(const Query& q, const std::optional<Expr>& where,
                            const std::vector<std::optional<std::vector<size_t>>>* kept) {
  QueryPlan p;
  auto add_source = [&](const Source& s, const std::string& alias) -> Status {
    for (const auto& existing : p.sources) {
      if (existing.alias == alias) return invalid_argument("alias \"" + alias + "\" is used twice");
    }
    PlannedSource planned{&s, alias, s.columns().size(), s.key_width(), std::nullopt, std::nullopt};
    auto cols = qualified_columns(s, alias);
    if (kept && (*kept)[p.sources.size()]) {
      planned.kept = *(*kept)[p.sources.size()];
      std::vector<std::string> narrowed;
      for (size_t c : *planned.kept) narrowed.push_back(cols[c]);
      cols = std::move(narrowed);
      planned.width = cols.size();
    }
    p.sources.push_back(std::move(planned));
    p.joined_columns.insert(p.joined_columns.end(), cols.begin(), cols.end());
    p.joined_key_width += p.sources.back().key_width;
    return Status::Ok();
  };
  SHAPESIM_RETURN_IF_ERROR(add_source(q.from_source(), q.from_alias()));
  for (const auto& j : q.joins()) {
    auto left_columns = p.joined_columns;
    SHAPESIM_RETURN_IF_ERROR(add_source(*j.source, j.alias));
    const size_t left_width = left_columns.size();
    std::vector<std::string> right_columns(p.joined_columns.begin() + static_cast<std::ptrdiff_t>(left_width), p.joined_columns.end());
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr left, BoundExpr::bind(j.left_key, left_columns));
    SHAPESIM_ASSIGN_OR_RETURN(BoundExpr right, BoundExpr::bind(j.right_key, right_columns));
    p.joins.push_back({j.kind, std::move(left), std::move(right)});
  }
  if (where) {
    SHAPESIM_ASSIGN_OR_RETURN(p.where, BoundExpr::bind(*where, p.joined_columns));
  }

  p.grouped = q.grouped();
  if (p.grouped) {
    if (q.select_items().empty()) return invalid_argument("a grouped query needs a select of group keys and aggregates");
    for (const auto& k : q.group_keys()) {
      SHAPESIM_ASSIGN_OR_RETURN(BoundExpr b, BoundExpr::bind(k, p.joined_columns));
      p.group_keys.push_back(std::move(b));
    }
    for (const auto& item : q.select_items()) {
      PlannedItem planned;
      const ExprNode& n = item.expr.node();
      if (n.op == ExprOp::kAggregate) {
        planned.aggregate = n.aggregate;
        if (!n.args.empty()) {
          SHAPESIM_ASSIGN_OR_RETURN(planned.aggregate_arg, BoundExpr::bind(n.args[0], p.joined_columns));
        }
      } else {
        for (size_t k = 0; k < q.group_keys().size() && planned.group_key < 0; ++k) {
          if (q.group_keys()[k].to_string() == item.expr.to_string()) planned.group_key = static_cast<int>(k);
        }
        if (planned.group_key < 0) {
          return invalid_argument("select item \"" + item.name + "\" (" + item.expr.to_string() +
                                  ") must be a group_by key or an aggregate");
        }
      }
      p.items.push_back(std::move(planned));
      p.output_columns.push_back(item.name);
    }
  } else if (!q.select_items().empty()) {
    for (const auto& item : q.select_items()) {
      PlannedItem planned;
      SHAPESIM_ASSIGN_OR_RETURN(planned.projection, BoundExpr::bind(item.expr, p.joined_columns));
      p.items.push_back(std::move(planned));
      p.output_columns.push_back(item.name);
    }
  } else {
    p.output_columns = p.sources.size() == 1 ? q.from_source().columns() : p.joined_columns;
  }
  for (size_t i = 0; i < p.output_columns.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (p.output_columns[k] == p.output_columns[i]) return invalid_argument("select name \"" + p.output_columns[i] + "\" is used twice");
    }
  }
  if (q.having_clause()) {
    if (!p.grouped) return invalid_argument("having needs group_by or aggregates");
    SHAPESIM_ASSIGN_OR_RETURN(p.having, BoundExpr::bind(*q.having_clause(), p.output_columns));
  }
  p.distinct = q.is_distinct();
  p.order_over_output = p.grouped || p.distinct;
  std::vector<std::string> order_columns = p.output_columns;
  if (!p.order_over_output) {
    order_columns = p.joined_columns;
    order_columns.insert(order_columns.end(), p.output_columns.begin(), p.output_columns.end());
  }
  for (const auto& t : q.order_terms()) {
    auto bound = BoundExpr::bind(t.expr, order_columns);
    if (!bound.ok()) return invalid_argument("order_by " + t.expr.to_string() + ": " + bound.status().message());
    const int joined_width = static_cast<int>(p.joined_columns.size());
    if (!p.order_over_output && bound->max_column() >= joined_width) {
      // Without select items the output row is the joined row itself (project() returns it):
      // read the term there, so a row's sort key needs no joined ++ output copy.
      if (p.items.empty() && p.output_columns.size() == p.joined_columns.size()) {
        bound->rebase_columns(joined_width);
      } else {
        p.order_reads_output = true;
      }
    }
    p.order.push_back({std::move(*bound), t.descending, t.effective_nulls_first()});
  }
  p.offset = q.offset_value();
  p.limit = q.limit_value();
  return p;
}

}  // namespace

Result<QueryPlan> QueryPlan::make(const Query& q, Pushdown pushdown) {
  SHAPESIM_ASSIGN_OR_RETURN(QueryPlan full, bind_plan(q, q.where_clause(), nullptr));
  if (pushdown == Pushdown::kOff) return full;
  PushdownRewrite rewrite = rewrite_for_pushdown(q, full);
  SHAPESIM_ASSIGN_OR_RETURN(QueryPlan p, bind_plan(q, rewrite.residual_where, &rewrite.kept));
  SHAPESIM_ASSERT(p.sources.size() == rewrite.filters.size());
  for (size_t i = 0; i < p.sources.size(); ++i) {
    if (!rewrite.filters[i]) continue;
    PlannedSource& s = p.sources[i];
    SHAPESIM_ASSIGN_OR_RETURN(s.filter, BoundExpr::bind(*rewrite.filters[i], qualified_columns(*s.source, s.alias)));
  }
  SHAPESIM_ASSERT(p.output_columns == full.output_columns);
  return p;
}

std::optional<Tuple> PlannedSource::prepare(const Tuple& row) const {
  if (filter && !filter->test(row)) return std::nullopt;
  if (!kept) return row;
  Tuple out;
  out.reserve(kept->size());
  for (size_t c : *kept) out.push_back(row[c]);
  return out;
}


Tuple QueryPlan::project(const Tuple& joined) const {
  if (items.empty()) return joined;
  Tuple out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.projection->eval(joined));
  return out;
}

Tuple QueryPlan::sort_key(const Tuple& joined, const Tuple& output) const {
  Tuple key;
  key.reserve(order.size());
  if (order_over_output || !order_reads_output) {
    const Tuple& row = order_over_output ? output : joined;
    for (const auto& o : order) key.push_back(o.expr.eval(row));
    return key;
  }
  Tuple both;
  both.reserve(joined.size() + output.size());
  both.insert(both.end(), joined.begin(), joined.end());
  both.insert(both.end(), output.begin(), output.end());
  for (const auto& o : order) key.push_back(o.expr.eval(both));
  return key;
}

int QueryPlan::compare_sort_keys(const Tuple& a, const Tuple& b) const {
  for (size_t i = 0; i < order.size(); ++i) {
    bool an = a[i].is_null(), bn = b[i].is_null();
    if (an || bn) {
      if (an && bn) continue;
      return (an == order[i].nulls_first) ? -1 : 1;
    }
    int c = compare_values(a[i], b[i]);
    if (c) return order[i].descending ? -c : c;
  }
  return 0;
}

}  // namespace shapesim::query
