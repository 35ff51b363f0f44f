#include "sim/client_queries.h"

#include <algorithm>

#include "reference/query/evaluate.h"

namespace shapesim::sim {

namespace {

std::vector<std::string> keys_of(const std::vector<query::ResultRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    std::string k;
    for (const auto& v : r.key) k += (k.empty() ? "" : "/") + v.to_pg_text().value_or("NULL");
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace

query::Query ClientQueries::make(const Spec& spec) const {
  query::Query q = query::from(*view_->collection());
  for (const auto& [column, value] : spec.equals) {
    q = q.where(value ? query::eq(query::col(column), query::lit(Value(*value))) : query::is_null(query::col(column)));
  }
  if (spec.order_by) q = q.order_by(query::asc(query::col(*spec.order_by)));
  if (spec.limit) q = q.limit(*spec.limit);
  return q;
}

Status ClientQueries::build() {
  db_ = std::make_unique<query::Database>();
  live_.clear();
  std::vector<std::string> columns;
  for (const auto& c : table_.columns) columns.push_back(c.name);
  SHAPESIM_ASSIGN_OR_RETURN(LiveView view, LiveView::create(*db_, collection_, columns, table_.primary_key));
  view_.emplace(std::move(view));
  for (const auto& [name, spec] : specs_) {
    SHAPESIM_ASSIGN_OR_RETURN(query::LiveQuery * q, db_->live(make(spec)));
    live_[name] = q;
  }
  return Status::Ok();
}

Status ClientQueries::declare(const std::string& name, Spec spec) {
  for (const auto& [column, _] : spec.equals) {
    if (!table_.find_column(column)) return invalid_argument("live_query: no column " + column);
  }
  if (spec.order_by && !table_.find_column(*spec.order_by)) return invalid_argument("live_query: no column " + *spec.order_by);
  if (!db_) SHAPESIM_RETURN_IF_ERROR(build());
  specs_[name] = spec;
  SHAPESIM_ASSIGN_OR_RETURN(query::LiveQuery * q, db_->live(make(spec)));
  live_[name] = q;
  return Status::Ok();
}

Status ClientQueries::apply(const std::vector<VisibleChange>& changes) { return view_ ? view_->apply(changes) : Status::Ok(); }

Status ClientQueries::reset(const std::map<std::string, VisibleRow>& visible) {
  if (specs_.empty()) return Status::Ok();
  SHAPESIM_RETURN_IF_ERROR(build());
  std::vector<VisibleChange> all;
  for (const auto& [key, row] : visible) all.push_back({collection_, key, std::nullopt, row.row});
  return view_->apply(all);
}

std::vector<std::string> ClientQueries::rows(const std::string& name) const {
  auto it = live_.find(name);
  return it == live_.end() ? std::vector<std::string>{} : keys_of(it->second->rows());
}

std::vector<std::string> ClientQueries::scratch(const std::string& name) const {
  auto it = specs_.find(name);
  if (it == specs_.end() || !view_) return {};
  auto r = query::evaluate(make(it->second));
  return r.ok() ? keys_of(*r) : std::vector<std::string>{};
}

std::vector<std::string> check_query(const ClientQueries* queries, const TableSchema& table, const nlohmann::json& q) {
  std::vector<std::string> out;
  const std::string name = q["name"].get<std::string>();
  if (!queries || !queries->has(name)) return {"no live query named " + name + " (declare it with a live_query step)"};
  auto rows = queries->rows(name);
  if (rows != queries->scratch(name)) out.push_back("live query " + name + " differs from evaluating it from scratch");
  if (q.contains("rows") && rows.size() != q["rows"].get<size_t>()) {
    out.push_back("live query " + name + ": expected " + std::to_string(q["rows"].get<size_t>()) + " rows, has " + std::to_string(rows.size()));
  }
  auto key_text = [&](const nlohmann::json& pk) {
    std::string k;
    for (const auto& col : table.primary_key) {
      auto v = pk.contains(col) ? Value::from_json(table.find_column(col)->type, pk[col]) : Result<Value>(invalid_argument(""));
      k += (k.empty() ? "" : "/") + (v.ok() ? v->to_pg_text().value_or("NULL") : std::string("?"));
    }
    return k;
  };
  if (q.contains("has") && std::find(rows.begin(), rows.end(), key_text(q["has"])) == rows.end()) {
    out.push_back("live query " + name + " lacks " + q["has"].dump());
  }
  if (q.contains("lacks") && std::find(rows.begin(), rows.end(), key_text(q["lacks"])) != rows.end()) {
    out.push_back("live query " + name + " has " + q["lacks"].dump());
  }
  return out;
}

}  // namespace shapesim::sim
