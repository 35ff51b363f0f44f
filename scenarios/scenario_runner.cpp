#include "scenarios/scenario_runner.h"

#include "reference/common/json_text.h"
#include "reference/common/table_schema_json.h"
#include "sim/checkers.h"
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
  if (a.contains("refetches") && client.stream() && client.stream()->refetches() != a["refetches"].get<uint64_t>()) {
    fail("expected " + std::to_string(a["refetches"].get<uint64_t>()) + " refetches, saw " +
         std::to_string(client.stream()->refetches()));
  }
  if (a.contains("writes_acked") && client.acked_writes().size() != a["writes_acked"].get<size_t>()) {
    fail("expected " + std::to_string(a["writes_acked"].get<size_t>()) + " acknowledged writes, has " +
         std::to_string(client.acked_writes().size()));
  }
  if (a.contains("converged") && a["converged"].get<bool>()) {
    for (const auto& d : sim::convergence_differences(world, client)) fail("not converged: " + d);
    if (!client.stream() || client.stream()->state() != StreamState::kLive) {
      fail(client.stream() ? std::string("stream is ") + stream_state_name(client.stream()->state()) + ", not live"
                         : std::string("the client is down"));
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

const char* run_outcome_name(RunOutcome o) {
  switch (o) {
    case RunOutcome::kPassed: return "passed";
    case RunOutcome::kSafetyViolation: return "safety";
    case RunOutcome::kLivenessFailure: return "liveness";
    case RunOutcome::kExpectationFailed: return "expectation";
    case RunOutcome::kSetupError: return "setup";
  }
  return "?";
}

namespace {

NodeId node_of(World& world, const nlohmann::json& name) { return *world.node_id(name.get<std::string>()); }

// Plays one step of the fault phase.
void play_step(World& world, const Scenario& scenario, size_t i, RunResult& result) {
  const ScenarioStep& step = scenario.steps[i];
  const std::string label = step_label(i, step);
  const auto& a = step.args;
  world.trace().record(world.now(), "scenario", "step", a.dump());
  switch (step.kind) {
    case StepKind::kWrite: {
      std::string id = a.value("id", scenario.name + "/" + std::to_string(i + 1));
      nlohmann::json body = {{"id", id}, {"mutations", a["mutations"]}};
      world.find_client(a["client"].get<std::string>())->write(id, body.dump());
      break;
    }
    case StepKind::kWait:
      world.run_until(world.now() + Duration::millis(a["ms"].get<int64_t>()));
      break;
    case StepKind::kSettle: {
      Duration limit = a.contains("max_ms") ? Duration::millis(a["max_ms"].get<int64_t>()) : scenario.settle_limit;
      if (!world.run_until_quiescent(limit)) {
        result.failures.push_back(label + ": not quiescent within " + std::to_string(limit.as_millis()) + " ms");
      }
      break;
    }
    case StepKind::kPartition:
      if (a.contains("from")) {
        world.cut(node_of(world, a["from"]), node_of(world, a["to"]), a.value("two_way", false));
      } else {
        for (const auto& name : a["isolate"]) world.isolate(world.find_client(name.get<std::string>())->id());
      }
      break;
    case StepKind::kHeal:
      world.heal();
      break;
    case StepKind::kExpect:
      check_expect(world, scenario, step, label, result.failures);
      break;
    case StepKind::kCrash:
      if (a["node"] == "server") {
        if (a.contains("during_io")) world.crash_server_during_io(a["during_io"].get<uint64_t>());
        else world.crash_server();
      } else {
        world.crash_client(*world.find_client(a["node"].get<std::string>()));
      }
      break;
    case StepKind::kRestart:
      if (a["node"] == "server") (void)world.restart_server();
      else world.restart_client(*world.find_client(a["node"].get<std::string>()));
      break;
    case StepKind::kClog:
      world.clog(node_of(world, a["node"]), Duration::millis(a["ms"].get<int64_t>()));
      break;
    case StepKind::kDeleteShape:
      world.delete_shape(*world.find_client(a["client"].get<std::string>()));
      break;
  }
}

// Records the run's outcome; the first failure decides it.
void finish(RunResult& result, RunOutcome outcome, const std::string& kind) {
  if (result.outcome == RunOutcome::kPassed) {
    result.outcome = outcome;
    result.failure_kind = kind;
  }
}

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.scenario = scenario.name;
  result.seed = options.seed;
  reset_probes();
  ServerConfig server = scenario.server;
  server.allow_delete = true;  // the operator's delete_shape step
  World world({.seed = options.seed, .server = server, .network = scenario.network,
               .max_events = options.max_events, .keep_unsynced = scenario.keep_unsynced,
               .client_crash_chance = scenario.client_crash_points},
              [&scenario](EmbeddedStore& store) { return seed_store(store, scenario); });
  if (options.trace_sink) world.trace().set_sink(options.trace_sink);
  world.trace().keep_event_hashes(options.keep_event_hashes);
  // The run's log starts with the knobs it was drawn with (network, server, disk, clients).
  nlohmann::json knobs = nlohmann::json::object();
  for (const char* key : {"network", "server", "disk", "swarm", "clients"}) {
    if (scenario.source.is_object() && scenario.source.contains(key)) knobs[key] = scenario.source[key];
  }
  world.trace().record(world.now(), "scenario", "begin",
                       "{\"name\":" + json_quote(scenario.name) + ",\"seed\":" + std::to_string(options.seed) +
                           ",\"knobs\":" + knobs.dump() + "}");
  sim::add_default_checkers(world);
  for (const auto& c : scenario.clients) {
    world.add_client(c.name, {.shape = c.shape,
                              .clock = {c.clock_skew_ms * 1000, c.clock_drift_ppm},
                              .slowness = Duration::millis(c.slow_ms)});
  }
  if (!world.violations().empty()) finish(result, RunOutcome::kSetupError, "setup");
  world.start();

  // Fault phase: safety is checked on every update; the first violation ends the run.
  // Failed expectations are reported but do not stop the run.
  for (size_t i = 0; i < scenario.steps.size() && !world.event_cap_hit() && world.violations().empty(); ++i) {
    size_t failures_before = result.failures.size();
    play_step(world, scenario, i, result);
    if (result.failures.size() > failures_before) finish(result, RunOutcome::kExpectationFailed, "expect");
  }

  // Heal phase: faults stop; every client must converge within the liveness bound.
  if (world.violations().empty() && !world.event_cap_hit()) {
    world.end_faults();
    if (!world.run_until_quiescent(scenario.liveness_limit) && world.violations().empty()) {
      std::string why = world.event_cap_hit() ? "event cap of " + std::to_string(options.max_events) + " reached"
                                              : "not converged within " +
                                                    std::to_string(scenario.liveness_limit.as_millis()) +
                                                    " ms of the heal phase";
      for (const auto& c : world.clients()) {
        const ShapeStream* s = c->stream();
        if (s && s->state() != StreamState::kLive) why += "; " + c->name() + " is " + stream_state_name(s->state());
        if (c->pending_writes() > 0) why += "; " + c->name() + " has " + std::to_string(c->pending_writes()) + " pending write(s)";
      }
      result.failures.push_back("liveness: " + why);
      finish(result, RunOutcome::kLivenessFailure, "liveness");
    } else if (world.violations().empty()) {
      world.check_at_quiescence();
    }
  }
  if (world.event_cap_hit() && result.outcome == RunOutcome::kPassed) {
    result.failures.push_back("event cap of " + std::to_string(options.max_events) + " reached");
    finish(result, RunOutcome::kSetupError, "event-cap");
  }
  for (const auto& v : world.violations()) result.failures.push_back("invariant " + sim::format_violation(v));
  if (!world.violations().empty()) {
    const auto& v = world.violations().front();
    finish(result, v.invariant == "server-startup" ? RunOutcome::kSetupError : RunOutcome::kSafetyViolation,
           v.invariant);
  }
  world.trace().record(world.now(), "scenario", "end",
                       "{\"outcome\":\"" + std::string(run_outcome_name(result.outcome)) + "\",\"failures\":" +
                           std::to_string(result.failures.size()) + "}");
  result.passed = result.outcome == RunOutcome::kPassed;
  result.events = world.events_processed();
  result.sim_end = world.now();
  result.trace_hash = world.trace().hash_hex();
  if (options.keep_event_hashes) result.event_hashes = world.trace().event_hashes();
  result.probes = all_probe_hits();
  return result;
}

}  // namespace shapesim
