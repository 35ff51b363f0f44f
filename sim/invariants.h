// Invariants checked after every run (and available at any instant):
//   convergence  - each reachable client with a live shape holds exactly the rows the
//                  server computes from scratch for that shape;
//   offsets      - the offsets a client received never went backwards and strictly
//                  increased on responses carrying changes (checked by ClientNode);
//   exactly once - no log change was applied twice, no insert hit a present key, no
//                  update/delete hit an absent key (checked by Collection).
#pragma once

#include <string>
#include <vector>

#include "sim/world.h"

namespace shapesim::sim {

struct Violation {
  std::string invariant;  // "convergence", "offsets", "exactly-once"
  std::string client;
  std::string detail;
};

std::vector<Violation> check_invariants(World& world);
std::string format_violation(const Violation& v);

}  // namespace shapesim::sim
