#include "scenarios/scenario_runner.h"

#include "scenarios/scenario_play.h"

#include "reference/common/json_text.h"
#include "reference/common/table_schema_json.h"
#include "sim/checkers.h"
#include "sim/trace_event.h"
#include "sim/world.h"

namespace shapesim {

namespace {

using sim::ClientNode;
using sim::World;

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
  sim::WorldConfig config{.seed = options.seed, .server = server, .network = scenario.network,
                          .max_events = options.max_events, .keep_unsynced = scenario.keep_unsynced,
                          .client_crash_chance = scenario.client_crash_points};
  if (scenario.auth) {
    config.auth = scenario.auth->policy;
    config.exposure_bound = scenario.auth->exposure_bound;
  }
  World world(config, [&scenario](EmbeddedStore& store) { return seed_store(store, scenario); });
  if (options.trace_sink) world.trace().set_sink(options.trace_sink);
  world.trace().keep_event_hashes(options.keep_event_hashes);
  // The run's log starts with the knobs it was drawn with (network, server, disk, clients).
  nlohmann::json knobs = nlohmann::json::object();
  for (const char* key : {"network", "server", "disk", "swarm", "clients", "auth"}) {
    if (scenario.source.is_object() && scenario.source.contains(key)) knobs[key] = scenario.source[key];
  }
  sim::TraceEvent(world.trace(), world.now(), "scenario", sim::TraceKind::kBegin)
      .field("name", scenario.name)
      .field("seed", options.seed)
      .json("knobs", knobs.dump());
  sim::add_default_checkers(world);
  for (const auto& c : scenario.clients) {
    std::vector<sim::ClientCollectionOptions> more;
    for (const auto& coll : c.collections) more.push_back({coll.name, coll.shape, coll.route});
    world.add_client(c.name, {.shape = c.shape,
                              .user = c.user,
                              .route = c.route,
                              .organization = c.org,
                              .device = c.device.value_or(""),
                              .save_every = Duration::millis(c.save_every_ms),
                              .clock = {c.clock_skew_ms * 1000, c.clock_drift_ppm},
                              .slowness = Duration::millis(c.slow_ms),
                              .more_collections = std::move(more)});
  }
  if (!world.violations().empty()) finish(result, RunOutcome::kSetupError, "setup");
  world.start();

  PlayState state;
  // Fault phase: safety is checked on every update; the first violation ends the run.
  // Failed expectations are reported but do not stop the run.
  for (size_t i = 0; i < scenario.steps.size() && !world.event_cap_hit() && world.violations().empty(); ++i) {
    size_t failures_before = result.failures.size();
    play_step(world, scenario, i, result, state);
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
      size_t failures_before = result.failures.size();
      check_after_run(world, state, result);
      if (result.failures.size() > failures_before) finish(result, RunOutcome::kExpectationFailed, "expect");
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
  sim::TraceEvent(world.trace(), world.now(), "scenario", sim::TraceKind::kEnd)
      .field("outcome", run_outcome_name(result.outcome))
      .field("failures", result.failures.size());
  result.passed = result.outcome == RunOutcome::kPassed;
  result.events = world.events_processed();
  result.sim_end = world.now();
  result.trace_hash = world.trace().hash_hex();
  if (options.keep_event_hashes) result.event_hashes = world.trace().event_hashes();
  result.probes = all_probe_hits();
  result.delays = world.delays();
  return result;
}

}  // namespace shapesim
