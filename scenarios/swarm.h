// Swarm testing: each seed draws its own scenario. Which faults are on (loss, duplication,
// long tails, lost write responses, partitions one- and two-way, clogs, server crashes
// between events and in the middle of a commit, client crashes, slow clients, skewed
// clocks, shape deletions) and their rates are drawn first, then clients with shapes and a
// sequence of client actions separated by think time. Different seeds explore different
// corners instead of every run mixing every fault thinly.
//
// Writes stay valid whatever the faults do: each client writes only keys it owns, in
// order through its outbox, so a rejected write is always a bug. A share of seeds draws an
// auth world instead (swarm_auth.h): users, roles, permission changes, token expiry, offline
// periods; there the policy may refuse a write, and refusals are checked to leave no effect.
//
//   nlohmann::json j = generate_swarm_scenario(42);      // a scenario file's JSON
//   auto s = parse_scenario(j, "swarm seed 42");
//   run_scenario(*s, {.seed = 42});
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "reference/common/random.h"

namespace shapesim {

struct SwarmOptions {
  int max_clients = 5;
  int max_actions = 40;
  int64_t think_ms = 1000;  // mean think time between actions
  double auth_share = 0.4;  // the share of seeds that draw an auth world (scenarios/swarm_auth.cpp)
};

nlohmann::json generate_swarm_scenario(uint64_t seed, const SwarmOptions& options = {});
// The same generator drawing from `rng` (e.g. Random::driven_by a fuzzer's bytes, fuzz_world);
// `seed` names the scenario and its write ids, and is the seed it is meant to run with.
nlohmann::json generate_swarm_scenario_with(Random& rng, uint64_t seed, const SwarmOptions& options = {});

}  // namespace shapesim
