#include "sim/client_node.h"

#include <nlohmann/json.hpp>

#include "reference/auth/auth_gate.h"
#include "reference/client/write_mutations.h"
#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/json_text.h"
#include "sim/sim_disk.h"
#include "sim/trace_event.h"

namespace shapesim::sim {

namespace {

Probe probe_of(CrashPoint p) {
  switch (p) {
    case CrashPoint::kBeforePersist: return Probe::kClientCrashBeforePersist;
    case CrashPoint::kAfterPersist: return Probe::kClientCrashAfterPersist;
    case CrashPoint::kInFlight: return Probe::kClientCrashWriteInFlight;
    case CrashPoint::kAfterServerCommit: return Probe::kClientCrashAfterServerCommit;
    case CrashPoint::kAfterRemoval: return Probe::kClientCrashAfterRemoval;
  }
  return Probe::kCount;
}

}  // namespace

ClientNode::ClientNode(NodeEnv& env, ClientHost& host, ClientNodeConfig config, NodeId id, std::string name,
                       const ClientOptions& options, Random rng)
    : env_(env),
      host_(host),
      config_(config),
      id_(id),
      name_(std::move(name)),
      applying_(kCollection),
      user_(options.user),
      organization_(options.organization),
      device_(options.device),
      save_every_(options.save_every),
      clock_(options.clock),
      slowness_(options.slowness),
      rng_(rng),
      crash_rng_(rng.stream(11)),
      disk_(std::make_unique<SimDisk>("client-" + name_, rng_.stream(9), config_.keep_unsynced)) {
  colls_.push_back({kCollection, options.shape, options.shape, options.route, std::nullopt});
  for (const auto& more : options.more_collections) {
    SHAPESIM_ASSERT(options.shape.has_value() && more.shape.has_value() && !more.name.empty());
    SHAPESIM_ASSERT(std::none_of(colls_.begin(), colls_.end(), [&](const SyncedCollection& c) { return c.name == more.name; }));
    colls_.push_back({more.name, more.shape, more.shape, more.route, std::nullopt});
  }
  open_engine();
}

ClientNode::~ClientNode() = default;

void ClientNode::open_engine() {
  engine_.reset();
  store_.reset();
  auto store = ClientStore::open("/" + name_ + "/client.db", disk_->vfs_name());
  SHAPESIM_ASSERT(store.ok());  // an in-memory disk with no failure armed
  store_ = std::move(*store);
  for (auto& c : colls_) {
    if (c.shape && !c.table) c.table = host_.find_table(c.shape->schema, c.shape->table);
  }
  const SyncedCollection& main = colls_.front();
  ClientEngineOptions options{.collection = kCollection,
                              .shape = main.route ? route_shape(main) : main.requested.value_or(ShapeDefinition{}),
                              .sync = main.requested.has_value(),
                              .user = signed_out_ ? "" : user_.value_or(""),
                              .route = main.route,
                              .organization = organization_,
                              .table = main.table,
                              .denied_retry = Duration::seconds(2),
                              .save_every = save_every_};
  for (size_t i = 1; i < colls_.size(); ++i) {
    const SyncedCollection& c = colls_[i];
    options.more_collections.push_back({.collection = c.name,
                                        .shape = c.route ? route_shape(c) : c.requested.value_or(ShapeDefinition{}),
                                        .table = c.table,
                                        .route = c.route,
                                        .organization = c.route ? std::nullopt : organization_});
  }
  if (!device_.empty() && user_ && !main.route) options.shared_tokens = host_.device_tokens(device_);
  if (user_ && !signed_out_) {
    std::string token = host_.user_token(*user_);
    token_minted_ = env_.now();
    if (!token.empty()) options.user_token = std::move(token);
  }
  auto engine = ClientEngine::open(std::move(options), store_.get(), rng_.stream(1 + incarnation_ * 16));
  SHAPESIM_ASSERT(engine.ok());
  engine_ = std::move(*engine);
  engine_->set_online(online_ && !signed_out_);
  // The application's live queries start over from what the reopened engine shows.
  (void)engine_->state().take_changes();
  if (queries_) SHAPESIM_ASSERT(queries_->reset(visible()).ok());
  if (engine_->stream().position()) sometimes(Probe::kClientResumedFromLocalFile);
  if (!engine_->state().pending().empty()) sometimes(Probe::kQueuedWritesShownAfterRestart);
}

ShapeDefinition ClientNode::route_shape(const SyncedCollection& c) const {
  // The application knows what its route serves (the policy's WHERE, scoped to the user's
  // organization); without the gate at hand, only its table.
  if (user_ && c.route) {
    if (auto d = host_.resolve_route(*user_, *c.route)) return *d;
  }
  return c.requested.value_or(ShapeDefinition{});
}

const ClientNode::SyncedCollection& ClientNode::coll(const std::string& name) const {
  for (const auto& c : colls_) {
    if (c.name == name) return c;
  }
  SHAPESIM_ASSERT(false && "a collection this client syncs");
  return colls_.front();
}

ClientNode::SyncedCollection& ClientNode::coll(const std::string& name) {
  return const_cast<SyncedCollection&>(std::as_const(*this).coll(name));
}

std::vector<std::string> ClientNode::collection_names() const {
  std::vector<std::string> out;
  for (const auto& c : colls_) out.push_back(c.name);
  return out;
}

Timestamp ClientNode::local_now() const { return clock_.local(env_.now()); }

size_t ClientNode::all_rows() const {
  size_t n = 0;
  for (const auto& c : colls_) n += collection(c.name).rows().size();
  return n;
}

const Collection& ClientNode::collection(const std::string& name) const {
  static const Collection kEmpty;
  return engine_ ? engine_->state().synced_collection(name) : kEmpty;
}

std::map<std::string, VisibleRow> ClientNode::visible(const std::string& name) const {
  return engine_ ? engine_->state().visible(name) : std::map<std::string, VisibleRow>{};
}

std::string ClientNode::stored_batch_id(const std::string& batch) const {
  auto w = writer_.find(batch);
  return w == writer_.end() || !host_.auth() ? batch : auth::stored_batch_id(w->second, batch);
}

Status ClientNode::declare_query(const std::string& name, ClientQueries::Spec spec) {
  const auto& table = colls_.front().table;
  if (!table) return failed_precondition("client " + name_ + " has no table to query");
  bool first = !queries_;
  if (first) queries_ = std::make_unique<ClientQueries>(kCollection, *table);
  SHAPESIM_RETURN_IF_ERROR(queries_->declare(name, std::move(spec)));
  if (first && engine_) return queries_->reset(visible());
  return Status::Ok();
}

std::map<std::string, WireRow> ClientNode::saved_rows(const std::string& name) const {
  if (!store_) return {};
  auto saved = store_->load_shape(name);
  return saved.ok() ? std::move(saved->rows) : std::map<std::string, WireRow>{};
}

void ClientNode::start() {
  if (!clock_.identity()) sometimes(Probe::kSkewedClientClock);
  pump();
}

void ClientNode::set_online(bool online) {
  host_.note_client_disturbed(*this);
  online_ = online;
  if (!up_) return;
  if (!online) {
    // The device loses its network: what was in flight is abandoned (answers never arrive).
    auto abandoned = std::exchange(requests_, {});
    for (const auto& [id, what] : abandoned) engine_->on_network_error(what.kind, what.batch_id, local_now(), what.generation);
  }
  engine_->set_online(online && !signed_out_);
  TraceEvent(env_.trace(), env_.now(), name_, online ? TraceKind::kOnline : TraceKind::kOffline);
  if (online) pump();
}

void ClientNode::login(const std::string& user) {
  host_.note_client_disturbed(*this);
  bool another = user_ != user;
  user_ = user;
  signed_out_ = false;
  if (another && user_) {
    for (auto& c : colls_) {
      if (c.route) c.shape = c.requested;  // resolved again from the server's answers
    }
  }
  if (!up_) return;
  std::string token = host_.user_token(user);
  token_minted_ = env_.now();
  size_t rows_before = all_rows();
  auto settled = engine_->switch_user(user, token.empty() ? std::nullopt : std::optional<std::string>(token));
  SHAPESIM_ASSERT(settled.ok());  // the simulated disk does not fail here
  if (another && rows_before > 0) ++purges_;
  if (another) host_.after_client_restart(*this);  // purged: the checkers forget what they tracked
  record_outcomes();
  engine_->set_online(online_);
  TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kLogin).field("user", user).field("settled", settled->size());
  pump();
}

void ClientNode::logout() {
  host_.note_client_disturbed(*this);
  signed_out_ = true;
  if (!up_) return;
  size_t rows_before = all_rows();
  auto settled = engine_->switch_user("", std::nullopt);
  SHAPESIM_ASSERT(settled.ok());
  if (rows_before > 0) ++purges_;
  host_.after_client_restart(*this);
  record_outcomes();
  engine_->set_online(false);  // nothing syncs while signed out
  TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kLogout).field("settled", settled->size());
}

void ClientNode::switch_route(const std::string& route) {
  host_.note_client_disturbed(*this);
  SyncedCollection& main = colls_.front();
  main.route = route;
  main.shape = main.requested;
  if (!up_) return;
  size_t rows_before = all_rows();
  SHAPESIM_ASSERT(engine_->set_route(route, route_shape(main)).ok());
  if (rows_before > 0) ++purges_;
  host_.after_client_restart(*this);
  TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kSwitchRoute).field("route", route);
  pump();
}

bool ClientNode::crash_point(CrashPoint point) {
  double chance = host_.client_crash_chance();
  if (!up_ || chance <= 0 || !crash_rng_.bernoulli(chance)) return false;
  sometimes(probe_of(point));
  host_.crash_client(*this);
  Duration down = Duration::millis(static_cast<int64_t>(crash_rng_.uniform(50, 3000)));
  uint64_t incarnation = incarnation_;
  env_.schedule(env_.now() + down, [this, incarnation] {
    if (!up_ && incarnation_ == incarnation) host_.restart_client(*this);
  });
  return true;
}

void ClientNode::write(std::string batch_id, std::string body) {
  if (user_) writer_[batch_id] = *user_;
  if (!up_ || signed_out_) {
    dropped_.push_back(std::move(batch_id));  // the application is not running, or nobody is signed in
    return;
  }
  if (crash_point(CrashPoint::kBeforePersist)) {
    dropped_.push_back(std::move(batch_id));  // never committed: nothing may reach the server
    return;
  }
  std::vector<LocalMutation> local;
  if (has_shape()) {
    // The application's optimistic side of the write: the rows of its own collections.
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("mutations")) {
      for (const auto& c : colls_) {
        if (!c.table) continue;
        auto mutations = local_mutations_for(parsed["mutations"], *c.table, c.name);
        if (mutations.ok()) local.insert(local.end(), mutations->begin(), mutations->end());
      }
    }
  }
  auto seq = engine_->transact(batch_id, local, body);
  if (!seq.ok()) {
    // Mutations that do not merge (e.g. an insert of a row the same batch deletes twice): the
    // application sends the batch as it is, shown without its optimistic part.
    seq = engine_->transact(batch_id, {}, body);
  }
  if (!seq.ok()) {
    TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kWriteRefused)
        .field("batch", batch_id)
        .field("error", seq.status().message());
    return;
  }
  committed_.push_back(batch_id);
  if (*seq != 0) committed_at_[batch_id] = env_.now();
  if (*seq != 0) sometimes(Probe::kOptimisticWriteShown);
  if (crash_point(CrashPoint::kAfterPersist)) return;
  pump();
}

void ClientNode::renew_user_token(bool force) {
  if (!user_ || !engine_ || signed_out_ || !online_) return;  // a login needs the network
  int64_t lifetime = host_.user_token_seconds();
  if (!force && env_.now() - token_minted_ < Duration::seconds(lifetime / 2)) return;
  std::string fresh = host_.user_token(*user_);
  if (fresh.empty()) return;  // no gate (the server is down): the next pump tries again
  token_minted_ = env_.now();
  engine_->set_user_token(std::move(fresh));
}

void ClientNode::pump() {
  if (!up_ || !engine_) return;
  Timestamp now = local_now();
  engine_->tick(now);
  record_outcomes();
  renew_user_token(engine_->needs_user_token());
  while (auto out = engine_->poll(now)) {
    RequestId id = env_.next_request_id();
    requests_[id] = InFlight{out->kind, out->batch_id, out->generation};
    env_.schedule(env_.now() + config_.request_timeout, [this, id] { on_timeout(id); });
    bool write = out->kind == ClientEngine::Kind::kWrite;
    if (out->kind == ClientEngine::Kind::kStream) stream_sent_at_ = env_.now();
    if (out->kind == ClientEngine::Kind::kToken) ++token_requests_;
    env_.send_request(id_, id, std::move(out->request));
    if (write && crash_point(CrashPoint::kInFlight)) return;
  }
  std::optional<Timestamp> wake = engine_->wake_at();
  if (engine_->needs_user_token() && user_ && online_ && !signed_out_) {
    // The login failed (the server is down): try again shortly.
    Timestamp retry = local_now() + Duration::seconds(1);
    if (!wake || retry < *wake) wake = retry;
  }
  if (wake) {
    Timestamp at = clock_.to_global(*wake, env_.now());
    if (at <= env_.now()) at = env_.now() + Duration::millis(1);
    if (wake_scheduled_ && *wake_scheduled_ <= at && *wake_scheduled_ > env_.now()) return;  // an earlier one comes
    wake_scheduled_ = at;
    uint64_t incarnation = incarnation_;
    env_.schedule(at, [this, at, incarnation] {
      if (incarnation_ != incarnation || wake_scheduled_ != at) return;  // superseded (or crashed)
      wake_scheduled_.reset();
      pump();
    });
  }
}

void ClientNode::on_timeout(RequestId id) {
  auto r = requests_.find(id);
  if (!up_ || r == requests_.end()) return;  // answered in time
  InFlight what = r->second;
  requests_.erase(r);
  TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kTimeout).field("id", id.value);
  if (what.kind == ClientEngine::Kind::kWrite) sometimes(Probe::kWriteRetryAfterLostResponse);
  engine_->on_network_error(what.kind, what.batch_id, local_now(), what.generation);
  pump();
  if (what.kind == ClientEngine::Kind::kToken) host_.device_tokens_changed(*this);
}

void ClientNode::receive(RequestId id, HttpResponse response, Timestamp sent_at) {
  if (!up_ || !online_) return;  // offline: nothing arrives
  if (slowness_.micros == 0) {
    on_response(id, response, sent_at);
    return;
  }
  // One message at a time: this one is processed after the ones already queued.
  Timestamp done = std::max(env_.now(), busy_until_) + slowness_;
  busy_until_ = done;
  uint64_t incarnation = incarnation_;
  env_.schedule(done, [this, id, incarnation, sent_at, response = std::move(response)] {
    if (up_ && incarnation_ == incarnation) on_response(id, response, sent_at);
  });
}

bool ClientNode::record_outcomes() {
  // What the application would render and hear about: drained after every engine call (the
  // engine keeps them until taken).
  auto changes = engine_->state().take_changes();
  if (queries_) SHAPESIM_ASSERT(queries_->apply(changes).ok());
  for (const auto& ev : engine_->state().take_events()) {
    auto at = committed_at_.find(ev.id);
    if (at == committed_at_.end() || ev.status == TxStatus::kPersisting) continue;
    if (ev.status == TxStatus::kCompleted) host_.note_delay("confirmation", env_.now() - at->second);
    committed_at_.erase(at);
  }
  bool acked = false;
  for (auto& o : engine_->take_write_outcomes()) {
    acked = acked || o.verdict == Outbox::Verdict::kAcknowledged;
    if (o.verdict == Outbox::Verdict::kAcknowledged) {
      acked_[o.batch_id] = o.txid.value_or(0);
      ack_order_.emplace_back(o.batch_id, o.txid.value_or(0));
      TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kWriteAck).field("batch", o.batch_id).field("txid", o.txid.value_or(0));
      host_.after_write_acknowledged(*this, o.batch_id);
    } else {
      rejected_[o.batch_id] = o.error;
      TraceEvent(env_.trace(), env_.now(), name_, TraceKind::kWriteRejected).field("batch", o.batch_id).field("status", o.status);
    }
  }
  return acked;
}

void ClientNode::after_update(RequestId id, const std::string& collection, const StreamUpdate& update, bool purged) {
  SyncedCollection& c = coll(collection);
  const ShapeStream& s = engine_->stream(collection);
  if (user_ && update.accepted && s.handle()) {
    // The route or the gatekeeper decides the shape (the scope, a role's columns): the
    // client's shape is the one the server answered from, for the checkers.
    if (auto served = host_.served_shape(*s.handle())) c.shape = std::move(*served);
  }
  {
    TraceEvent event(env_.trace(), env_.now(), name_, purged ? TraceKind::kPurge : TraceKind::kApply);  // recorded at '}'
    event.field("id", id.value);
    if (collection != kCollection) event.field("collection", collection);
    event.field("changes", update.changes.size())
        .field("refetch", update.must_refetch)
        .field("state", stream_state_name(s.state()))
        .field("rows", this->collection(collection).rows().size())
        .field("pending", pending_transactions());
  }
  applying_ = collection;
  host_.after_apply(*this, update);
  applying_ = kCollection;
}

void ClientNode::on_response(RequestId id, const HttpResponse& response, Timestamp sent_at) {
  answer_sent_at_ = sent_at;
  auto r = requests_.find(id);
  if (r == requests_.end()) {
    sometimes(Probe::kStaleResponseIgnored);
    return;  // a response to an abandoned request
  }
  InFlight what = r->second;
  requests_.erase(r);
  if (what.kind == ClientEngine::Kind::kWrite && response.status == 200 && crash_point(CrashPoint::kAfterServerCommit)) return;
  size_t rows_before = all_rows() + engine_->state().visible_count(kCollection);
  ClientEngine::Handled handled = engine_->on_response(what.kind, what.batch_id, response, local_now(), what.generation);
  if (handled.purged) {
    host_.note_client_disturbed(*this);
    if (rows_before > 0) ++purges_;
    host_.after_client_restart(*this);  // the checkers forget what they tracked for it
  }
  bool acked = record_outcomes();
  if (what.kind == ClientEngine::Kind::kWrite && acked && crash_point(CrashPoint::kAfterRemoval)) return;
  if (handled.update) after_update(id, what.batch_id.empty() ? kCollection : what.batch_id, *handled.update, handled.purged);
  pump();
  if (what.kind == ClientEngine::Kind::kToken) host_.device_tokens_changed(*this);
}

void ClientNode::crash() {
  if (!device_.empty() && engine_) {
    // A token request of the device's shared cache dies with this process: the cache must
    // not wait for it (the other tabs would never refresh).
    for (const auto& [id, what] : requests_) {
      if (what.kind == ClientEngine::Kind::kToken) engine_->on_network_error(what.kind, what.batch_id, local_now(), what.generation);
    }
  }
  up_ = false;
  ++incarnation_;
  engine_.reset();
  store_.reset();
  disk_->crash();  // what was not synced may be lost
  wake_scheduled_.reset();
  requests_.clear();
  busy_until_ = env_.now();
  host_.device_tokens_changed(*this);
}

void ClientNode::restart() {
  up_ = true;
  open_engine();  // outbox, rows and position as saved: the stream resumes, no refetch
  if (engine_->outbox().size() > 0) sometimes(Probe::kClientRestartedWithOutbox);
  host_.after_client_restart(*this);
  pump();
}

}  // namespace shapesim::sim
