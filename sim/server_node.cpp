#include "sim/server_node.h"

#include "sim/world.h"

namespace shapesim::sim {

void ServerNode::on_request(NodeId from, RequestId id, const HttpRequest& request) {
  origin_[id] = from;
  deliver(server_->handle(id, request, world_.now()));
}

void ServerNode::deliver(ServerOutput out) {
  for (auto& [id, response] : out.responses) {
    auto it = origin_.find(id);
    if (it == origin_.end()) continue;
    NodeId to = it->second;
    origin_.erase(it);
    world_.send_response(id_, to, id, std::move(response));
  }
  schedule_tick();
}

void ServerNode::schedule_tick() {
  auto next = server_->next_deadline();
  if (!next || (tick_at_ && *tick_at_ <= *next)) return;
  tick_at_ = *next;
  Timestamp at = *next;
  world_.schedule(at, [this, at] { on_tick(at); });
}

void ServerNode::on_tick(Timestamp at) {
  if (tick_at_ != at) return;  // superseded by an earlier tick
  tick_at_.reset();
  deliver(server_->tick(world_.now()));
}

}  // namespace shapesim::sim
