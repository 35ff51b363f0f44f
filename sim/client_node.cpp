#include "sim/client_node.h"

#include <nlohmann/json.hpp>

#include "reference/common/coverage.h"
#include "reference/common/json_text.h"
#include "reference/common/planted_bugs.h"
#include "reference/common/assert.h"
#include "sim/sim_disk.h"
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
      rng_(rng),
      disk_(std::make_unique<SimDisk>("client-" + name_, rng_.stream(9), world.config().keep_unsynced)),
      outbox_(nullptr, rng_.stream(7)) {
  open_local_file();
}

ClientNode::~ClientNode() = default;

void ClientNode::open_local_file() {
  store_.reset();
  auto store = ClientStore::open("/" + name_ + "/client.db", disk_->vfs_name());
  SHAPESIM_ASSERT(store.ok());  // an in-memory disk with no failure armed
  store_ = std::move(*store);
  outbox_ = Outbox(store_.get(), rng_.stream(7 + incarnation_ * 16));
  SHAPESIM_ASSERT(outbox_.restore().ok());
  if (!shape_) return;
  auto saved = store_->load_shape("stream");
  SHAPESIM_ASSERT(saved.ok());
  collection_ = Collection{};
  collection_.restore(std::move(saved->rows));
  saved_position_ = saved->position;
  if (saved->position) sometimes(Probe::kClientResumedFromLocalFile);
  stream_.emplace(ShapeStreamOptions{.shape = *shape_, .resume = saved->position}, rng_.stream(1 + incarnation_));
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
    if (auth::is_protocol_param(k)) protocol[k] = v;
  }
  request.query = std::move(protocol);
}

void ClientNode::on_denied() {
  if (!collection_.rows().empty()) ++purges_;
  collection_.apply(StreamUpdate{.must_refetch = true});  // purge: nothing it may not see stays,
  SHAPESIM_ASSERT(store_->purge().ok());                   // in memory or on disk
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
    auto position = stream_->position();
    if (worth_saving(update, position, saved_position_)) {
      Status saved = store_->save_update("stream", update, collection_.rows(), position);
      SHAPESIM_ASSERT(saved.ok());
      saved_position_ = update.must_refetch ? std::nullopt : position;
    }
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
  Outbox::Outcome outcome = outbox_.on_response(batch_id, response, world_.now());
  switch (outcome.verdict) {
    case Outbox::Verdict::kAcknowledged:
      acked_[batch_id] = outcome.txid.value_or(0);
      ack_order_.emplace_back(batch_id, outcome.txid.value_or(0));
      world_.trace().record(world_.now(), name_, "write-ack",
                            "{\"id\":" + std::to_string(id.value) + ",\"batch\":" + json_quote(batch_id) +
                                ",\"txid\":" + std::to_string(outcome.txid.value_or(0)) + "}");
      break;
    case Outbox::Verdict::kRejected:
      rejected_[batch_id] = response.body;
      world_.trace().record(world_.now(), name_, "write-rejected",
                            "{\"id\":" + std::to_string(id.value) + ",\"batch\":" + json_quote(batch_id) +
                                ",\"status\":" + std::to_string(response.status) + "}");
      break;
    case Outbox::Verdict::kParked:
      // A stale token: a fresh one, then the queue resumes (the engine of issue 16 refreshes
      // through the gatekeeper; the simulated login re-mints it).
      token_.clear();
      outbox_.resume();
      break;
    case Outbox::Verdict::kRetry:
    case Outbox::Verdict::kIgnored:
      break;
  }
  pump_writes();
}

void ClientNode::write(std::string batch_id, std::string body) {
  if (outbox_.contains(batch_id) || acked_.count(batch_id) || rejected_.count(batch_id)) return;  // already queued
  Status queued = outbox_.enqueue(batch_id, std::move(body), user_.value_or(""));
  SHAPESIM_ASSERT(queued.ok());  // memory storage: persisting cannot fail
  pump_writes();
}

void ClientNode::pump_writes() {
  if (!up_) return;
  if (auto send = outbox_.poll(world_.now(), user_.value_or(""))) {
    HttpRequest req;
    req.method = "POST";
    req.path = "/api/mutations";
    req.headers["content-type"] = "application/json";
    req.body = std::move(send->body);
    authorize(req, false);
    RequestId id = world_.next_request_id();
    write_requests_[id] = send->batch_id;
    world_.schedule(world_.now() + world_.config().request_timeout, [this, id] { on_write_timeout(id); });
    world_.send_request(id_, id, std::move(req));
    return;
  }
  if (auto at = outbox_.wake_at()) {
    uint64_t incarnation = incarnation_;
    world_.schedule(*at, [this, incarnation] {
      if (up_ && incarnation_ == incarnation) pump_writes();
    });
  }
}

void ClientNode::on_write_timeout(RequestId id) {
  auto w = write_requests_.find(id);
  if (!up_ || w == write_requests_.end()) return;
  std::string batch_id = w->second;
  write_requests_.erase(w);
  world_.trace().record(world_.now(), name_, "timeout", "{\"id\":" + std::to_string(id.value) + "}");
  sometimes(Probe::kWriteRetryAfterLostResponse);
  outbox_.on_network_error(batch_id, world_.now());
  pump_writes();
}

void ClientNode::crash() {
  up_ = false;
  ++incarnation_;
  stream_.reset();
  collection_ = Collection{};
  store_.reset();
  disk_->crash();  // what was not synced may be lost
  stream_request_.reset();
  wake_scheduled_.reset();
  write_requests_.clear();
  busy_until_ = world_.now();
}

void ClientNode::restart() {
  up_ = true;
  denied_ = false;
  token_.clear();
  open_local_file();  // rows and position as saved: the stream resumes, no refetch
  if (outbox_.size() > 0) sometimes(Probe::kClientRestartedWithOutbox);
  world_.after_client_restart(*this);
  pump();
  pump_writes();
}

}  // namespace shapesim::sim
