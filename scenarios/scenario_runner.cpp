#include "scenarios/scenario_runner.h"

#include "reference/common/json_text.h"
#include "reference/common/table_schema_json.h"
#include "sim/invariants.h"
#include "sim/world.h"

namespace shapesim {

namespace {

using sim::ClientNode;
using sim::World;

std::string step_label(size_t index, const ScenarioStep& step) {
  return "step " + std::to_string(index + 1) + " (" + step_kind_name(step.kind) + ")";
}

// The shape message key of the row whose primary key is given as a JSON object.
Result<std::string> key_of(const TableSchema& t, const nlohmann::json& pk) {
  std::vector<std::optional<std::string>> values;
  for (const auto& k : t.primary_key) {
    if (!pk.contains(k)) return invalid_argument("missing primary-key column \"" + k + "\"");
    auto v = Value::from_json(t.find_column(k)->type, pk[k]);
    if (!v.ok()) return v.status();
    values.push_back(v->to_pg_text());
  }
  return format_row_key(t.schema, t.name, values);
}

void check_expect(World& world, const Scenario& scenario, const ScenarioStep& step, const std::string& label,
                  std::vector<std::string>& failures) {
  const auto& a = step.args;
  const std::string client_name = a["client"].get<std::string>();
  ClientNode& client = *world.find_client(client_name);
  auto fail = [&](const std::string& what) { failures.push_back(label + " [" + client_name + "]: " + what); };
  const auto& rows = client.collection().rows();
  if (a.contains("rows") && rows.size() != a["rows"].get<size_t>()) {
    fail("expected " + std::to_string(a["rows"].get<size_t>()) + " rows, has " + std::to_string(rows.size()));
  }
  const TableSchema* table = nullptr;
  if (const ScenarioClient* c = scenario.find_client(client_name); c && c->shape) {
    table = scenario.find_table(c->shape->schema, c->shape->table);
  }
  if (a.contains("has")) {
    auto key = key_of(*table, a["has"]);
    if (!key.ok()) {
      fail("bad \"has\": " + key.status().message());
    } else if (auto it = rows.find(*key); it == rows.end()) {
      fail("expected row " + *key + " to be present");
    } else if (a.contains("values")) {
      for (const auto& [col, expected] : a["values"].items()) {
        const ColumnSchema* column = table->find_column(col);
        auto v = column ? Value::from_json(column->type, expected) : Result<Value>(invalid_argument("no such column"));
        auto actual = it->second.find(col);
        if (!v.ok()) {
          fail("bad expected value for \"" + col + "\": " + v.status().message());
        } else if (actual == it->second.end() || actual->second != v->to_pg_text()) {
          fail("row " + *key + " column \"" + col + "\" is " +
               (actual == it->second.end() ? std::string("absent") : actual->second.value_or("NULL")) +
               ", expected " + v->to_pg_text().value_or("NULL"));
        }
      }
    }
  }
  if (a.contains("lacks")) {
    auto key = key_of(*table, a["lacks"]);
    if (!key.ok()) {
      fail("bad \"lacks\": " + key.status().message());
    } else if (rows.count(*key)) {
      fail("expected row " + *key + " to be absent");
    }
  }
  if (a.contains("refetches") && client.stream()->refetches() != a["refetches"].get<uint64_t>()) {
    fail("expected " + std::to_string(a["refetches"].get<uint64_t>()) + " refetches, saw " +
         std::to_string(client.stream()->refetches()));
  }
  if (a.contains("writes_acked") && client.acked_writes().size() != a["writes_acked"].get<size_t>()) {
    fail("expected " + std::to_string(a["writes_acked"].get<size_t>()) + " acknowledged writes, has " +
         std::to_string(client.acked_writes().size()));
  }
  if (a.contains("converged") && a["converged"].get<bool>()) {
    for (const auto& v : sim::check_invariants(world)) {
      if (v.invariant == "convergence" && v.client == client_name) fail(sim::format_violation(v));
    }
    if (client.stream()->state() != StreamState::kLive) {
      fail(std::string("stream is ") + stream_state_name(client.stream()->state()) + ", not live");
    }
  }
}

Status seed_store(EmbeddedStore& store, const Scenario& scenario) {
  for (const auto& t : scenario.tables) SHAPESIM_RETURN_IF_ERROR(store.create_table(t));
  WriteBatch batch{"scenario-seed-rows", {}};
  for (const auto& [table_name, rows] : scenario.seed_rows.items()) {
    const TableSchema* t = store.find_table("public", table_name);
    for (const auto& r : rows) {
      SHAPESIM_ASSIGN_OR_RETURN(Row row, row_from_json(*t, r));
      batch.mutations.push_back(Mutation{ChangeKind::kInsert, t->schema, t->name, {}, std::move(row)});
    }
  }
  if (batch.mutations.empty()) return Status::Ok();
  return store.apply(batch).status();
}

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.scenario = scenario.name;
  result.seed = options.seed;
  auto store = EmbeddedStore::open(":memory:");
  if (!store.ok()) {
    result.failures.push_back("cannot open the embedded store: " + store.status().message());
    return result;
  }
  if (Status st = seed_store(**store, scenario); !st.ok()) {
    result.failures.push_back("seed rows: " + st.message());
    return result;
  }
  World world({.seed = options.seed, .server = scenario.server, .network = scenario.network,
               .max_events = options.max_events},
              std::move(*store));
  if (options.trace_sink) world.trace().set_sink(options.trace_sink);
  world.trace().record(world.now(), "scenario", "begin",
                       "{\"name\":" + json_quote(scenario.name) + ",\"seed\":" + std::to_string(options.seed) + "}");
  for (const auto& c : scenario.clients) world.add_client(c.name, c.shape);
  world.start();

  for (size_t i = 0; i < scenario.steps.size() && !world.event_cap_hit(); ++i) {
    const ScenarioStep& step = scenario.steps[i];
    const std::string label = step_label(i, step);
    world.trace().record(world.now(), "scenario", "step", step.args.dump());
    switch (step.kind) {
      case StepKind::kWrite: {
        std::string id = step.args.value("id", scenario.name + "/" + std::to_string(i + 1));
        nlohmann::json body = {{"id", id}, {"mutations", step.args["mutations"]}};
        world.find_client(step.args["client"].get<std::string>())->write(id, body.dump());
        break;
      }
      case StepKind::kWait:
        world.run_until(world.now() + Duration::millis(step.args["ms"].get<int64_t>()));
        break;
      case StepKind::kSettle: {
        Duration limit = step.args.contains("max_ms") ? Duration::millis(step.args["max_ms"].get<int64_t>())
                                                      : scenario.settle_limit;
        if (!world.run_until_quiescent(limit)) {
          result.failures.push_back(label + ": not quiescent within " + std::to_string(limit.as_millis()) + " ms");
        }
        break;
      }
      case StepKind::kPartition:
        for (const auto& name : step.args["isolate"]) world.isolate(world.find_client(name.get<std::string>())->id());
        break;
      case StepKind::kHeal:
        world.heal();
        break;
      case StepKind::kExpect:
        check_expect(world, scenario, step, label, result.failures);
        break;
    }
  }

  // Final settle, then the invariants.
  if (!world.run_until_quiescent(scenario.settle_limit)) {
    result.failures.push_back("end: not quiescent within " + std::to_string(scenario.settle_limit.as_millis()) +
                              " ms of the last step");
  }
  if (world.event_cap_hit()) {
    result.failures.push_back("end: event cap of " + std::to_string(options.max_events) + " reached");
  }
  for (const auto& v : sim::check_invariants(world)) result.failures.push_back("invariant " + sim::format_violation(v));
  for (const auto& c : world.clients()) {
    for (const auto& [batch, body] : c->rejected_writes()) {
      result.failures.push_back("write " + batch + " from " + c->name() + " was rejected: " + body);
    }
  }
  world.trace().record(world.now(), "scenario", "end",
                       "{\"failures\":" + std::to_string(result.failures.size()) + "}");
  result.passed = result.failures.empty();
  result.events = world.events_processed();
  result.sim_end = world.now();
  result.trace_hash = world.trace().hash_hex();
  return result;
}

}  // namespace shapesim
