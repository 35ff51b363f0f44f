// ClientEngine under auth against the real AuthGate in-process: it gets a shape token from
// the gatekeeper, streams exactly the granted shape, refreshes the token after a permission
// change and resumes at the same offset without refetching, and purges when refused.
#include "reference/client/client_engine.h"

#include "reference/auth/auth_gate_fixture.h"

namespace shapesim::auth::testing {
namespace {

class ClientEngineAuthTest : public AuthGateTest {
 protected:
  void exchange() {
    for (int round = 0; round < 50; ++round) {
      bool moved = false;
      while (auto out = engine->poll(now_)) {
        RequestId id{next_id_++};
        kinds[id] = {out->kind, out->batch_id};
        route(gate_->handle(id, out->request, now_));
        moved = true;
      }
      if (!moved) {
        if (auto at = engine->wake_at(); at && *at <= now_ + Duration::seconds(1)) {
          now_ = *at;
          continue;
        }
        return;
      }
    }
  }
  void route(ServerOutput out) {
    out.expand_shared();
    for (auto& [id, r] : out.responses) {
      auto it = kinds.find(id);
      if (it == kinds.end()) continue;  // another client's request
      auto [kind, batch] = it->second;
      kinds.erase(it);
      engine->on_response(kind, batch, r, now_);
    }
  }
  // A write by another user; whatever it releases for the engine is delivered to it.
  void write_routed(const std::string& token, const std::string& id, const nlohmann::json& mutations) {
    auto req = HttpRequest::from_target("POST", "/api/mutations");
    req->headers["authorization"] = "Bearer " + token;
    req->body = nlohmann::json({{"id", id}, {"mutations", mutations}}).dump();
    auto out = gate_->handle(RequestId{next_id_++}, *req, now_);
    route(std::move(out));
  }

  std::unique_ptr<ClientEngine> engine;
  std::map<RequestId, std::pair<ClientEngine::Kind, std::string>> kinds;
};

TEST_F(ClientEngineAuthTest, RefreshesItsTokenAndResumesAfterAPermissionChangeThenPurgesWhenRevoked) {
  std::string bob = login("bob");
  auto e = ClientEngine::open({.collection = "tasks", .shape = {.table = "tasks"}, .user = "bob", .user_token = bob}, nullptr, Random(5));
  ASSERT_TRUE(e.ok());
  engine = std::move(*e);
  exchange();
  ASSERT_TRUE(engine->stream().up_to_date());
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);  // acme's two tasks, not globex's
  EXPECT_EQ(engine->tokens().requests_sent(), 1u);
  std::string handle = *engine->stream().handle();
  // Bob is promoted: his parked request is answered, his shape token is stale (401), the engine
  // gets a new one and carries on from where it was.
  std::string alice = login("alice");
  write_routed(alice, "promote", {{{"op", "update"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "owner"}}}}});
  exchange();
  EXPECT_EQ(engine->tokens().requests_sent(), 2u);
  EXPECT_EQ(*engine->stream().handle(), handle);
  EXPECT_EQ(engine->stream().refetches(), 0u);
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);
  // A new task reaches him on the same stream.
  write_routed(alice, "t9", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 9}, {"organization_id", "acme"}, {"title", "nine"}}}}});
  exchange();
  EXPECT_EQ(engine->state().visible("tasks").size(), 3u);
  // Revoked: the gatekeeper refuses; everything is purged.
  write_routed(alice, "revoke", {{{"op", "delete"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}}}}});
  exchange();
  EXPECT_TRUE(engine->denied());
  EXPECT_TRUE(engine->state().visible("tasks").empty());
}

TEST_F(ClientEngineAuthTest, ARouteClientIsPurgedWhenRefusedAndComesBackWhenGrantedAgain) {
  std::string bob = login("bob");
  auto e = ClientEngine::open({.collection = "tasks", .user = "bob", .user_token = bob, .route = "/v1/shape/org/acme/tasks",
                               .denied_retry = Duration::seconds(2), .data_version_every = Duration::seconds(0)},
                              nullptr, Random(6));
  ASSERT_TRUE(e.ok());
  engine = std::move(*e);
  exchange();
  ASSERT_TRUE(engine->stream().up_to_date());
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);
  std::string alice = login("alice");
  write_routed(alice, "revoke", {{{"op", "delete"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}}}}});
  exchange();
  EXPECT_TRUE(engine->denied());
  EXPECT_TRUE(engine->state().visible("tasks").empty());
  // Granted again: the next ask (after denied_retry) syncs the route from scratch.
  write_routed(alice, "grant", {{{"op", "insert"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "member"}}}}});
  now_ = now_ + Duration::seconds(2);
  exchange();
  EXPECT_FALSE(engine->denied());
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);
}

TEST_F(ClientEngineAuthTest, TwoCollectionsUnderAuthAGatekeeperShapeAndARouteWithOneUserToken) {
  std::string bob = login("bob");
  ClientEngineOptions options{.collection = "tasks", .shape = {.table = "tasks"}, .user = "bob", .user_token = bob,
                              .denied_retry = Duration::seconds(2), .data_version_every = Duration::seconds(0)};
  options.more_collections = {CollectionSync{.collection = "notes", .shape = {.table = "notes"}, .route = "/v1/shape/me/notes"}};
  auto e = ClientEngine::open(options, nullptr, Random(8));
  ASSERT_TRUE(e.ok()) << e.status().message();
  engine = std::move(*e);
  exchange();
  EXPECT_EQ(engine->tokens().requests_sent(), 1u);  // the route needs no shape token
  ASSERT_TRUE(engine->stream("notes").up_to_date());
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);  // acme's
  ASSERT_EQ(engine->state().visible("notes").size(), 1u);  // bob's own
  // One transaction over both collections, checked by the policy as one write.
  const std::string note_key = "\"public\".\"notes\"/\"30\"";
  const std::string task_key = "\"public\".\"tasks\"/\"31\"";
  auto seq = engine->transact("both",
                              {{LocalMutation::Op::kInsert, "notes", note_key, {{"id", "30"}, {"owner_id", "bob"}, {"body", "mine"}}},
                               {LocalMutation::Op::kInsert, "tasks", task_key, {{"id", "31"}, {"organization_id", "acme"}, {"title", "ours"}}}},
                              nlohmann::json({{"id", "both"},
                                              {"mutations",
                                               {{{"op", "insert"}, {"table", "notes"}, {"value", {{"id", 30}, {"owner_id", "bob"}, {"body", "mine"}}}},
                                                {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 31}, {"organization_id", "acme"}, {"title", "ours"}}}}}}})
                                  .dump());
  ASSERT_TRUE(seq.ok()) << seq.status().message();
  exchange();
  EXPECT_EQ(engine->state().transaction(*seq)->status, TxStatus::kCompleted);
  EXPECT_TRUE(engine->state().visible_row("notes", note_key)->synced);
  EXPECT_TRUE(engine->state().visible_row("tasks", task_key)->synced);
  // Revoked from acme: the tasks shape is refused and what tasks held is purged; bob may still
  // read his notes, which stay.
  std::string alice = login("alice");
  write_routed(alice, "revoke", {{{"op", "delete"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}}}}});
  exchange();
  EXPECT_TRUE(engine->denied());
  EXPECT_TRUE(engine->state().visible("tasks").empty());
  EXPECT_EQ(engine->state().visible("notes").size(), 2u);
  // Asked again after denied_retry: refused again, the notes untouched.
  now_ = now_ + Duration::seconds(2);
  exchange();
  EXPECT_TRUE(engine->denied());
  EXPECT_TRUE(engine->state().visible("tasks").empty());
  EXPECT_EQ(engine->state().visible("notes").size(), 2u);
  // A note written meanwhile still reaches him on the notes stream.
  write_routed(bob, "n40", {{{"op", "insert"}, {"table", "notes"}, {"value", {{"id", 40}, {"owner_id", "bob"}, {"body", "later"}}}}});
  exchange();
  EXPECT_EQ(engine->state().visible("notes").size(), 3u);
  // Granted again: the next ask brings tasks back.
  write_routed(alice, "grant", {{{"op", "insert"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "member"}}}}});
  now_ = now_ + Duration::seconds(2);
  exchange();
  EXPECT_FALSE(engine->denied());
  EXPECT_EQ(engine->state().visible("tasks").size(), 3u);  // acme's two and the one bob wrote
  EXPECT_EQ(engine->state().visible("notes").size(), 3u);
}

TEST_F(ClientEngineAuthTest, APeriodicDataVersionCheckPurgesAfterAPermissionChange) {
  std::string bob = login("bob");
  auto e = ClientEngine::open({.collection = "tasks", .user = "bob", .user_token = bob, .route = "/v1/shape/org/acme/tasks",
                               .data_version_every = Duration::seconds(30)},
                              nullptr, Random(7));
  ASSERT_TRUE(e.ok());
  engine = std::move(*e);
  exchange();
  ASSERT_EQ(engine->state().visible("tasks").size(), 2u);
  EXPECT_EQ(engine->purges(), 0u);  // the first version is only stored
  std::string alice = login("alice");
  write_routed(alice, "promote", {{{"op", "update"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "owner"}}}}});
  now_ = now_ + Duration::seconds(31);
  exchange();
  EXPECT_EQ(engine->purges(), 1u);
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);  // and synced again
  now_ = now_ + Duration::seconds(31);
  exchange();
  EXPECT_EQ(engine->purges(), 1u);  // the same version: nothing more
}

TEST_F(ClientEngineAuthTest, EnginesOfOneDeviceShareOneTokenAndLearnADenialFromIt) {
  std::string bob = login("bob");
  auto shared = std::make_shared<ShapeTokens>(ShapeTokensOptions{}, Random(9));
  auto open = [&](uint64_t seed) {
    auto e = ClientEngine::open({.collection = "tasks", .shape = {.table = "tasks"}, .user = "bob", .user_token = bob,
                                 .data_version_every = Duration::seconds(0), .shared_tokens = shared},
                                nullptr, Random(seed));
    EXPECT_TRUE(e.ok());
    return std::move(*e);
  };
  engine = open(10);
  std::unique_ptr<ClientEngine> tab2 = open(11);
  exchange();
  ASSERT_TRUE(engine->stream().up_to_date());
  std::swap(engine, tab2);
  exchange();  // the second tab streams with the token the first one got
  std::swap(engine, tab2);
  ASSERT_TRUE(tab2->stream().up_to_date());
  EXPECT_EQ(tab2->state().visible("tasks").size(), 2u);
  EXPECT_EQ(shared->requests_sent(), 1u);
  // Revoked: the first tab's refresh is refused; the second learns it from the cache on its
  // next poll (its own parked request is still out) and purges too, without asking again.
  std::string alice = login("alice");
  write_routed(alice, "revoke", {{{"op", "delete"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}}}}});
  exchange();
  ASSERT_TRUE(engine->denied());
  uint64_t sent = shared->requests_sent();
  EXPECT_FALSE(tab2->poll(now_).has_value());
  EXPECT_TRUE(tab2->denied());
  EXPECT_TRUE(tab2->state().visible("tasks").empty());
  EXPECT_EQ(shared->requests_sent(), sent);
}

}  // namespace
}  // namespace shapesim::auth::testing
