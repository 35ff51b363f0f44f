// Playing one scenario step in a simulated World (the fault phase), and the expectations
// checked once the run is over (transactions expected to be confirmed or rolled back).
#pragma once

#include <string>
#include <vector>

#include "scenarios/scenario.h"
#include "scenarios/scenario_runner.h"
#include "sim/world.h"

namespace shapesim {

// What the steps leave to check at the end of the run.
struct PlayState {
  struct Transact {
    std::string label;
    std::string client;
    std::string id;
    std::string expect;  // "confirmed" or "rolled_back"
  };
  std::vector<Transact> transacts;
};

void play_step(sim::World& world, const Scenario& scenario, size_t i, RunResult& result, PlayState& state);
// After the heal phase (quiescent): every transact step's expectation.
void check_after_run(sim::World& world, const PlayState& state, RunResult& result);

}  // namespace shapesim
