#include "sim/world.h"

#include <cstdio>

#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/hash.h"
#include "reference/common/json_text.h"
#include "sim/invariant_checker.h"
#include "sim/trace_event.h"

namespace shapesim::sim {

namespace {

Result<std::unique_ptr<ShapeServer>> open_server(const ServerConfig& config, SimDisk& disk) {
  SHAPESIM_ASSIGN_OR_RETURN(auto store, EmbeddedStore::open(kServerStorePath, disk.vfs_name()));
  auto server = std::make_unique<ShapeServer>(config, std::move(store));
  if (!server->startup_status().ok()) return server->startup_status();
  return server;
}

}  // namespace

World::World(WorldConfig config, const PrepareStore& prepare)
    : config_(config),
      rng_(config.seed),
      network_(config.network, rng_.stream(kNetworkStream)),
      response_loss_rng_(rng_.stream(kResponseLossStream)) {
  names_.push_back("server");
  server_disk_ = std::make_unique<SimDisk>("server", rng_.stream(kDiskStream), config.keep_unsynced);
  std::unique_ptr<ShapeServer> core;
  auto store = EmbeddedStore::open(kServerStorePath, server_disk_->vfs_name());
  Status st = store.ok() ? prepare(**store) : store.status();
  if (st.ok()) {
    store->reset();  // closed and reopened: the server starts from what the disk holds
    auto server = open_server(config.server, *server_disk_);
    if (server.ok()) core = std::move(*server);
    else st = server.status();
  }
  server_ = std::make_unique<ServerNode>(*this, *this, NodeId{0}, std::move(core), server_disk_.get());
  record_start();
  if (!st.ok()) report({"server-startup", "server", "cannot prepare the store: " + st.message(), now_});
  if (st.ok() && config_.auth) {
    Status gated = server_->enable_auth(*config_.auth);
    if (!gated.ok()) report({"server-startup", "server", "auth: " + gated.message(), now_});
  }
}

World::World(WorldConfig config, std::unique_ptr<EmbeddedStore> store)
    : config_(config),
      rng_(config.seed),
      network_(config.network, rng_.stream(kNetworkStream)),
      response_loss_rng_(rng_.stream(kResponseLossStream)) {
  names_.push_back("server");
  server_ = std::make_unique<ServerNode>(*this, *this, NodeId{0},
                                         std::make_unique<ShapeServer>(config.server, std::move(store)), nullptr);
  record_start();
}

World::~World() = default;

void World::record_start() {
  const NetworkConfig& n = config_.network;
  char knobs[512];
  std::snprintf(knobs, sizeof knobs,
                "{\"seed\":%llu,\"latency_us\":%lld,\"jitter_us\":%lld,\"loss\":%.6f,\"duplicate\":%.6f,"
                "\"tail_p\":%.6f,\"tail_us\":%lld,\"response_loss\":%.6f,\"keep_unsynced\":%.3f,\"chunk_bytes\":%zu,"
                "\"long_poll_us\":%lld}",
                static_cast<unsigned long long>(config_.seed), static_cast<long long>(n.base_latency.micros),
                static_cast<long long>(n.jitter_mean.micros), n.loss, n.duplicate, n.tail_probability,
                static_cast<long long>(n.tail_scale.micros), n.response_loss, config_.keep_unsynced,
                config_.server.chunk_bytes, static_cast<long long>(config_.server.long_poll_timeout.micros));
  TraceEvent(trace_, now_, "world", TraceKind::kStart).detail(knobs);
}

ClientNode& World::add_client(std::string name, ClientOptions options) {
  NodeId id{static_cast<uint32_t>(names_.size())};
  names_.push_back(name);
  clients_.push_back(
      std::make_unique<ClientNode>(*this, *this, ClientNodeConfig{config_.request_timeout, config_.keep_unsynced}, id,
                                   std::move(name), options, rng_.stream(kClientStreamBase + id.value)));
  return *clients_.back();
}

void World::add_checker(std::unique_ptr<InvariantChecker> checker) { checkers_.push_back(std::move(checker)); }

void World::start() {
  Random start_rng = rng_.stream(kStartStream);
  for (auto& c : clients_) {
    Duration offset{static_cast<int64_t>(start_rng.uniform(0, Duration::millis(10).micros))};
    ClientNode* node = c.get();
    schedule(now_ + offset, [node] { node->start(); });
  }
}

ClientNode* World::find_client(const std::string& name) const {
  for (const auto& c : clients_) {
    if (c->name() == name) return c.get();
  }
  return nullptr;
}

std::optional<NodeId> World::node_id(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return NodeId{static_cast<uint32_t>(i)};
  }
  return std::nullopt;
}

const std::string& World::node_name(NodeId id) const { return names_.at(id.value); }

void World::schedule(Timestamp at, std::function<void()> action) {
  SHAPESIM_ASSERT(at >= now_);  // nothing happens in the past
  queue_.schedule(at, std::move(action));
}

bool World::step(Timestamp limit) {
  if (cap_hit_ || !violations_.empty()) return false;  // a violation halts the run
  auto next = queue_.next_time();
  if (!next || *next > limit) return false;
  if (events_ >= config_.max_events) {
    cap_hit_ = true;
    TraceEvent(trace_, now_, "world", TraceKind::kEventCap).field("events", events_);
    return false;
  }
  Event e = queue_.pop_unchecked();
  SHAPESIM_ASSERT(e.at >= now_);  // virtual time never goes backwards
  now_ = e.at;
  ++events_;
  e.action();
  return true;
}

void World::run_until(Timestamp until) {
  while (step(until)) {
  }
  if (!cap_hit_ && until > now_) now_ = until;
}

bool World::run_until_quiescent(Duration max) {
  Timestamp deadline = now_ + max;
  while (!quiescent()) {
    if (!step(deadline)) {
      if (!cap_hit_ && deadline > now_) now_ = deadline;
      return quiescent();
    }
  }
  return true;
}

bool World::quiescent() const {
  if (!server_->up()) return false;
  for (const auto& c : clients_) {
    if (!c->up() || !reachable(c->id()) || c->signed_out() || !c->online()) continue;
    if (c->pending_writes() > 0 || c->pending_transactions() > 0) return false;
    // Waiting to ask the gatekeeper again, or for a login: not settled.
    if (const ClientEngine* e = c->engine(); e && (e->token_failure() || e->needs_user_token() || e->checking_data_version())) {
      return false;
    }
    for (const auto& coll : c->collection_names()) {
      if (!collection_settled(*c, coll)) return false;
    }
  }
  return true;
}

bool World::collection_settled(const ClientNode& c, const std::string& coll) const {
  const ShapeServer& core = server_->core();
  const auto& route = c.route(coll);
  if (c.denied(coll)) {
    // Refused by the policy: nothing to converge to, unless access came back (it will ask
    // again and must sync).
    return !(route && c.user() && server_->gate() && server_->gate()->resolve_route(*c.user(), *route));
  }
  if (route && c.user() && server_->gate()) {
    // A permission change may have moved the route to another shape, or closed it: not
    // settled until the client syncs the shape the route serves its user now, or is refused.
    auto current = server_->gate()->resolve_route(*c.user(), *route);
    if (!current || !c.shape(coll) || *current != *c.shape(coll)) return false;
  } else if (c.user() && c.requested_shape(coll) && server_->gate()) {
    // Likewise under the gatekeeper: settled once the client streams what it would grant
    // now (a role change can change the columns), or is refused.
    auto current = server_->gate()->resolve_grant(*c.user(), *c.requested_shape(coll), c.organization());
    if (!current || !c.shape(coll) || *current != *c.shape(coll)) return false;
  }
  const ShapeStream* s = c.stream(coll);
  if (!s || s->state() == StreamState::kFailed) return true;
  if (s->state() != StreamState::kLive || !s->up_to_date() || !s->handle() || !s->offset()) return false;
  const Shape* shape = core.registry().find_by_definition(c.shape(coll) ? *c.shape(coll) : s->shape());
  return shape && shape->handle().value == *s->handle() && shape->log().head() == *s->offset();
}

// --- faults ---

void World::isolate(NodeId node) {
  note_fault();
  network_.cut(node, server_->id(), true);
  TraceEvent(trace_, now_, "world", TraceKind::kPartition).field("node", node_name(node));
}

void World::cut(NodeId from, NodeId to, bool two_way) {
  note_fault();
  network_.cut(from, to, two_way);
  TraceEvent(trace_, now_, "world", TraceKind::kPartition)
      .field("from", node_name(from))
      .field("to", node_name(to))
      .field("two_way", two_way);
}

void World::clog(NodeId node, Duration how_long) {
  note_fault();
  network_.clog(node, now_ + how_long);
  TraceEvent(trace_, now_, "world", TraceKind::kClog).field("node", node_name(node)).field("us", how_long.micros);
}

void World::heal() {
  note_fault();
  network_.heal_all();
  TraceEvent(trace_, now_, "world", TraceKind::kHeal);
}

void World::crash_server() {
  note_fault();
  if (!server_->up() || !server_disk_) return;
  server_->crash();
  uint64_t lost = server_disk_->crash();
  if (lost > 0) sometimes(Probe::kUnsyncedWriteLostInCrash);
  TraceEvent(trace_, now_, "server", TraceKind::kServerCrash).field("unsynced_ops_lost", lost);
}

void World::crash_server_during_io(uint64_t ops) {
  note_fault();
  if (!server_->up() || !server_disk_) return;
  server_disk_->fail_after_ops(ops);
  TraceEvent(trace_, now_, "server", TraceKind::kArmCrash).field("after_ops", ops);
}

Status World::restart_server() {
  if (server_->up() || !server_disk_) return Status::Ok();
  note_fault();
  auto core = open_server(config_.server, *server_disk_);
  if (!core.ok()) {
    report({"server-restart", "server", core.status().message(), now_});
    return core.status();
  }
  server_->restart(std::move(*core));
  sometimes(Probe::kServerRestarted);
  TraceEvent(trace_, now_, "server", TraceKind::kServerRestart);
  return Status::Ok();
}

void World::delete_shape(const ClientNode& client) {
  note_fault();
  if (!client.shape()) return;
  HttpRequest req;
  req.method = "DELETE";
  req.path = "/v1/shape";
  client.shape()->to_query(req.query);
  int status = server_->operator_request(req);
  TraceEvent(trace_, now_, "operator", TraceKind::kDeleteShape).field("client", client.name()).field("status", status);
}

int64_t World::user_token_seconds() const {
  const auth::AuthGate* gate = server_->gate();
  return gate ? gate->policy().user_token_seconds : 3600;
}

std::optional<TableSchema> World::find_table(const std::string& schema, const std::string& table) const {
  if (!server_->up()) return std::nullopt;
  const TableSchema* t = server_->core().store().find_table(schema, table);
  return t ? std::optional<TableSchema>(*t) : std::nullopt;
}

std::optional<ShapeDefinition> World::resolve_route(const std::string& user, const std::string& route) const {
  const auth::AuthGate* gate = server_->gate();
  return gate ? gate->resolve_route(user, route) : std::nullopt;
}

std::optional<ShapeDefinition> World::served_shape(const std::string& handle) const {
  if (!server_->up()) return std::nullopt;
  const Shape* served = server_->core().registry().find_by_handle(handle);
  return served ? std::optional<ShapeDefinition>(served->definition()) : std::nullopt;
}

void World::set_gatekeeper_down(bool down) {
  note_fault();
  server_->set_gatekeeper_down(down);
  TraceEvent(trace_, now_, "operator", down ? TraceKind::kGatekeeperDown : TraceKind::kGatekeeperUp);
}

std::shared_ptr<ShapeTokens> World::device_tokens(const std::string& device) {
  SHAPESIM_ASSERT(!device.empty());
  auto it = device_tokens_.find(device);
  if (it == device_tokens_.end()) {
    Random rng = rng_.stream(kDeviceStreamBase + device_tokens_.size());
    it = device_tokens_.emplace(device, std::make_shared<ShapeTokens>(ShapeTokensOptions{}, rng)).first;
  }
  return it->second;
}

std::vector<ClientNode*> World::device_clients(const ClientNode& client) const {
  std::vector<ClientNode*> out;
  for (const auto& c : clients_) {
    if (c.get() == &client || (!client.device().empty() && c->device() == client.device())) out.push_back(c.get());
  }
  return out;
}

void World::device_tokens_changed(const ClientNode& by) {
  if (by.device().empty()) return;
  for (ClientNode* c : device_clients(by)) {
    if (c != &by) c->pump();
  }
}

uint64_t World::token_requests(const ClientNode& client) const {
  uint64_t n = 0;
  for (const ClientNode* c : device_clients(client)) n += c->token_requests();
  return n;
}

Status World::expire_tokens() {
  note_fault();
  Status st = server_->expire_tokens();
  TraceEvent(trace_, now_, "operator", TraceKind::kExpireTokens);
  return st;
}

std::string World::user_token(const std::string& user) {
  const auth::AuthGate* gate = server_->gate();
  return gate ? gate->user_token(user, now_) : std::string();
}

int World::admin_write(const std::string& batch_id, const std::string& mutations_json) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/mutations";
  req.body = "{\"id\":" + json_quote(batch_id) + ",\"mutations\":" + mutations_json + "}";
  int status = server_->operator_request(req);
  TraceEvent(trace_, now_, "operator", TraceKind::kAdminWrite).field("batch", batch_id).field("status", status);
  return status;
}

void World::crash_client(ClientNode& client) {
  if (!client.up()) return;
  note_client_disturbed(client);
  client.crash();
  TraceEvent(trace_, now_, client.name(), TraceKind::kCrash);
}

void World::restart_client(ClientNode& client) {
  if (client.up()) return;
  note_client_disturbed(client);
  TraceEvent(trace_, now_, client.name(), TraceKind::kRestart);
  client.restart();
}

void World::end_faults() {
  note_fault();  // what was in flight may still carry the faults' effects
  config_.client_crash_chance = 0;
  network_.heal_all();
  network_.stop_faults();
  if (server_disk_) server_disk_->disarm();
  (void)restart_server();
  for (auto& c : clients_) restart_client(*c);
  for (auto& c : clients_) {
    if (!c->online()) c->set_online(true);  // offline periods end with the faults
  }
  TraceEvent(trace_, now_, "world", TraceKind::kEndFaults);
}

// --- invariants ---

void World::report(Violation v) {
  TraceEvent(trace_, now_, "world", TraceKind::kViolation)
      .field("invariant", v.invariant)
      .field("node", v.node)
      .field("detail", v.detail);
  violations_.push_back(std::move(v));
}

void World::check_at_quiescence() {
  for (auto& c : checkers_) c->at_quiescence(*this);
}

void World::after_apply(const ClientNode& client, const StreamUpdate& update) {
  for (auto& c : checkers_) c->after_apply(*this, client, update);
}

void World::after_server_output() {
  for (auto& c : checkers_) c->after_server_output(*this);
}

void World::note_client_disturbed(const ClientNode& client) { client_disturbed_[client.name()] = now_; }

bool World::healthy_since(const ClientNode& client, Timestamp since) const {
  const NetworkConfig& n = network_.config();
  if (n.loss > 0 || n.tail_probability > 0 || n.response_loss > 0) return false;
  if (last_fault_ >= since || network_.any_cut() || network_.clogged(client.id(), now_) || network_.clogged(server_->id(), now_)) {
    return false;
  }
  if (auto d = client_disturbed_.find(client.name()); d != client_disturbed_.end() && d->second >= since) return false;
  return server_->up() && client.up() && client.online() && !client.signed_out() && !client.slow();
}

Duration World::freshness_bound() const {
  const NetworkConfig& n = network_.config();
  int64_t one_way = n.base_latency.micros + 20 * n.jitter_mean.micros;
  return Duration{8 * one_way} + Duration::millis(500);
}

void World::after_write_acknowledged(const ClientNode& client, const std::string& batch_id) {
  for (auto& c : checkers_) c->after_write_acknowledged(*this, client, batch_id);
}

void World::after_client_restart(const ClientNode& client) {
  for (auto& c : checkers_) c->after_client_restart(client);
}

// --- messages ---

void World::send_request(NodeId from, RequestId id, HttpRequest request) {
  NodeId to = server_->id();
  Transit t = network_.transit(from, to, now_);
  if (t.count == 0 && !network_.connected(from, to) && network_.connected(to, from)) sometimes(Probe::kOneWayPartitionDrop);
  TraceEvent(trace_, now_, node_name(from), t.count == 0 ? TraceKind::kDropRequest : TraceKind::kSend)
      .field("id", id.value)
      .field("req", request.method + " " + request.target());
  if (t.count == 0) return;
  if (t.long_tail) sometimes(Probe::kLongTailDelivery);
  if (network_.clogged(from, now_)) sometimes(Probe::kMessageHeldByClog);
  for (int i = 0; i < t.count; ++i) {
    bool copy = i > 0;
    schedule(now_ + t.delays[i], [this, from, to, id, copy, request] {
      if (!network_.connected(from, to) || !server_->up()) {
        TraceEvent(trace_, now_, "server", TraceKind::kDropRequest).field("id", id.value);
        return;
      }
      if (copy) sometimes(Probe::kDuplicateDelivered);
      server_->on_request(from, id, request);
    });
  }
}

void World::send_response(NodeId from, NodeId to, RequestId id, HttpResponse response, bool is_write) {
  char body_hash[16];
  std::snprintf(body_hash, sizeof body_hash, "%08x", fnv1a32(response.body));
  Transit t = network_.transit(from, to, now_);
  bool response_lost = is_write && response_loss_rng_.bernoulli(network_.config().response_loss);
  TraceKind kind = response_lost ? TraceKind::kLoseWriteResponse : t.count == 0 ? TraceKind::kDropResponse : TraceKind::kRespond;
  TraceEvent(trace_, now_, node_name(from), kind)
      .field("id", id.value)
      .field("to", node_name(to))
      .field("status", response.status)
      .field("offset", response.header("electric-offset").value_or(""))
      .field("body", std::string_view(body_hash));
  if (t.count == 0 || response_lost) return;
  if (t.long_tail) sometimes(Probe::kLongTailDelivery);
  ClientNode* client = clients_.at(to.value - 1).get();
  for (int i = 0; i < t.count; ++i) {
    bool copy = i > 0;
    Timestamp sent_at = now_;
    schedule(now_ + t.delays[i], [this, from, to, id, client, copy, response, sent_at] {
      if (!network_.connected(from, to) || !client->up()) {
        TraceEvent(trace_, now_, node_name(to), TraceKind::kDropResponse).field("id", id.value);
        return;
      }
      if (copy) sometimes(Probe::kDuplicateDelivered);
      client->receive(id, response, sent_at);
    });
  }
}

}  // namespace shapesim::sim
