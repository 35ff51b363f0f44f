#include "sim/network.h"

namespace shapesim::sim {

std::optional<Duration> Network::transit(NodeId from, NodeId to) {
  // Draw every random number even for a cut link, so cutting a link does not shift the
  // draws of unrelated messages.
  bool lost = rng_.bernoulli(config_.loss);
  double tail = rng_.exponential(static_cast<double>(config_.jitter_mean.micros));
  if (lost || !connected(from, to)) return std::nullopt;
  return config_.base_latency + Duration{static_cast<int64_t>(tail)};
}

bool Network::connected(NodeId a, NodeId b) const { return !cut_.count(ordered(a, b)); }

void Network::cut(NodeId a, NodeId b) { cut_.insert(ordered(a, b)); }

}  // namespace shapesim::sim
