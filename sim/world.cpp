#include "sim/world.h"

#include <cstdio>

#include "reference/common/hash.h"
#include "reference/common/json_text.h"

namespace shapesim::sim {

World::World(WorldConfig config, std::unique_ptr<EmbeddedStore> store)
    : config_(config), rng_(config.seed), network_(config.network, rng_.stream(kNetworkStream)) {
  names_.push_back("server");
  server_ = std::make_unique<ServerNode>(*this, NodeId{0},
                                         std::make_unique<ShapeServer>(config.server, std::move(store)));
  char knobs[256];
  std::snprintf(knobs, sizeof knobs,
                "{\"seed\":%llu,\"latency_us\":%lld,\"jitter_us\":%lld,\"loss\":%.6f,\"chunk_bytes\":%zu,"
                "\"long_poll_us\":%lld}",
                static_cast<unsigned long long>(config.seed), static_cast<long long>(config.network.base_latency.micros),
                static_cast<long long>(config.network.jitter_mean.micros), config.network.loss,
                config.server.chunk_bytes, static_cast<long long>(config.server.long_poll_timeout.micros));
  trace_.record(now_, "world", "start", knobs);
}

ClientNode& World::add_client(std::string name, std::optional<ShapeDefinition> shape) {
  NodeId id{static_cast<uint32_t>(names_.size())};
  names_.push_back(name);
  clients_.push_back(
      std::make_unique<ClientNode>(*this, id, std::move(name), std::move(shape), rng_.stream(kClientStreamBase + id.value)));
  return *clients_.back();
}

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

const std::string& World::node_name(NodeId id) const { return names_.at(id.value); }

void World::schedule(Timestamp at, std::function<void()> action) { queue_.schedule(at, std::move(action)); }

bool World::step(Timestamp limit) {
  if (cap_hit_) return false;
  auto next = queue_.next_time();
  if (!next || *next > limit) return false;
  if (events_ >= config_.max_events) {
    cap_hit_ = true;
    trace_.record(now_, "world", "event-cap", "{\"events\":" + std::to_string(events_) + "}");
    return false;
  }
  Event e = *queue_.pop();
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
  const ShapeServer& core = server_->core();
  for (const auto& c : clients_) {
    if (!reachable(c->id())) continue;
    if (c->pending_writes() > 0) return false;
    const ShapeStream* s = c->stream();
    if (!s || s->state() == StreamState::kFailed) continue;
    if (s->state() != StreamState::kLive || !s->up_to_date() || !s->handle() || !s->offset()) return false;
    const Shape* shape = core.registry().find_by_definition(s->shape());
    if (!shape || shape->handle().value != *s->handle() || shape->log().head() != *s->offset()) return false;
  }
  return true;
}

void World::isolate(NodeId node) {
  network_.cut(node, server_->id());
  trace_.record(now_, "world", "partition", "{\"node\":" + json_quote(node_name(node)) + "}");
}

void World::heal() {
  network_.heal_all();
  trace_.record(now_, "world", "heal", "{}");
}

void World::send_request(NodeId from, RequestId id, HttpRequest request) {
  NodeId to = server_->id();
  std::string detail = "{\"id\":" + std::to_string(id.value) + ",\"req\":" +
                       json_quote(request.method + " " + request.target()) + "}";
  auto delay = network_.transit(from, to);
  if (!delay) {
    trace_.record(now_, node_name(from), "drop-request", detail);
    return;
  }
  trace_.record(now_, node_name(from), "send", detail);
  schedule(now_ + *delay, [this, from, to, id, request = std::move(request)] {
    if (!network_.connected(from, to)) {
      trace_.record(now_, "server", "drop-request", "{\"id\":" + std::to_string(id.value) + ",\"cut\":true}");
      return;
    }
    server_->on_request(from, id, request);
  });
}

void World::send_response(NodeId from, NodeId to, RequestId id, HttpResponse response) {
  char body_hash[16];
  std::snprintf(body_hash, sizeof body_hash, "%08x", fnv1a32(response.body));
  std::string detail = "{\"id\":" + std::to_string(id.value) + ",\"to\":" + json_quote(node_name(to)) +
                       ",\"status\":" + std::to_string(response.status) + ",\"offset\":" +
                       json_quote(response.header("electric-offset").value_or("")) + ",\"body\":\"" + body_hash + "\"}";
  auto delay = network_.transit(from, to);
  if (!delay) {
    trace_.record(now_, node_name(from), "drop-response", detail);
    return;
  }
  trace_.record(now_, node_name(from), "respond", detail);
  ClientNode* client = clients_.at(to.value - 1).get();
  schedule(now_ + *delay, [this, from, to, id, client, response = std::move(response)] {
    if (!network_.connected(from, to)) {
      trace_.record(now_, node_name(to), "drop-response", "{\"id\":" + std::to_string(id.value) + ",\"cut\":true}");
      return;
    }
    client->on_response(id, response);
  });
}

}  // namespace shapesim::sim
