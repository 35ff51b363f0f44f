// Issue 28, 6: data versions move forward only, logout, failed-login limits, token and batch
// id sizes as documented, strict login bodies and token payloads.
#include "reference/auth/auth_gate_fixture.h"
#include "reference/auth/login_limiter.h"
#include "reference/server/write_batch_json.h"

namespace shapesim::auth::testing {
namespace {

using nlohmann::json;

json membership(const std::string& role) {
  return {{"op", "update"}, {"table", "memberships"}, {"key", {{"user_id", "bob"}, {"organization_id", "acme"}}},
          {"value", {{"role", role}}}};
}

TEST_F(AuthGateTest, ATokenRevokedByARoleChangeStaysRevokedWhenTheRoleComesBack) {
  std::string alice = login("alice");
  json granted = gatekeeper(login("bob"), "tasks", nullptr);
  std::string target = shape_target(granted["shape"]);
  EXPECT_EQ(call("GET", target, granted["token"]).status, 200);
  std::string first = gate_->data_version("bob");
  write(alice, "demote", json::array({membership("viewer")}));
  write(alice, "promote", json::array({membership("member")}));
  EXPECT_NE(gate_->data_version("bob"), first);
  EXPECT_EQ(call("GET", target, granted["token"]).status, 401);
  // And after a restart of the gate over the same store (the epochs are kept there).
  std::string now_version = gate_->data_version("bob");
  gate_.reset();
  auto policy = load_policy_file(source_path("docs/examples/auth/policy.json"));
  ASSERT_TRUE(policy.ok());
  auto again = AuthGate::create(std::move(*policy), *server_);
  ASSERT_TRUE(again.ok());
  gate_ = std::move(*again);
  EXPECT_EQ(gate_->data_version("bob"), now_version);
  EXPECT_EQ(call("GET", target, granted["token"]).status, 401);
  json fresh = gatekeeper(login("bob"), "tasks", nullptr);
  EXPECT_EQ(call("GET", shape_target(fresh["shape"]), fresh["token"]).status, 200);
}

TEST_F(AuthGateTest, LogoutRevokesEveryTokenOfTheUserAndReleasesTheirRequests) {
  std::string bob = login("bob");
  std::string bob_phone = login("bob");
  std::string carol = login("carol");
  json granted = gatekeeper(bob, "tasks", nullptr);
  auto first = call("GET", "/v1/shape/org/acme/tasks?offset=-1", bob);
  ASSERT_TRUE(send("GET", "/v1/shape/org/acme/tasks?offset=" + *first.header("electric-offset") + "&handle=" +
                              *first.header("electric-handle") + "&live=true",
                   bob).responses.empty());
  ASSERT_EQ(gate_->tracked_count(), 1u);
  EXPECT_EQ(call("GET", "/api/auth/logout", bob).status, 405);
  EXPECT_EQ(call("POST", "/api/auth/logout").status, 401);
  auto out = send("POST", "/api/auth/logout", bob);
  ASSERT_EQ(out.responses.size(), 2u);  // the logout, and bob's parked request released
  EXPECT_EQ(out.responses[0].second.status, 200);
  EXPECT_EQ(gate_->tracked_count(), 0u);
  for (const std::string& token : {bob, bob_phone}) {
    auto refused = call("GET", "/api/auth/data-version", token);
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(json::parse(refused.body)["error"], "token revoked: log in again");
  }
  EXPECT_EQ(call("GET", shape_target(granted["shape"]), granted["token"]).status, 401);
  EXPECT_EQ(call("GET", "/api/auth/data-version", carol).status, 200);  // others keep theirs
  std::string again = login("bob");
  EXPECT_EQ(call("GET", "/api/auth/data-version", again).status, 200);
}

TEST_F(AuthGateTest, FailedLoginsAreLimitedPerUserAndPerAddress) {
  auto attempt = [&](const std::string& user, const std::string& secret, const std::string& peer) {
    auto req = HttpRequest::from_target("POST", "/api/auth/login");
    req->body = json({{"user_id", user}, {"secret", secret}}).dump();
    req->peer = peer;
    auto out = gate_->handle(RequestId{next_id_++}, *req, now_);
    return out.responses.at(0).second;
  };
  for (int i = 0; i < 10; ++i) EXPECT_EQ(attempt("bob", "wrong", "10.0.0.1").status, 401) << i;
  auto limited = attempt("bob", "wrong", "10.0.0.2");  // the user's limit, from another address
  EXPECT_EQ(limited.status, 429);
  ASSERT_TRUE(limited.header("retry-after"));
  EXPECT_EQ(*limited.header("retry-after"), "6");
  EXPECT_EQ(attempt("bob", "dev-login-secret", "10.0.0.2").status, 429);  // even the right secret waits
  EXPECT_EQ(attempt("alice", "wrong", "10.0.0.1").status, 429);           // the address's limit
  EXPECT_EQ(attempt("alice", "dev-login-secret", "10.0.0.3").status, 200);
  now_ = now_ + Duration::seconds(6);
  EXPECT_EQ(attempt("bob", "dev-login-secret", "10.0.0.2").status, 200);
  EXPECT_EQ(attempt("bob", "wrong", "10.0.0.2").status, 401);
  EXPECT_EQ(attempt("bob", "wrong", "10.0.0.2").status, 429);
}

TEST(LoginLimiter, MemoryIsBoundedAndForgettingOnlyFreesAKey) {
  LoginLimiter limits({.burst = 2, .refill = Duration::seconds(10), .max_keys = 100});
  Timestamp t{Duration::seconds(1000)};
  for (int i = 0; i < 10'000; ++i) limits.failed("k" + std::to_string(i), t + Duration::micro(i));
  EXPECT_EQ(limits.tracked(), 100u);
  limits.failed("x", t);
  EXPECT_FALSE(limits.blocked("x", t));
  limits.failed("x", t);
  ASSERT_TRUE(limits.blocked("x", t));
  EXPECT_EQ(*limits.blocked("x", t), 10);
  EXPECT_EQ(*limits.blocked("x", t + Duration::seconds(9)), 1);
  EXPECT_FALSE(limits.blocked("x", t + Duration::seconds(10)));
}

TEST_F(AuthGateTest, TheGatekeeperRefusesAShapeTooLargeForAToken) {
  std::string bob = login("bob");
  std::string where = "title <> '" + std::string(9000, 'x') + "'";
  auto r = call("POST", "/api/gatekeeper/tasks", bob, json({{"where", where}}).dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("too large for a token"), std::string::npos) << r.body;
  EXPECT_EQ(call("POST", "/api/gatekeeper/tasks", bob, json({{"where", "title <> 'x'"}}).dump()).status, 200);
}

TEST_F(AuthGateTest, ABatchIdOfTheDocumentedMaximumIsAccepted) {
  std::string bob = login("bob");
  json insert = {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 700}, {"organization_id", "acme"}, {"title", "t"}}}};
  uint64_t txid = write(bob, std::string(kMaxBatchIdBytes, 'i'), json::array({insert}));
  EXPECT_GT(txid, 0u);
  // A retry is answered with the same txid; one byte more is refused as documented.
  EXPECT_EQ(write(bob, std::string(kMaxBatchIdBytes, 'i'), json::array({insert})), txid);
  write(bob, std::string(kMaxBatchIdBytes + 1, 'i'), json::array({insert}), 400);
  // Stored ids of two users never collide, whatever the ids hold.
  EXPECT_NE(stored_batch_id("a/b", "c"), stored_batch_id("a", "b/c"));
  EXPECT_NE(stored_batch_id("bob", std::string(300, 'x')), stored_batch_id("bob", std::string(301, 'x')));
  EXPECT_LE(stored_batch_id(std::string(300, 'u'), std::string(kMaxBatchIdBytes, 'x')).size(), kMaxBatchIdBytes);
}

TEST_F(AuthGateTest, LoginBodiesAndTokenPayloadsAreStrict) {
  auto dup = call("POST", "/api/auth/login", "", R"({"user_id":"bob","user_id":"alice","secret":"dev-login-secret"})");
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(call("POST", "/api/auth/login", "", "\xEF\xBB\xBF{\"user_id\":\"bob\",\"secret\":\"dev-login-secret\"}").status, 400);
  // (A token whose payload starts with a byte-order mark: jwt_test's attack catalogue.)
}

}  // namespace
}  // namespace shapesim::auth::testing
