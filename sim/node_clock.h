// NodeClock: a node's own view of time under skew and drift. The world has one true clock;
// each node reads `local(now) = now + skew + now * drift_ppm / 1e6` and asks for wake-ups in
// its local time, which to_global() maps back (never before `now`). Skew and drift reach the
// cores through the `now` they are given: backoff, long-poll cursors and (later) token expiry.
#pragma once

#include <algorithm>
#include <cstdint>

#include "reference/common/time.h"

namespace shapesim::sim {

struct NodeClock {
  int64_t skew_micros = 0;
  int64_t drift_ppm = 0;  // parts per million; |drift_ppm| < 1e6

  Timestamp local(Timestamp now) const {
    return Timestamp{now.micros + skew_micros + now.micros / 1'000'000 * drift_ppm +
                     now.micros % 1'000'000 * drift_ppm / 1'000'000};
  }
  // The earliest true instant at which local() reaches `at` (at least `now`).
  Timestamp to_global(Timestamp at, Timestamp now) const {
    if (skew_micros == 0 && drift_ppm == 0) return std::max(at, now);
    // Solve now' + skew + now' * d = at, then step forward until local(now') >= at.
    double d = static_cast<double>(drift_ppm) / 1e6;
    auto guess = static_cast<int64_t>(static_cast<double>(at.micros - skew_micros) / (1.0 + d));
    Timestamp g{std::max(guess, now.micros)};
    while (local(g) < at) g = g + Duration{1};
    return g;
  }
  bool identity() const { return skew_micros == 0 && drift_ppm == 0; }
};

}  // namespace shapesim::sim
