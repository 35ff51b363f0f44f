// Auth under --pg (labels `pg` and `auth`): the identity tables live in PostgreSQL, so a plain
// SQL UPDATE or DELETE of a membership is a permission change. Arriving through replication,
// it releases the user's parked requests (AuthGate::observe) and makes their tokens stale.
#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/auth/auth_gate.h"
#include "reference/pg/testing/replication_rig.h"

namespace shapesim::auth {
namespace {

using nlohmann::json;
using pg::testing::ReplicationRig;

const char* kSetup =
    "DROP TABLE IF EXISTS users, organizations, memberships, tasks, notes;"
    "CREATE TABLE users (id text PRIMARY KEY, name text);"
    "CREATE TABLE organizations (id text PRIMARY KEY, name text);"
    "CREATE TABLE memberships (user_id text, organization_id text, role text, PRIMARY KEY (user_id, organization_id));"
    "CREATE TABLE tasks (id int8 PRIMARY KEY, organization_id text, title text, done bool, budget int4);"
    "CREATE TABLE notes (id int8 PRIMARY KEY, owner_id text, body text);"
    "INSERT INTO users VALUES ('alice', 'Alice'), ('bob', 'Bob');"
    "INSERT INTO memberships VALUES ('alice', 'acme', 'owner'), ('bob', 'acme', 'member');"
    "INSERT INTO tasks VALUES (1, 'acme', 'a', false, 1), (2, 'globex', 'g', false, 2);";

class PgAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("SHAPESIM_PG_URL");
    if (!url) GTEST_SKIP() << "SHAPESIM_PG_URL is not set (run through ctest -L pg, which starts PostgreSQL)";
    auto rig = ReplicationRig::start(url, "shapesim_auth_test", kSetup, ServerConfig{.long_poll_timeout = Duration::seconds(3600)});
    ASSERT_TRUE(rig.ok()) << rig.status().to_string();
    rig_ = std::move(*rig);
    auto policy = load_policy_file(std::string(SHAPESIM_SOURCE_DIR) + "/docs/examples/auth/policy.json");
    ASSERT_TRUE(policy.ok());
    auto gate = AuthGate::create(std::move(*policy), rig_->server());
    ASSERT_TRUE(gate.ok()) << gate.status().message();
    gate_ = std::move(*gate);
  }

  ServerOutput send(const std::string& target, const std::string& token, RequestId id) {
    auto req = HttpRequest::from_target("GET", target);
    req->headers["authorization"] = "Bearer " + token;
    return gate_->handle(id, *req, now_);
  }

  // Replicates until an output answers `id` (or ~10 s pass).
  bool answered_by_replication(RequestId id) {
    for (int round = 0; round < 40; ++round) {
      auto out = rig_->wait_and_drain(250, now_);
      if (!out.ok()) return false;
      ServerOutput seen = gate_->observe(std::move(*out), now_);
      bool found = false;
      for_each_response(seen, [&](RequestId rid, const HttpResponse&) { found = found || rid == id; });
      if (found) return true;
    }
    return false;
  }

  std::unique_ptr<ReplicationRig> rig_;
  std::unique_ptr<AuthGate> gate_;
  Timestamp now_{Duration::seconds(1'800'000'000)};
};

TEST_F(PgAuthTest, ASqlMembershipChangeReleasesAndRevokes) {
  std::string bob = gate_->user_token("bob", now_);
  auto first = send("/v1/shape/org/acme/tasks?offset=-1", bob, RequestId{1});
  ASSERT_EQ(first.responses.size(), 1u);
  ASSERT_EQ(first.responses[0].second.status, 200) << first.responses[0].second.body;
  const auto& r = first.responses[0].second;
  std::string resume = "offset=" + *r.header("electric-offset") + "&handle=" + *r.header("electric-handle");
  auto parked = send("/v1/shape/org/acme/tasks?" + resume + "&live=true", bob, RequestId{2});
  ASSERT_TRUE(parked.responses.empty());
  std::string before = gate_->data_version("bob");
  // A demotion in plain SQL: replicated, noticed, bob's parked request answered.
  ASSERT_TRUE(rig_->sql("UPDATE memberships SET role = 'viewer' WHERE user_id = 'bob'").ok());
  EXPECT_TRUE(answered_by_replication(RequestId{2}));
  EXPECT_NE(gate_->data_version("bob"), before);
  EXPECT_EQ(gate_->directory().role("bob", "acme"), Role::kViewer);
  // As a viewer the route serves fewer columns: the old handle is sent to the new shape (409).
  auto moved = send("/v1/shape/org/acme/tasks?" + resume + "&live=true", bob, RequestId{3});
  ASSERT_EQ(moved.responses.size(), 1u);
  EXPECT_EQ(moved.responses[0].second.status, 409);
  // A revocation in plain SQL: the route refuses bob.
  ASSERT_TRUE(rig_->sql("DELETE FROM memberships WHERE user_id = 'bob'").ok());
  for (int round = 0; round < 40 && gate_->directory().role("bob", "acme"); ++round) {
    auto out = rig_->wait_and_drain(250, now_);
    ASSERT_TRUE(out.ok());
    gate_->observe(std::move(*out), now_);
  }
  auto refused = send("/v1/shape/org/acme/tasks?offset=-1", bob, RequestId{4});
  ASSERT_EQ(refused.responses.size(), 1u);
  EXPECT_EQ(refused.responses[0].second.status, 403);
}

// Issue 28, 3, under --pg: a revocation's own rows, and those of transactions replicated with
// it, never reach the revoked user; the owner on the same route gets them.
TEST_F(PgAuthTest, RowsReplicatedWithARevocationNeverReachTheRevokedUser) {
  std::string bob = gate_->user_token("bob", now_);
  std::string alice = gate_->user_token("alice", now_);
  auto live = [&](const std::string& token, RequestId first_id, RequestId live_id) {
    auto first = send("/v1/shape/org/acme/tasks?offset=-1", token, first_id);
    const auto& r = first.responses.at(0).second;
    auto parked = send("/v1/shape/org/acme/tasks?offset=" + *r.header("electric-offset") + "&handle=" +
                           *r.header("electric-handle") + "&live=true",
                       token, live_id);
    return parked.responses.empty();
  };
  ASSERT_TRUE(live(bob, RequestId{1}, RequestId{2}));
  ASSERT_TRUE(live(alice, RequestId{3}, RequestId{4}));
  ASSERT_TRUE(rig_->sql("BEGIN; INSERT INTO tasks VALUES (201, 'acme', 'with-revoke-1', false, 1);"
                        "DELETE FROM memberships WHERE user_id = 'bob';"
                        "INSERT INTO tasks VALUES (202, 'acme', 'with-revoke-2', false, 1); COMMIT;"
                        "INSERT INTO tasks VALUES (203, 'acme', 'after-revoke', false, 1);").ok());
  bool bob_answered = false, alice_got_them = false;
  for (int round = 0; round < 40 && !(bob_answered && alice_got_them); ++round) {
    auto out = rig_->wait_and_drain(250, now_);
    ASSERT_TRUE(out.ok());
    ServerOutput seen = gate_->observe(std::move(*out), now_);
    for_each_response(seen, [&](RequestId id, const HttpResponse& r) {
      if (id == RequestId{2}) {
        bob_answered = true;
        EXPECT_EQ(r.body.find("revoke"), std::string::npos) << r.body;
      }
      if (id == RequestId{4}) alice_got_them = r.body.find("with-revoke-2") != std::string::npos;
    });
  }
  EXPECT_TRUE(bob_answered);
  EXPECT_TRUE(alice_got_them);
}

}  // namespace
}  // namespace shapesim::auth
