// ClientQueries: an application's live queries over what a simulated client shows (the
// engine's visible rows, through reference/client's LiveView into a reference/query Database).
// The scenario step `live_query` declares one; `expect` checks its rows, and that they equal a
// from-scratch evaluate() of the same query.
//
//   ClientQueries q(tasks_schema);
//   q.declare("open", {{"done", "f"}}, "title", 10);
//   q.apply(engine.state().take_changes());   // after every engine step
//   q.rows("open"); q.scratch("open");
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference/client/live_view.h"
#include "reference/common/table_schema.h"
#include "reference/query/database.h"

#include <nlohmann/json.hpp>

namespace shapesim::sim {

class ClientQueries {
 public:
  struct Spec {
    std::map<std::string, std::optional<std::string>> equals;  // column -> PostgreSQL text (AND)
    std::optional<std::string> order_by;                       // ascending
    std::optional<size_t> limit;
  };

  ClientQueries(std::string collection, TableSchema table) : collection_(std::move(collection)), table_(std::move(table)) {}

  Status declare(const std::string& name, Spec spec);
  // The client's visible rows changed.
  Status apply(const std::vector<VisibleChange>& changes);
  // The client restarted or purged: start over from `visible` (its rows now).
  Status reset(const std::map<std::string, VisibleRow>& visible);
  bool has(const std::string& name) const { return specs_.count(name) > 0; }
  // The live query's rows (their key column values), and the same query evaluated from scratch.
  std::vector<std::string> rows(const std::string& name) const;
  std::vector<std::string> scratch(const std::string& name) const;

 private:
  Status build();
  query::Query make(const Spec& spec) const;

  std::string collection_;
  TableSchema table_;
  std::map<std::string, Spec> specs_;
  std::unique_ptr<query::Database> db_;
  std::optional<LiveView> view_;
  std::map<std::string, query::LiveQuery*> live_;
};

// The failures of an expect step's {"name", "rows"?, "has"?, "lacks"?} for a live query (has
// and lacks name a row by its primary key); also that the live rows equal evaluate().
std::vector<std::string> check_query(const ClientQueries* queries, const TableSchema& table, const nlohmann::json& q);

}  // namespace shapesim::sim
