// The swarm's auth worlds (scenarios/swarm_auth.cpp): drawn by a share of swarm seeds.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "reference/common/random.h"
#include "scenarios/swarm.h"

namespace shapesim {

// Which fault families a swarm seed turned on.
struct SwarmFaults {
  bool partitions, clogs, server_crashes, io_crashes, client_crashes, deletes;
};

// A server crash (mid-commit with `io_crashes`), a wait and a restart, as every swarm world
// draws them.
void append_server_crash(Random& rng, const SwarmFaults& faults, nlohmann::json& steps);

// Fills `scenario` (its network, server and disk knobs already drawn) with an auth world:
// policy, users, organizations, memberships, clients, seed rows and steps.
void generate_auth_world(uint64_t seed, Random& rng, const SwarmOptions& options, const SwarmFaults& faults,
                         nlohmann::json& scenario);

}  // namespace shapesim
