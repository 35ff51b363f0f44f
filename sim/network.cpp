#include "sim/network.h"

#include "reference/common/assert.h"

#include <algorithm>
#include <cmath>

namespace shapesim::sim {

namespace {

constexpr double kTailAlpha = 1.5;
constexpr int64_t kTailCapMicros = 60'000'000;  // a long tail never exceeds a minute

}  // namespace

Transit Network::transit(NodeId from, NodeId to, Timestamp now) {
  bool lost = rng_.bernoulli(config_.loss);
  double jitter = rng_.exponential(static_cast<double>(config_.jitter_mean.micros));
  bool tail = rng_.bernoulli(config_.tail_probability);
  double u = 1.0 - rng_.uniform_unit();  // (0, 1]
  bool duplicated = rng_.bernoulli(config_.duplicate);
  double copy_jitter = rng_.exponential(static_cast<double>(config_.jitter_mean.micros));

  Transit t;
  if (lost || !connected(from, to)) return t;
  // A clogged end holds the message until the clog ends.
  Timestamp leaves = std::max({now, clog_end(from), clog_end(to)});
  Duration hold = leaves - now;
  Duration delay = config_.base_latency + Duration{static_cast<int64_t>(jitter)};
  if (tail) {
    double extra = static_cast<double>(config_.tail_scale.micros) * (std::pow(u, -1.0 / kTailAlpha) - 1.0);
    delay = delay + Duration{static_cast<int64_t>(std::min(extra, static_cast<double>(kTailCapMicros)))};
    t.long_tail = true;
  }
  t.delays[t.count++] = hold + delay;
  if (duplicated) {
    t.delays[t.count++] = hold + config_.base_latency + Duration{static_cast<int64_t>(copy_jitter)};
    t.duplicated = true;
  }
  SHAPESIM_ASSERT(t.count >= 1 && t.count <= 2);
  for (int i = 0; i < t.count; ++i) SHAPESIM_ASSERT(t.delays[i].micros >= 0);  // messages never arrive before they leave
  return t;
}

bool Network::connected(NodeId from, NodeId to) const { return cut_.empty() || !cut_.count({from, to}); }

void Network::cut(NodeId from, NodeId to, bool two_way) {
  cut_.insert({from, to});
  if (two_way) cut_.insert({to, from});
}

void Network::clog(NodeId node, Timestamp until) {
  Timestamp& end = clogged_until_[node];
  end = std::max(end, until);
}

bool Network::clogged(NodeId node, Timestamp now) const { return clog_end(node) > now; }

Timestamp Network::clog_end(NodeId node) const {
  if (clogged_until_.empty()) return Timestamp{0};
  auto it = clogged_until_.find(node);
  return it == clogged_until_.end() ? Timestamp{0} : it->second;
}

void Network::heal_all() {
  cut_.clear();
  clogged_until_.clear();
}

void Network::stop_faults() {
  config_.loss = 0;
  config_.duplicate = 0;
  config_.tail_probability = 0;
  config_.response_loss = 0;
}

}  // namespace shapesim::sim
