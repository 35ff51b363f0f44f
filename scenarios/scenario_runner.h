// run_scenario: plays a Scenario in a fresh simulated World with one seed, then settles and
// checks every invariant. Same scenario + same seed => same trace hash.
//
//   RunResult r = run_scenario(scenario, {.seed = 7});
//   r.passed; r.failures; r.trace_hash;
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/common/trace.h"
#include "scenarios/scenario.h"

namespace shapesim {

struct RunOptions {
  uint64_t seed = 1;
  Trace::Sink trace_sink;  // optional: receives every trace line
  uint64_t max_events = 5'000'000;
};

struct RunResult {
  std::string scenario;
  uint64_t seed = 0;
  bool passed = false;
  std::vector<std::string> failures;  // failed expectations, settles and invariants
  uint64_t events = 0;
  Timestamp sim_end;
  std::string trace_hash;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace shapesim
