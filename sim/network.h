// Network: the simulated links between nodes. What it may do to a message, as the cores
// must expect:
//   delay    base latency + an exponential jitter (so messages reorder), and with
//            probability `tail_probability` a Pareto-distributed long tail (seconds);
//   lose     with probability `loss`;
//   duplicate with probability `duplicate` (the copy travels with its own delay);
//   cut      one-way or two-way partitions: a message is dropped if its direction is cut
//            when it is sent or when it would be delivered;
//   clog     a clogged node neither sends nor receives until the clog ends: messages sent
//            to or from it while clogged leave when the clog ends.
// `response_loss` is applied by the world to write responses only (the request was applied,
// the answer never arrives, so the retry must be idempotent).
//
// Every message draws the same number of random values whatever happens to it, so cutting
// or clogging a link does not shift the draws of unrelated messages.
//
//   Network net(config, rng.stream(kNetworkStream));
//   for (Duration d : net.transit(from, to, now)) schedule delivery at now + d;
#pragma once

#include <map>
#include <set>
#include <utility>

#include "reference/common/ids.h"
#include "reference/common/random.h"
#include "reference/common/time.h"

namespace shapesim::sim {

struct NetworkConfig {
  Duration base_latency = Duration::millis(5);
  Duration jitter_mean = Duration::millis(5);  // mean of the exponential jitter
  double loss = 0.0;
  double duplicate = 0.0;
  double tail_probability = 0.0;
  Duration tail_scale = Duration::millis(500);  // Pareto (alpha 1.5) scale of the long tail
  double response_loss = 0.0;

  bool any_fault() const { return loss > 0 || duplicate > 0 || tail_probability > 0 || response_loss > 0; }
};

// At most two deliveries (the original and a duplicate), as delays from now.
struct Transit {
  Duration delays[2];
  int count = 0;
  bool duplicated = false;
  bool long_tail = false;
};

class Network {
 public:
  Network(NetworkConfig config, Random rng) : config_(config), rng_(rng) {}

  Transit transit(NodeId from, NodeId to, Timestamp now);
  bool connected(NodeId from, NodeId to) const;  // the direction from -> to is not cut
  void cut(NodeId from, NodeId to, bool two_way);
  void clog(NodeId node, Timestamp until);
  bool clogged(NodeId node, Timestamp now) const;
  // Removes every partition and clog.
  void heal_all();
  bool any_cut() const { return !cut_.empty(); }
  // The heal phase: no more loss, duplication, long tails or lost responses.
  void stop_faults();
  const NetworkConfig& config() const { return config_; }

 private:
  Timestamp clog_end(NodeId node) const;

  NetworkConfig config_;
  Random rng_;
  std::set<std::pair<NodeId, NodeId>> cut_;  // directed (from, to)
  std::map<NodeId, Timestamp> clogged_until_;
};

}  // namespace shapesim::sim
