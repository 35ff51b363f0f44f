#include "tools/live_checks.h"

#include "reference/common/table_schema_json.h"

namespace shapesim::tools {

using nlohmann::json;

void check_live_promises(const std::string& name, const LiveClient& c, std::vector<std::string>& failures) {
  if (!c.engine) return;
  for (const auto& id : c.committed) {
    if (!c.acked.count(id) && !c.rejected.count(id)) {
      failures.push_back("local-transactions [" + name + "]: " + id + " neither reached the server nor was rolled back");
    }
  }
  if (!c.engine->state().pending().empty()) failures.push_back("local-transactions [" + name + "]: transactions still pending");
  if (c.spec->shape && !c.engine->denied()) {
    for (const auto& coll : collections_of(c)) {
      const auto& synced = c.engine->state().synced(coll);
      for (const auto& [k, v] : c.engine->state().visible(coll)) {
        auto s = synced.find(k);
        if (s == synced.end() || !v.synced || s->second != v.row) failures.push_back("local-transactions [" + name + "]: shows " + k + " other than synced");
      }
    }
  }
}

void check_live_expect(const Scenario& scenario, const std::string& label, const LiveClient& c, const json& a,
                       uint64_t device_token_requests,
                       const std::function<std::vector<std::string>(const std::string&)>& differences,
                       std::vector<std::string>& failures) {
  const std::string coll = a.value("collection", std::string("main"));
  const std::string name = coll == "main" ? c.spec->name : c.spec->name + "/" + coll;
  auto fail = [&](const std::string& what) { failures.push_back(label + " [" + name + "]: " + what); };
  if (!c.engine) return fail("the client is not running");
  const auto& rows = c.engine->state().synced(coll);
  if (a.contains("rows") && rows.size() != a["rows"].get<size_t>()) {
    fail("expected " + std::to_string(a["rows"].get<size_t>()) + " rows, has " + std::to_string(rows.size()));
  }
  const ShapeDefinition* shape = c.spec->shape_of(coll);
  const TableSchema* table = shape ? scenario.find_table(shape->schema, shape->table) : nullptr;
  if (a.contains("has") && table) {
    auto key = row_key_of(*table, a["has"]);
    auto it = key.ok() ? rows.find(*key) : rows.end();
    if (it == rows.end()) {
      fail("expected row " + (key.ok() ? *key : a["has"].dump()) + " to be present");
    } else if (a.contains("values")) {
      for (const auto& [col, v] : a["values"].items()) {
        const ColumnSchema* column = table->find_column(col);
        auto want = column ? Value::from_json(column->type, v) : Result<Value>(invalid_argument("no such column"));
        auto got = it->second.find(col);
        if (!want.ok() || got == it->second.end() || got->second != want->to_pg_text()) fail("row " + *key + " column " + col + " differs");
      }
    }
  }
  if (a.contains("lacks") && table) {
    auto key = row_key_of(*table, a["lacks"]);
    if (key.ok() && rows.count(*key)) fail("expected row " + *key + " to be absent");
  }
  if (a.contains("pending") && c.engine->state().pending().size() != a["pending"].get<size_t>()) {
    fail("expected " + a["pending"].dump() + " pending transactions, has " + std::to_string(c.engine->state().pending().size()));
  }
  if (a.contains("visible_rows") && c.engine->state().visible_count(coll) != a["visible_rows"].get<size_t>()) {
    fail("expected " + a["visible_rows"].dump() + " visible rows, shows " + std::to_string(c.engine->state().visible_count(coll)));
  }
  if (a.contains("writes_acked") && c.acked.size() != a["writes_acked"].get<size_t>()) {
    fail("expected " + a["writes_acked"].dump() + " acknowledged writes, has " + std::to_string(c.acked.size()));
  }
  if (a.contains("refetches") && c.engine->stream(coll).refetches() != a["refetches"].get<uint64_t>()) {
    fail("expected " + a["refetches"].dump() + " refetches, saw " + std::to_string(c.engine->stream(coll).refetches()));
  }
  if (a.value("converged", false)) {
    for (const auto& d : differences(coll)) fail("not converged: " + d);
  }
  if (a.contains("token_failure") && c.engine->token_failure().has_value() != a["token_failure"].get<bool>()) {
    fail(c.engine->token_failure() ? "the gatekeeper failure is surfaced: " + *c.engine->token_failure()
                                   : std::string("no gatekeeper failure is surfaced"));
  }
  if (a.contains("token_requests_at_most")) {
    uint64_t sent = device_token_requests;
    if (sent > a["token_requests_at_most"].get<uint64_t>()) {
      fail("expected at most " + a["token_requests_at_most"].dump() + " gatekeeper requests, saw " + std::to_string(sent));
    }
  }
  if (a.contains("query") && table) {
    for (const auto& f : sim::check_query(c.queries.get(), *table, a["query"])) fail(f);
  }
}

void check_live_no_rows_from(const Scenario& scenario, const std::string& label, const LiveClient& c, const json& a,
                             std::vector<std::string>& failures) {
  if (!c.engine || !scenario.auth || !c.spec->shape) return;
  const auth::TablePolicy* t = scenario.auth->policy.table(c.spec->shape->table);
  if (!t) return;
  std::string who = a.contains("org") ? a["org"].get<std::string>() : a["user"].get<std::string>();
  auto scoped = [&](const WireRow& row) {
    auto it = row.find(t->scope.column);
    return it != row.end() && it->second && *it->second == who;
  };
  for (const auto& [k, row] : c.engine->state().synced("main")) {
    if (scoped(row)) failures.push_back(label + " [" + c.spec->name + "]: still holds " + k + " of " + who);
  }
  auto saved = c.store ? c.store->load_shape("main") : Result<ClientStore::SavedShape>(ClientStore::SavedShape{});
  if (saved.ok()) {
    for (const auto& [k, row] : saved->rows) {
      if (scoped(row)) failures.push_back(label + " [" + c.spec->name + "]: its local file still holds " + k + " of " + who);
    }
  }
}

}  // namespace shapesim::tools
