#include "sim/client_node.h"

#include <nlohmann/json.hpp>

#include "sim/world.h"

namespace shapesim::sim {

ClientNode::ClientNode(World& world, NodeId id, std::string name, std::optional<ShapeDefinition> shape, Random rng)
    : world_(world), id_(id), name_(std::move(name)), rng_(rng) {
  if (shape) stream_.emplace(ShapeStreamOptions{.shape = std::move(*shape)}, rng_.stream(1));
}

void ClientNode::start() { pump(); }

void ClientNode::pump() {
  if (!stream_) return;
  if (auto request = stream_->poll(world_.now())) {
    RequestId id = world_.next_request_id();
    stream_request_ = id;
    world_.schedule(world_.now() + world_.config().request_timeout, [this, id] { on_stream_timeout(id); });
    world_.send_request(id_, id, std::move(*request));
    return;
  }
  if (auto wake = stream_->wake_at(); wake && (!wake_scheduled_ || *wake_scheduled_ != *wake)) {
    wake_scheduled_ = *wake;
    Timestamp at = *wake;
    world_.schedule(at, [this, at] {
      if (wake_scheduled_ == at) wake_scheduled_.reset();
      pump();
    });
  }
}

void ClientNode::on_stream_timeout(RequestId id) {
  if (stream_request_ != id) return;  // answered in time
  stream_request_.reset();
  world_.trace().record(world_.now(), name_, "timeout", "{\"id\":" + std::to_string(id.value) + "}");
  stream_->on_network_error(world_.now());
  pump();
}

void ClientNode::check_offsets(const StreamUpdate& update) {
  if (update.must_refetch) {
    offsets_handle_.reset();
    last_offset_.reset();
    return;
  }
  if (!update.accepted || !update.offset) return;
  if (offsets_handle_ != stream_->handle()) {
    offsets_handle_ = stream_->handle();
    last_offset_.reset();
  }
  if (last_offset_) {
    if (*update.offset < *last_offset_) {
      violations_.push_back("offset went backwards: " + update.offset->to_string() + " after " +
                            last_offset_->to_string());
    } else if (!update.changes.empty() && *update.offset == *last_offset_) {
      violations_.push_back("offset " + update.offset->to_string() + " repeated on a response carrying changes");
    }
  }
  last_offset_ = *update.offset;
}

void ClientNode::on_response(RequestId id, const HttpResponse& response) {
  if (stream_request_ == id) {
    stream_request_.reset();
    StreamUpdate update = stream_->on_response(response, world_.now());
    check_offsets(update);
    collection_.apply(update);
    world_.trace().record(world_.now(), name_, "apply",
                          "{\"id\":" + std::to_string(id.value) + ",\"changes\":" +
                              std::to_string(update.changes.size()) + ",\"refetch\":" +
                              (update.must_refetch ? "true" : "false") + ",\"state\":\"" +
                              stream_state_name(stream_->state()) + "\",\"rows\":" +
                              std::to_string(collection_.rows().size()) + "}");
    pump();
    return;
  }
  auto w = write_requests_.find(id);
  if (w == write_requests_.end()) return;  // a response to an abandoned request
  std::string batch_id = w->second;
  write_requests_.erase(w);
  auto p = pending_.find(batch_id);
  if (p == pending_.end() || p->second.in_flight != id) return;
  p->second.in_flight.reset();
  if (response.status == 200) {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    uint64_t txid = body.is_object() && body.contains("txid") && body["txid"].is_number_unsigned()
                        ? body["txid"].get<uint64_t>()
                        : 0;
    acked_[batch_id] = txid;
    finish_write(batch_id);
    world_.trace().record(world_.now(), name_, "write-ack",
                          "{\"batch\":" + json_quote(batch_id) + ",\"txid\":" + std::to_string(txid) + "}");
  } else if (response.status >= 500) {
    retry_write_later(batch_id);
  } else {
    rejected_[batch_id] = response.body;
    finish_write(batch_id);
    world_.trace().record(world_.now(), name_, "write-rejected",
                          "{\"batch\":" + json_quote(batch_id) + ",\"status\":" + std::to_string(response.status) + "}");
  }
}

void ClientNode::write(std::string batch_id, std::string body) {
  if (pending_.count(batch_id)) return;  // already queued
  pending_[batch_id] = PendingWrite{std::move(body), 0, std::nullopt};
  outbox_.push_back(batch_id);
  send_write(outbox_.front());
}

void ClientNode::finish_write(const std::string& batch_id) {
  pending_.erase(batch_id);
  if (!outbox_.empty() && outbox_.front() == batch_id) outbox_.pop_front();
  if (!outbox_.empty()) send_write(outbox_.front());
}

void ClientNode::send_write(const std::string& batch_id) {
  auto p = pending_.find(batch_id);
  if (p == pending_.end() || p->second.in_flight || outbox_.empty() || outbox_.front() != batch_id) return;
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/mutations";
  req.headers["content-type"] = "application/json";
  req.body = p->second.body;
  RequestId id = world_.next_request_id();
  p->second.in_flight = id;
  ++p->second.attempts;
  write_requests_[id] = batch_id;
  world_.schedule(world_.now() + world_.config().request_timeout, [this, id] { on_write_timeout(id); });
  world_.send_request(id_, id, std::move(req));
}

void ClientNode::on_write_timeout(RequestId id) {
  auto w = write_requests_.find(id);
  if (w == write_requests_.end()) return;
  std::string batch_id = w->second;
  write_requests_.erase(w);
  auto p = pending_.find(batch_id);
  if (p == pending_.end() || p->second.in_flight != id) return;
  p->second.in_flight.reset();
  world_.trace().record(world_.now(), name_, "timeout", "{\"id\":" + std::to_string(id.value) + "}");
  retry_write_later(batch_id);
}

void ClientNode::retry_write_later(const std::string& batch_id) {
  auto p = pending_.find(batch_id);
  if (p == pending_.end()) return;
  // Capped exponential backoff with jitter: 100 ms * 2^attempts, at most 10 s.
  int64_t cap = std::min<int64_t>(Duration::seconds(10).micros, Duration::millis(100).micros << std::min(p->second.attempts, 10u));
  Duration wait{cap / 2 + static_cast<int64_t>(rng_.uniform(0, static_cast<uint64_t>(cap / 2)))};
  world_.schedule(world_.now() + wait, [this, batch_id] { send_write(batch_id); });
}

}  // namespace shapesim::sim
