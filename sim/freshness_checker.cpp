// freshness: convergence at quiescence is not enough. While nothing disturbs a client (no
// fault, no loss or long tails, server up, client up, online, signed in, not slow), it must
//   - receive every change committed to its shape within World::freshness_bound() (a few round
//     trips at the drawn latency), or at least keep making progress towards it (a big
//     transaction comes in several chunks); a violation names the offset, the client and the
//     delay;
//   - purge the rows of an organization within the bound after its user lost access there;
//   - confirm an optimistic transaction within the bound after the server acknowledged its
//     write (the txid, or the commit LSN, reaches it on its stream).
// Every delay it sees is noted (World::note_delay: "delivery", "revocation", and by the client
// "confirmation", from commit to completion) for the run's summary, disturbed or not.
#include <algorithm>

#include "reference/auth/auth_gate.h"
#include "sim/checkers.h"

namespace shapesim::sim {

namespace {

class FreshnessChecker : public InvariantChecker {
 public:
  const char* name() const override { return "freshness"; }

  void after_server_output(World& world) override {
    if (!world.server().up()) return;
    const ShapeServer& core = world.server().core();
    for (const auto& c : world.clients()) {
      for (const auto& coll : c->collection_names()) {
        const ShapeStream* s = c->stream(coll);
        // Only a stream in its steady state is held to the bound: live, with its long-poll out
        // (a client backing off after an error, or syncing from scratch, has its own pace).
        if (!c->up() || !s || !s->handle() || !s->offset() || c->denied(coll) || s->state() != StreamState::kLive || !s->in_flight()) {
          continue;
        }
        const Shape* shape = core.registry().find_by_handle(*s->handle());
        if (!shape) continue;
        LogOffset head = shape->log().head();
        if (!(*s->offset() < head)) continue;
        auto& mine = deliveries_[c->name()][coll];
        if (!mine.empty() && mine.back().handle == *s->handle() && !(mine.back().head < head)) continue;  // already waiting
        mine.push_back({*s->handle(), head, world.now(), *s->offset(), std::min(world.now(), c->stream_request_sent_at())});
        schedule_delivery_check(world, c->name(), coll, mine.back());
      }
    }
    check_access(world);
  }

  void after_apply(World& world, const ClientNode& client, const StreamUpdate&) override {
    auto by_client = deliveries_.find(client.name());
    if (by_client == deliveries_.end()) return;
    auto it = by_client->second.find(client.applying());
    if (it == by_client->second.end()) return;
    const ShapeStream* s = client.stream(client.applying());
    auto& mine = it->second;
    mine.erase(std::remove_if(mine.begin(), mine.end(),
                              [&](const Delivery& d) {
                                if (!s || !s->handle() || *s->handle() != d.handle) return true;  // another shape now
                                if (!s->offset() || *s->offset() < d.head) return false;
                                world.note_delay("delivery", world.now() - d.committed);
                                return true;
                              }),
               mine.end());
  }

  void after_write_acknowledged(World& world, const ClientNode& client, const std::string& batch) override {
    // (Every stream: a transaction across collections completes once each has its change.)
    for (const auto& coll : client.collection_names()) {
      const ShapeStream* s = client.stream(coll);
      if (!s || client.denied(coll) || s->state() != StreamState::kLive || !s->in_flight()) return;
    }
    if (!pending(client, batch)) return;
    // Held to the bound from its steady state: live, its long-poll out since before the ack.
    Timestamp since = std::min(world.now(), client.stream_request_sent_at());
    Timestamp acked = world.now();
    std::string name = client.name();
    world.schedule(world.now() + world.freshness_bound(), [this, &world, name, batch, since, acked] {
      ClientNode* c = world.find_client(name);
      if (!c || !pending(*c, batch) || c->denied() || !world.healthy_since(*c, since)) return;
      world.report({this->name(), name,
                    "transaction " + batch + " not confirmed " + std::to_string((world.now() - acked).micros / 1000) +
                        " ms after its write was acknowledged (bound " + std::to_string(world.freshness_bound().micros / 1000) + " ms)",
                    world.now()});
    });
  }

  void after_client_restart(const ClientNode& client) override {
    deliveries_.erase(client.name());
    // A purge (or a restart from a purged file): the lost organizations' rows are gone.
    auto it = losses_.find(client.name());
    if (it == losses_.end()) return;
    for (auto& l : it->second) {
      if (l.done || !world_ || holds_rows_of(*world_, client, l.org)) continue;
      world_->note_delay("revocation", world_->now() - l.lost);
      l.done = true;
    }
  }

 private:
  struct Delivery {
    std::string handle;
    LogOffset head;
    Timestamp committed;
    LogOffset from;  // the client's offset when the change committed
    Timestamp since;  // healthy since then: the commit, or the sending of the long-poll out then
  };
  struct Loss {
    std::string user;
    std::string org;
    Timestamp lost;
    bool done = false;
    Timestamp since{0};  // healthy since then (INT64_MAX: not held to the bound)
  };

  void schedule_delivery_check(World& world, const std::string& client, const std::string& coll, const Delivery& d) {
    world.schedule(world.now() + world.freshness_bound(), [this, &world, client, coll, d] {
      ClientNode* c = world.find_client(client);
      auto by_client = deliveries_.find(client);
      if (!c || by_client == deliveries_.end()) return;
      auto it = by_client->second.find(coll);
      if (it == by_client->second.end()) return;
      auto& mine = it->second;
      auto pending = std::find_if(mine.begin(), mine.end(), [&](const Delivery& x) {
        return x.handle == d.handle && x.head == d.head && x.committed == d.committed;
      });
      if (pending == mine.end()) return;  // received
      const ShapeStream* s = c->stream(coll);
      if (!s || !s->handle() || *s->handle() != d.handle || c->denied(coll) || !world.healthy_since(*c, d.since)) {
        mine.erase(pending);  // another shape, or something delayed it legitimately
        return;
      }
      if (s->offset() && pending->from < *s->offset()) {
        // Progressing (a change in several chunks): look again one bound later.
        pending->from = *s->offset();
        schedule_delivery_check(world, client, coll, *pending);
        return;
      }
      world.report({name(), coll == ClientNode::kCollection ? client : client + "/" + coll,
                    "did not receive the change at offset " + d.head.to_string() + " of shape " + d.handle + " within " +
                        std::to_string((world.now() - d.committed).micros / 1000) + " ms (bound " +
                        std::to_string(world.freshness_bound().micros / 1000) + " ms), stuck at " +
                        (s->offset() ? s->offset()->to_string() : std::string("-1")),
                    world.now()});
      mine.erase(pending);
    });
  }

  // Whether the client's transaction for this write is acknowledged and awaits confirmation.
  static bool pending(const ClientNode& c, const std::string& batch) {
    if (!c.engine()) return false;
    for (const LocalTransaction* t : c.engine()->state().pending()) {
      if (t->id == batch) return t->status == TxStatus::kPersisting && t->txid.has_value();
    }
    return false;
  }

  static bool holds_rows_of(World& world, const ClientNode& c, const std::string& org) {
    const auth::AuthGate* gate = world.server().gate();
    if (!gate || !c.shape()) return false;
    for (const auto& coll : c.collection_names()) {
      const auth::TablePolicy* t = gate->policy().table(c.shape(coll)->table);
      if (!t || t->scope.kind != auth::RowScope::Kind::kOrganization) continue;
      for (const auto& [key, row] : c.collection(coll).rows()) {
        auto v = row.find(t->scope.column);
        if (v != row.end() && v->second && *v->second == org) return true;
      }
    }
    return false;
  }

  // Clients holding rows of an organization their user lost: a loss with a deadline.
  void check_access(World& world) {
    world_ = &world;
    const auth::AuthGate* gate = world.server().gate();
    // Only when memberships changed (a restarted server's gate starts its count over).
    if (!gate || (gate == last_gate_ && gate->directory_generation() == last_generation_)) return;
    last_gate_ = gate;
    last_generation_ = gate->directory_generation();
    for (const auto& c : world.clients()) {
      if (!c->up() || !c->user() || !c->shape() || c->signed_out()) continue;
      std::set<std::string> orgs;  // organizations it holds rows of that its user may not read
      for (const auto& coll : c->collection_names()) {
        const std::string& table = c->shape(coll)->table;
        const auth::TablePolicy* t = gate->policy().table(table);
        if (!t || t->scope.kind != auth::RowScope::Kind::kOrganization) continue;
        for (const auto& [key, row] : c->collection(coll).rows()) {
          auto v = row.find(t->scope.column);
          if (v != row.end() && v->second && !gate->may_read(*c->user(), table, *v->second)) orgs.insert(*v->second);
        }
      }
      for (const auto& org : orgs) {
        auto lost = gate->access_changed_at(*c->user(), org);
        if (!lost) continue;  // it never could: authorized-rows reports that
        auto& mine = losses_[c->name()];
        bool known = std::any_of(mine.begin(), mine.end(), [&](const Loss& l) { return l.org == org && l.lost == *lost; });
        if (known) continue;
        // Held to the bound only from its steady state (live, its long-poll out since before
        // the loss); otherwise just measured.
        const ShapeStream* s = c->stream();
        bool steady = s && s->state() == StreamState::kLive && s->in_flight();
        Timestamp since = steady ? std::min(*lost, c->stream_request_sent_at()) : Timestamp{INT64_MAX};
        mine.push_back({*c->user(), org, *lost, false, since});
        std::string client = c->name();
        Loss loss = mine.back();
        world.schedule(std::max(world.now(), *lost + world.freshness_bound()), [this, &world, client, loss] {
          ClientNode* node = world.find_client(client);
          if (!node || !node->user() || *node->user() != loss.user) return;
          if (!holds_rows_of(world, *node, loss.org) || loss.since.micros == INT64_MAX || !world.healthy_since(*node, loss.since)) return;
          world.report({name(), client,
                        "still holds rows of " + loss.org + " " + std::to_string((world.now() - loss.lost).micros / 1000) +
                            " ms after " + loss.user + " lost access (bound " +
                            std::to_string(world.freshness_bound().micros / 1000) + " ms)",
                        world.now()});
        });
      }
    }
  }

  World* world_ = nullptr;
  const auth::AuthGate* last_gate_ = nullptr;
  uint64_t last_generation_ = 0;
  std::map<std::string, std::map<std::string, std::vector<Delivery>>> deliveries_;  // by client, then collection
  std::map<std::string, std::vector<Loss>> losses_;
};

}  // namespace

std::unique_ptr<InvariantChecker> make_freshness_checker() { return std::make_unique<FreshnessChecker>(); }

}  // namespace shapesim::sim
