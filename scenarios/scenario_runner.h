// run_scenario: plays a Scenario in a fresh simulated World with one seed, in two phases:
//   fault phase  the steps run with the scenario's faults; the safety checkers
//                (sim/checkers.h) watch every update, and a violation ends the run;
//   heal phase   partitions and clogs heal, network faults stop, crashed nodes restart, and
//                every client must converge within the scenario's liveness bound; then the
//                convergence checker runs.
// Same scenario + same seed => same trace hash.
//
//   RunResult r = run_scenario(scenario, {.seed = 7});
//   r.outcome; r.failures; r.trace_hash;
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reference/common/coverage.h"
#include "reference/common/trace.h"
#include "scenarios/scenario.h"

namespace shapesim {

enum class RunOutcome {
  kPassed,
  kSafetyViolation,    // an invariant checker reported a violation
  kLivenessFailure,    // the heal phase did not converge within the bound
  kExpectationFailed,  // an `expect` or `settle` step failed
  kSetupError,         // the store could not be prepared, or the event cap was hit
};
const char* run_outcome_name(RunOutcome o);

struct RunOptions {
  uint64_t seed = 1;
  Trace::Sink trace_sink;  // optional: receives every trace line
  uint64_t max_events = 5'000'000;
  bool keep_event_hashes = false;  // fill RunResult::event_hashes (determinism checks)
};

struct RunResult {
  std::string scenario;
  uint64_t seed = 0;
  RunOutcome outcome = RunOutcome::kPassed;
  bool passed = false;
  std::vector<std::string> failures;  // failed expectations, settles and invariants
  std::string failure_kind;           // the first violated invariant, "liveness", "expect", ...
  uint64_t events = 0;
  Timestamp sim_end;
  std::string trace_hash;
  std::vector<uint64_t> event_hashes;
  std::array<uint64_t, kProbeCount> probes{};  // coverage probe hits during this run
  // Delays the freshness checker and the clients measured, by kind: "delivery" (commit to a
  // live client's receipt), "revocation" (access lost to rows purged), "confirmation" (a local
  // transaction committed to confirmed).
  std::map<std::string, std::vector<Duration>> delays;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace shapesim
