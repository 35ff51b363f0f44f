// Network: the simulated links between nodes. What it may do to a message, as the cores
// must expect: delay it (base latency + an exponential tail, so messages reorder), lose it
// (probability `loss`), or drop it because the two ends are partitioned at send or at
// delivery time. It never duplicates or corrupts (later fault models will).
//
//   Network net(config, rng.stream(kNetworkStream));
//   if (auto delay = net.transit(from, to)) schedule delivery at now + *delay;
#pragma once

#include <optional>
#include <set>
#include <utility>

#include "reference/common/ids.h"
#include "reference/common/random.h"
#include "reference/common/time.h"

namespace shapesim::sim {

struct NetworkConfig {
  Duration base_latency = Duration::millis(5);
  Duration jitter_mean = Duration::millis(5);  // mean of the exponential tail
  double loss = 0.0;
};

class Network {
 public:
  Network(NetworkConfig config, Random rng) : config_(config), rng_(rng) {}

  // The delay for a message sent now, or nullopt if it is lost or the link is cut.
  std::optional<Duration> transit(NodeId from, NodeId to);
  bool connected(NodeId a, NodeId b) const;
  void cut(NodeId a, NodeId b);  // two-way
  void heal_all() { cut_.clear(); }
  bool any_cut() const { return !cut_.empty(); }

 private:
  static std::pair<NodeId, NodeId> ordered(NodeId a, NodeId b) { return a < b ? std::pair{a, b} : std::pair{b, a}; }

  NetworkConfig config_;
  Random rng_;
  std::set<std::pair<NodeId, NodeId>> cut_;
};

}  // namespace shapesim::sim
