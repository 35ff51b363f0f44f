// ShapeTokens (the client's gatekeeper side) against the real AuthGate in-process: one request
// for N streams, proactive refresh before expiry, a fresh token after a permission change, no
// requests offline, denial and bounded retries.
#include "reference/client/shape_tokens.h"

#include "reference/auth/auth_gate_fixture.h"

namespace shapesim::auth::testing {
namespace {

class ShapeTokensTest : public AuthGateTest {
 protected:
  // Hands the next token request to the gate and its answer back; false if none was due.
  bool serve(ShapeTokens& tokens) {
    auto req = tokens.poll(now_);
    if (!req) return false;
    auto out = gate_->handle(RequestId{next_id_++}, req->request, now_);
    EXPECT_EQ(out.responses.size(), 1u);
    tokens.on_response(req->shape_key, out.responses.at(0).second, now_);
    return true;
  }

  // The shape request the granted definition and token make (as a stream would send it).
  HttpResponse fetch(const ShapeTokens& tokens, const ShapeDefinition& wanted) {
    auto granted = tokens.granted(wanted);
    EXPECT_TRUE(granted.has_value());
    HttpRequest req;
    req.path = "/v1/shape";
    granted->to_query(req.query);
    req.query["offset"] = "-1";
    req.headers["authorization"] = "Bearer " + tokens.token(wanted, now_).value_or("");
    auto out = gate_->handle(RequestId{next_id_++}, req, now_);
    return out.responses.at(0).second;
  }

  ShapeDefinition open_tasks{.table = "tasks", .where = "done = $1", .params = {"false"}};
};

TEST_F(ShapeTokensTest, ManyStreamsOneRequestAndTheTokenOpensTheShape) {
  ShapeTokens tokens({}, Random(1));
  tokens.set_user_token(login("bob"));
  tokens.want(open_tasks);
  tokens.want(open_tasks);  // a second stream of the same shape
  EXPECT_TRUE(serve(tokens));
  EXPECT_FALSE(serve(tokens));  // single flight: nothing more to ask
  EXPECT_EQ(tokens.requests_sent(), 1u);
  EXPECT_EQ(tokens.granted(open_tasks)->params, (std::vector<std::string>{"false", "acme"}));
  EXPECT_EQ(fetch(tokens, open_tasks).status, 200);
}

TEST_F(ShapeTokensTest, RefreshesBeforeExpiryAndAfterAPermissionChange) {
  ShapeTokens tokens({.refresh_before = Duration::seconds(60)}, Random(1));
  tokens.set_user_token(login("bob"));
  tokens.want(open_tasks);
  ASSERT_TRUE(serve(tokens));
  EXPECT_EQ(tokens.wake_at(), now_ + Duration::seconds(3600 - 60));
  now_ = now_ + Duration::seconds(3500);
  EXPECT_FALSE(serve(tokens));
  now_ = now_ + Duration::seconds(40);
  EXPECT_TRUE(serve(tokens));  // proactively, before the old one expired
  // A permission change (bob promoted): the token in hand is stale; the stream's 401 says so.
  write(login("alice"), "promote", {{{"op", "update"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "owner"}}}}});
  EXPECT_EQ(fetch(tokens, open_tasks).status, 401);
  std::string stale = *tokens.token(open_tasks, now_);
  tokens.invalidate(open_tasks, stale);
  EXPECT_FALSE(tokens.token(open_tasks, now_).has_value());
  EXPECT_TRUE(serve(tokens));
  EXPECT_EQ(fetch(tokens, open_tasks).status, 200);
  // A second stream parked on the stale token answers 401 after the refresh: one refresh
  // serves both, nothing more is asked.
  uint64_t sent = tokens.requests_sent();
  tokens.invalidate(open_tasks, stale);
  EXPECT_TRUE(tokens.token(open_tasks, now_).has_value());
  EXPECT_FALSE(serve(tokens));
  EXPECT_EQ(tokens.requests_sent(), sent);
}

TEST_F(ShapeTokensTest, NothingGoesOutOfflineAndADeniedShapeIsReported) {
  ShapeTokens tokens({}, Random(1));
  tokens.set_user_token(login("bob"));
  tokens.set_online(false);
  tokens.want(open_tasks);
  EXPECT_FALSE(tokens.poll(now_).has_value());
  EXPECT_FALSE(tokens.wake_at().has_value());
  tokens.set_online(true);
  ShapeDefinition globex{.table = "tasks"};
  ShapeTokens other({}, Random(2));
  other.set_user_token("");  // not logged in: nothing is asked
  other.want(globex);
  EXPECT_FALSE(other.poll(now_).has_value());
  ShapeTokens notes({}, Random(3));
  notes.set_user_token(login("bob"));
  notes.want(ShapeDefinition{.table = "users"});  // no policy for users: 403
  ASSERT_TRUE(serve(notes));
  EXPECT_TRUE(notes.denied(ShapeDefinition{.table = "users"}));
}

TEST_F(ShapeTokensTest, ADeadGatekeeperIsRetriedABoundedNumberOfTimes) {
  ShapeTokens tokens({.max_attempts = 3, .initial_backoff = Duration::millis(100)}, Random(1));
  tokens.set_user_token("x");
  tokens.want(open_tasks);
  for (int i = 0; i < 10; ++i) {
    auto req = tokens.poll(now_);
    if (!req) {
      if (!tokens.wake_at()) break;
      now_ = *tokens.wake_at();
      continue;
    }
    tokens.on_network_error(req->shape_key, now_);
  }
  EXPECT_EQ(tokens.requests_sent(), 3u);
  ASSERT_TRUE(tokens.failed(open_tasks).has_value());
  EXPECT_EQ(*tokens.failed(open_tasks), "the gatekeeper did not answer after 3 attempts");
}

}  // namespace
}  // namespace shapesim::auth::testing
