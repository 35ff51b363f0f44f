// Shrinking: reduces a failing (scenario, seed) to a minimal scenario that still fails the
// same way (same first violated invariant, or liveness), by greedy delta debugging over the
// scenario file itself:
//   1. drop runs of steps (halves, quarters, ... single steps);
//   2. drop clients no remaining step names, then mutations within write batches;
//   3. turn fault knobs off (loss, duplication, tails, lost responses, skew, slowness) and
//      drop seed rows;
//   4. shorten waits and clogs.
// Every candidate is replayed with the same seed; the result is a scenario file that
// reproduces the failure with `shapesim replay --seed N FILE`.
//
//   ShrinkResult r = shrink_scenario(failing_json, seed, "exactly-once");
//   r.scenario.dump(2);   // write it out
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "scenarios/scenario_runner.h"

namespace shapesim {

struct ShrinkOptions {
  int max_runs = 2000;  // replays allowed
  std::function<void(const std::string& progress)> on_progress;  // optional
};

struct ShrinkResult {
  nlohmann::json scenario;  // the minimal failing scenario
  RunResult run;            // its failing run
  int runs = 0;             // replays made
  size_t steps_before = 0, steps_after = 0;
  size_t clients_before = 0, clients_after = 0;
  size_t bytes_before = 0, bytes_after = 0;  // of the scenario JSON (compact)
};

// `failure_kind`: RunResult::failure_kind of the original failure. Precondition: the
// scenario fails that way with `seed`.
ShrinkResult shrink_scenario(const nlohmann::json& scenario, uint64_t seed, const std::string& failure_kind,
                             const ShrinkOptions& options = {});

}  // namespace shapesim
