// World: one simulated run. One virtual clock, one event queue ordered by (time, seq), one
// seeded generator split into per-purpose streams, a network, one server node and N client
// nodes. Nothing in it reads a real clock or an unseeded random source, so the same seed and
// the same calls produce the same trace, event for event.
//
//   World world({.seed = 7}, std::move(store));
//   auto& alice = world.add_client("alice", ShapeDefinition{.table = "tasks"});
//   world.start();
//   world.run_until_quiescent(Duration::seconds(60));
//   world.trace().hash_hex();
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference/common/trace.h"
#include "sim/client_node.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/server_node.h"

namespace shapesim::sim {

struct WorldConfig {
  uint64_t seed = 1;
  ServerConfig server;
  NetworkConfig network;
  Duration request_timeout = Duration::seconds(30);  // longer than the server's long-poll
  uint64_t max_events = 5'000'000;                    // a run never exceeds this many events
};

class World {
 public:
  World(WorldConfig config, std::unique_ptr<EmbeddedStore> store);

  ClientNode& add_client(std::string name, std::optional<ShapeDefinition> shape);
  // Starts every client's stream (clients start at staggered instants within 10 ms).
  void start();

  // Processes every event up to `until`, then sets the clock to `until`.
  void run_until(Timestamp until);
  // Runs until quiescent() or `max` passes; returns quiescent().
  bool run_until_quiescent(Duration max);
  // Every client that can reach the server has no pending write and is live at the head of
  // its shape's log (same handle, same offset).
  bool quiescent() const;

  void isolate(NodeId node);
  void heal();
  bool reachable(NodeId node) const { return network_.connected(node, server_->id()); }

  Timestamp now() const { return now_; }
  const WorldConfig& config() const { return config_; }
  Trace& trace() { return trace_; }
  ServerNode& server() { return *server_; }
  const std::vector<std::unique_ptr<ClientNode>>& clients() const { return clients_; }
  ClientNode* find_client(const std::string& name) const;
  uint64_t events_processed() const { return events_; }
  bool event_cap_hit() const { return cap_hit_; }

  // Plumbing for nodes.
  void schedule(Timestamp at, std::function<void()> action);
  RequestId next_request_id() { return RequestId{++last_request_id_}; }
  void send_request(NodeId from, RequestId id, HttpRequest request);
  void send_response(NodeId from, NodeId to, RequestId id, HttpResponse response);
  const std::string& node_name(NodeId id) const;

 private:
  bool step(Timestamp limit);  // runs one event at or before limit; false if none

  WorldConfig config_;
  Random rng_;
  Network network_;
  EventQueue queue_;
  Timestamp now_{0};
  Trace trace_;
  std::unique_ptr<ServerNode> server_;
  std::vector<std::unique_ptr<ClientNode>> clients_;
  std::vector<std::string> names_;
  uint64_t last_request_id_ = 0;
  uint64_t events_ = 0;
  bool cap_hit_ = false;
};

// Random stream ids: fixed so adding a node never perturbs another stream.
inline constexpr uint64_t kNetworkStream = 1;
inline constexpr uint64_t kStartStream = 2;
inline constexpr uint64_t kClientStreamBase = 1000;

}  // namespace shapesim::sim
