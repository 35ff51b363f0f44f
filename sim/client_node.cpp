#include "sim/client_node.h"

#include <nlohmann/json.hpp>

#include "reference/common/coverage.h"
#include "reference/common/json_text.h"
#include "reference/common/planted_bugs.h"
#include "sim/world.h"

namespace shapesim::sim {

ClientNode::ClientNode(World& world, NodeId id, std::string name, const ClientOptions& options, Random rng)
    : world_(world),
      id_(id),
      name_(std::move(name)),
      shape_(options.shape),
      user_(options.user),
      route_(options.route),
      clock_(options.clock),
      slowness_(options.slowness),
      rng_(rng) {
  if (shape_) stream_.emplace(ShapeStreamOptions{.shape = *shape_}, rng_.stream(1));
}

Timestamp ClientNode::local_now() const { return clock_.local(world_.now()); }

void ClientNode::start() {
  if (!clock_.identity()) sometimes(Probe::kSkewedClientClock);
  pump();
}

void ClientNode::pump() {
  if (!up_ || !stream_) return;
  if (auto request = stream_->poll(local_now())) {
    authorize(*request, true);
    RequestId id = world_.next_request_id();
    stream_request_ = id;
    world_.schedule(world_.now() + world_.config().request_timeout, [this, id] { on_stream_timeout(id); });
    world_.send_request(id_, id, std::move(*request));
    return;
  }
  if (auto wake = stream_->wake_at()) {
    Timestamp at = clock_.to_global(*wake, world_.now());
    if (wake_scheduled_ && *wake_scheduled_ == at) return;
    wake_scheduled_ = at;
    world_.schedule(at, [this, at] {
      if (wake_scheduled_ != at) return;  // superseded (or the client crashed)
      wake_scheduled_.reset();
      pump();
    });
  }
}

void ClientNode::on_stream_timeout(RequestId id) {
  if (!up_ || stream_request_ != id) return;  // answered in time
  stream_request_.reset();
  world_.trace().record(world_.now(), name_, "timeout", "{\"id\":" + std::to_string(id.value) + "}");
  stream_->on_network_error(local_now());
  pump();
}

void ClientNode::receive(RequestId id, HttpResponse response) {
  if (!up_) return;
  if (slowness_.micros == 0) {
    on_response(id, response);
    return;
  }
  // One message at a time: this one is processed after the ones already queued.
  Timestamp done = std::max(world_.now(), busy_until_) + slowness_;
  busy_until_ = done;
  uint64_t incarnation = incarnation_;
  world_.schedule(done, [this, id, incarnation, response = std::move(response)] {
    if (up_ && incarnation_ == incarnation) on_response(id, response);
  });
}

void ClientNode::authorize(HttpRequest& request, bool stream_request) {
  if (!user_) return;
  const auth::AuthGate* gate = world_.server().gate();
  int64_t lifetime = gate ? gate->policy().user_token_seconds : 3600;
  if (token_.empty() || world_.now() - token_minted_ >= Duration::seconds(lifetime / 2)) {
    std::string fresh = world_.user_token(*user_);
    if (!fresh.empty()) {
      token_ = std::move(fresh);
      token_minted_ = world_.now();
    }
  }
  request.headers["authorization"] = "Bearer " + token_;
  if (!stream_request || !route_) return;
  request.path = *route_;
  QueryParams protocol;
  for (const auto& [k, v] : request.query) {
    if (k == "offset" || k == "handle" || k == "live" || k == "cursor" || k == "live_sse" || k.rfind("subset__", 0) == 0) {
      protocol[k] = v;
    }
  }
  request.query = std::move(protocol);
}

void ClientNode::on_denied() {
  if (!collection_.rows().empty()) ++purges_;
  collection_.apply(StreamUpdate{.must_refetch = true});  // purge: nothing it may not see stays
  denied_ = true;
  world_.trace().record(world_.now(), name_, "purge", "{\"rows\":" + std::to_string(collection_.rows().size()) + "}");
  uint64_t incarnation = incarnation_;
  world_.schedule(world_.now() + Duration::seconds(2), [this, incarnation] {
    if (!up_ || incarnation_ != incarnation || !denied_) return;
    stream_.emplace(ShapeStreamOptions{.shape = *shape_}, rng_.stream(1000 + incarnation_));
    pump();
  });
}

void ClientNode::on_response(RequestId id, const HttpResponse& response) {
  if (stream_request_ == id) {
    stream_request_.reset();
    if (user_ && response.status == 401) {  // the token expired in flight: a fresh one, ask again
      token_.clear();
      stream_->on_network_error(local_now());
      pump();
      return;
    }
    if (user_ && response.status == 403) {
      stream_->on_response(response, local_now());  // the stream fails; a new one starts in 2 s
      on_denied();
      world_.after_apply(*this, StreamUpdate{.must_refetch = true});
      return;
    }
    if (response.status == 200) denied_ = false;
    StreamUpdate update = stream_->on_response(response, local_now());
    collection_.apply(update);
    if (route_ && update.accepted && stream_->handle()) {
      // The route decides the shape (a role change can change its columns): the client's shape
      // is the one the server answered from, for the checkers.
      if (const Shape* served = world_.server().core().registry().find_by_handle(*stream_->handle())) shape_ = served->definition();
    }
    world_.trace().record(world_.now(), name_, "apply",
                          "{\"id\":" + std::to_string(id.value) + ",\"changes\":" +
                              std::to_string(update.changes.size()) + ",\"refetch\":" +
                              (update.must_refetch ? "true" : "false") + ",\"state\":\"" +
                              stream_state_name(stream_->state()) + "\",\"rows\":" +
                              std::to_string(collection_.rows().size()) + "}");
    world_.after_apply(*this, update);
    pump();
    return;
  }
  auto w = write_requests_.find(id);
  if (w == write_requests_.end()) {
    sometimes(Probe::kStaleResponseIgnored);
    return;  // a response to an abandoned request
  }
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
    world_.trace().record(world_.now(), name_, "write-ack",
                          "{\"id\":" + std::to_string(id.value) + ",\"batch\":" + json_quote(batch_id) +
                              ",\"txid\":" + std::to_string(txid) + "}");
    finish_write(batch_id);
  } else if (response.status >= 500) {
    retry_write_later(batch_id);
  } else {
    rejected_[batch_id] = response.body;
    world_.trace().record(world_.now(), name_, "write-rejected",
                          "{\"id\":" + std::to_string(id.value) + ",\"batch\":" + json_quote(batch_id) +
                              ",\"status\":" + std::to_string(response.status) + "}");
    finish_write(batch_id);
  }
}

void ClientNode::write(std::string batch_id, std::string body) {
  if (pending_.count(batch_id) || acked_.count(batch_id) || rejected_.count(batch_id)) return;  // already queued
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
  if (!up_) return;
  auto p = pending_.find(batch_id);
  if (p == pending_.end() || p->second.in_flight || outbox_.empty() || outbox_.front() != batch_id) return;
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/mutations";
  req.headers["content-type"] = "application/json";
  req.body = p->second.body;
  authorize(req, false);
  if (planted(PlantedBug::kRetryWithoutIdempotencyKey) && p->second.attempts > 0) {
    auto body = nlohmann::json::parse(req.body);
    body["id"] = batch_id + "#" + std::to_string(p->second.attempts);  // a retry the server cannot recognise
    req.body = body.dump();
  }
  RequestId id = world_.next_request_id();
  p->second.in_flight = id;
  ++p->second.attempts;
  write_requests_[id] = batch_id;
  world_.schedule(world_.now() + world_.config().request_timeout, [this, id] { on_write_timeout(id); });
  world_.send_request(id_, id, std::move(req));
}

void ClientNode::on_write_timeout(RequestId id) {
  auto w = write_requests_.find(id);
  if (!up_ || w == write_requests_.end()) return;
  std::string batch_id = w->second;
  write_requests_.erase(w);
  auto p = pending_.find(batch_id);
  if (p == pending_.end() || p->second.in_flight != id) return;
  p->second.in_flight.reset();
  world_.trace().record(world_.now(), name_, "timeout", "{\"id\":" + std::to_string(id.value) + "}");
  sometimes(Probe::kWriteRetryAfterLostResponse);
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

void ClientNode::crash() {
  up_ = false;
  ++incarnation_;
  stream_.reset();
  collection_ = Collection{};
  stream_request_.reset();
  wake_scheduled_.reset();
  write_requests_.clear();
  for (auto& [_, p] : pending_) p.in_flight.reset();
  busy_until_ = world_.now();
}

void ClientNode::restart() {
  up_ = true;
  denied_ = false;
  token_.clear();
  if (shape_) stream_.emplace(ShapeStreamOptions{.shape = *shape_}, rng_.stream(1 + incarnation_));
  if (!pending_.empty()) sometimes(Probe::kClientRestartedWithOutbox);
  world_.after_client_restart(*this);
  pump();
  if (!outbox_.empty()) send_write(outbox_.front());
}

}  // namespace shapesim::sim
