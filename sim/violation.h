// Violation: a broken invariant, found by a checker (sim/checkers.h) at a simulated instant.
#pragma once

#include <string>

#include "reference/common/time.h"

namespace shapesim::sim {

struct Violation {
  std::string invariant;  // the checker's name: "convergence", "monotonic-offsets", ...
  std::string node;       // the client (or "server") it concerns
  std::string detail;
  Timestamp at;
};

inline std::string format_violation(const Violation& v) {
  return v.invariant + " [" + v.node + "] at " + format_timestamp(v.at) + ": " + v.detail;
}

}  // namespace shapesim::sim
