// ServerNode: drives a ShapeServer inside the simulation. Requests arrive from the network,
// responses go back to the node that sent the request, and the server's next_deadline()
// becomes a timer event so parked long-polls time out in virtual time.
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "reference/server/shape_server.h"

namespace shapesim::sim {

class World;

class ServerNode {
 public:
  ServerNode(World& world, NodeId id, std::unique_ptr<ShapeServer> server)
      : world_(world), id_(id), server_(std::move(server)) {}

  void on_request(NodeId from, RequestId id, const HttpRequest& request);
  ShapeServer& core() { return *server_; }
  const ShapeServer& core() const { return *server_; }
  NodeId id() const { return id_; }

 private:
  void deliver(ServerOutput out);
  void schedule_tick();
  void on_tick(Timestamp at);

  World& world_;
  NodeId id_;
  std::unique_ptr<ShapeServer> server_;
  std::map<RequestId, NodeId> origin_;
  std::optional<Timestamp> tick_at_;
};

}  // namespace shapesim::sim
