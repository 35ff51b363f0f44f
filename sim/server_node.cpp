#include "sim/server_node.h"

#include "reference/common/coverage.h"
#include "sim/sim_disk.h"

namespace shapesim::sim {

bool ServerNode::disk_failed() const { return disk_ && disk_->failed(); }

void ServerNode::on_request(NodeId from, RequestId id, const HttpRequest& request) {
  if (!up()) return;
  if (gatekeeper_down_ && request.path.rfind("/api/gatekeeper/", 0) == 0) {
    HttpResponse unavailable;
    unavailable.status = 503;
    unavailable.headers["content-type"] = "application/json";
    unavailable.body = R"({"error":"gatekeeper unavailable"})";
    env_.send_response(id_, from, id, std::move(unavailable), false);
    return;
  }
  RequestId server_id{++next_server_request_};
  origin_[server_id] = Origin{from, id, request.method == "POST" && request.path == "/api/mutations"};
  ServerOutput out = service().handle(server_id, request, env_.now());
  if (disk_failed()) {
    sometimes(Probe::kCrashDuringCommit);
    host_.crash_server();  // died mid-commit: nothing is answered
    return;
  }
  deliver(std::move(out));
}

int ServerNode::operator_request(const HttpRequest& request) {
  if (!up()) return 503;
  RequestId server_id{++next_server_request_};
  ServerOutput out = server_->handle(server_id, request, env_.now());
  if (gate_) out = gate_->observe(std::move(out), env_.now());
  out.expand_shared();
  int status = 0;
  for (auto it = out.responses.begin(); it != out.responses.end(); ++it) {
    if (it->first == server_id) {
      status = it->second.status;
      out.responses.erase(it);
      break;
    }
  }
  deliver(std::move(out));
  return status;
}

void ServerNode::deliver(ServerOutput out) {
  out.expand_shared();
  for (auto& [id, response] : out.responses) {
    auto it = origin_.find(id);
    if (it == origin_.end()) {
      // The core's contract: exactly one response per request.
      host_.report({"one-response-per-request", "server",
                     "request " + std::to_string(id.value) + " answered again (status " +
                         std::to_string(response.status) + ")",
                     env_.now()});
      continue;
    }
    Origin o = it->second;
    origin_.erase(it);
    env_.send_response(id_, o.from, o.id, std::move(response), o.is_write);
  }
  schedule_tick();
  host_.after_server_output();
}

void ServerNode::schedule_tick() {
  auto next = server_->next_deadline();
  if (!next || (tick_at_ && *tick_at_ <= *next)) return;
  tick_at_ = *next;
  Timestamp at = *next;
  uint64_t generation = generation_;
  env_.schedule(at, [this, at, generation] { on_tick(at, generation); });
}

void ServerNode::on_tick(Timestamp at, uint64_t generation) {
  if (generation != generation_ || !up() || tick_at_ != at) return;  // superseded or dead
  tick_at_.reset();
  deliver(service().tick(env_.now()));
}

Status ServerNode::enable_auth(auth::Policy policy) {
  policy_ = std::move(policy);
  return make_gate();
}

Status ServerNode::expire_tokens() {
  if (!policy_ || policy_->keys.empty()) return Status::Ok();
  ++key_rotations_;
  auth::JwtKey key = policy_->keys.front();
  key.kid += "-r" + std::to_string(key_rotations_);
  key.secret += "-rotated-" + std::to_string(key_rotations_);
  policy_->keys = {key};
  policy_->signing_kid = key.kid;
  return gate_ ? gate_->rotate_keys(policy_->keys, key.kid) : Status::Ok();
}

Status ServerNode::make_gate() {
  gate_.reset();
  if (!policy_ || !server_) return Status::Ok();
  auto gate = auth::AuthGate::create(*policy_, *server_);
  if (!gate.ok()) return gate.status();
  gate_ = std::move(*gate);
  return Status::Ok();
}

void ServerNode::crash() {
  gate_.reset();
  server_.reset();
  origin_.clear();
  tick_at_.reset();
  ++generation_;
}

void ServerNode::restart(std::unique_ptr<ShapeServer> server) {
  server_ = std::move(server);
  Status gated = make_gate();
  if (!gated.ok()) host_.report({"server-restart", "server", "auth: " + gated.message(), env_.now()});
  schedule_tick();
}

}  // namespace shapesim::sim
