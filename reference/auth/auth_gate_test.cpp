// AuthGate: the 400/401/403/404/200 matrix for login, gatekeeper, proxy, routes and writes,
// and the release of a user's requests when their permissions change.
#include "reference/auth/auth_gate_fixture.h"

namespace shapesim::auth::testing {
namespace {

using nlohmann::json;

std::string error_of(const HttpResponse& r) { return json::parse(r.body).value("error", ""); }

std::set<std::string> row_keys(const HttpResponse& r) {
  std::set<std::string> keys;
  for (const auto& m : json::parse(r.body)) {
    if (m.contains("key")) keys.insert(m["key"].get<std::string>());
  }
  return keys;
}

TEST_F(AuthGateTest, LoginAnswersAUserTokenForAKnownUserAndTheSharedSecret) {
  auto ok = call("POST", "/api/auth/login", "", R"({"user_id":"bob","secret":"dev-login-secret"})");
  ASSERT_EQ(ok.status, 200);
  auto body = json::parse(ok.body);
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["data_version"], gate_->data_version("bob"));
  EXPECT_EQ(call("POST", "/api/auth/login", "", R"({"user_id":"bob","secret":"wrong"})").status, 401);
  EXPECT_EQ(call("POST", "/api/auth/login", "", R"({"user_id":"mallory","secret":"dev-login-secret"})").status, 401);
  EXPECT_EQ(call("POST", "/api/auth/login", "", "not json").status, 400);
  EXPECT_EQ(call("POST", "/api/auth/login", "", R"({"user_id":"bob"})").status, 400);
  EXPECT_EQ(call("GET", "/api/auth/login").status, 405);
  auto dv = call("GET", "/api/auth/data-version", body["token"]);
  ASSERT_EQ(dv.status, 200);
  EXPECT_EQ(json::parse(dv.body)["memberships"], json({{"acme", "member"}}));
}

TEST_F(AuthGateTest, MissingOrBadTokensAre401AndNeverCached) {
  auto missing = call("GET", "/v1/shape?table=tasks&offset=-1");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(error_of(missing), "missing authorization header");
  EXPECT_EQ(*missing.header("cache-control"), "no-store");
  EXPECT_EQ(*missing.header("vary"), "authorization");
  auto bad = call("GET", "/v1/shape?table=tasks&offset=-1", "not.a.token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(error_of(bad), "invalid token");
  // A user token is not a shape token, and the other way round.
  std::string user = login("bob");
  EXPECT_EQ(call("GET", "/v1/shape?table=tasks&offset=-1", user).status, 401);
  std::string shape = gatekeeper(user, "tasks", nullptr)["token"];
  EXPECT_EQ(call("POST", "/api/gatekeeper/tasks", shape).status, 401);
  EXPECT_EQ(call("POST", "/api/mutations", shape, R"({"id":"x","mutations":[]})").status, 401);
  EXPECT_EQ(call("GET", "/v1/shape?table=tasks&offset=-1", std::string(kMaxTokenBytes + 100, 'a')).status, 400);
  // Expired: the core's clock decides.
  now_ = now_ + Duration::seconds(3600);
  EXPECT_EQ(call("GET", shape_target(gatekeeper(login("bob"), "tasks", nullptr)["shape"]), user).status, 401);
}

TEST_F(AuthGateTest, PathVariantsCannotBypassTheProxy) {
  for (const char* target : {"/v1//shape?table=tasks&offset=-1", "/v1/shape/?table=tasks&offset=-1",
                             "/v1/%73hape?table=tasks&offset=-1", "//v1/shape?table=tasks&offset=-1"}) {
    EXPECT_EQ(call("GET", target).status, 401) << target;
  }
  EXPECT_EQ(call("GET", "/v1/../v1/shape?table=tasks&offset=-1").status, 400);
  EXPECT_EQ(call("GET", "/v1/health").status, 200);
  EXPECT_EQ(call("GET", "/somewhere/else").status, 404);
}

TEST_F(AuthGateTest, GatekeeperMatrix) {
  std::string bob = login("bob");      // member of acme
  std::string carol = login("carol");  // viewer of acme, owner of globex
  EXPECT_EQ(call("POST", "/api/gatekeeper/tasks").status, 401);
  EXPECT_EQ(call("POST", "/api/gatekeeper/tasks", "x.y.z").status, 401);
  gatekeeper(bob, "nope", nullptr, 400);                                  // no such table
  gatekeeper(bob, "tasks", {{"where", "title ="}}, 400);                  // invalid where
  gatekeeper(bob, "tasks", {{"columns", {"nope"}}}, 400);                 // no such column
  gatekeeper(bob, "tasks", {{"bogus", 1}}, 400);                          // unknown field
  gatekeeper(bob, "tasks", {{"params", {1}}}, 400);                       // params are strings
  EXPECT_EQ(gatekeeper(bob, "users", nullptr, 403)["error"], "Not authorized for this data shape");  // no policy
  gatekeeper(bob, "tasks", {{"organization", "globex"}}, 403);           // not a member
  gatekeeper(carol, "tasks", nullptr, 400);                               // two organizations: say which
  gatekeeper(carol, "tasks", {{"organization", "acme"}, {"columns", {"id", "budget"}}}, 403);  // hidden from viewers
  auto viewer = gatekeeper(carol, "tasks", {{"organization", "acme"}});
  EXPECT_EQ(viewer["shape"]["columns"], json({"id", "organization_id", "title", "done"}));
  auto ok = gatekeeper(bob, "tasks", {{"where", "done = $1"}, {"params", {"false"}}});
  EXPECT_EQ(ok["shape"]["where"], "((\"done\" = $1) AND (\"organization_id\" = $2))");
  EXPECT_EQ(ok["shape"]["params"], json({"false", "acme"}));
  EXPECT_EQ(ok["url"], "/v1/shape");
  EXPECT_EQ(ok["headers"]["Authorization"], "Bearer " + ok["token"].get<std::string>());
  EXPECT_EQ(ok["expires_in"], 3600);
  EXPECT_EQ(ok["data_version"], gate_->data_version("bob"));
  // The scope is a parameter, never text in the where: a hostile organization name stays a value.
  auto hostile = gatekeeper(carol, "tasks", {{"organization", "globex' OR '1'='1"}}, 403);
}

TEST_F(AuthGateTest, ProxyForwardsOnlyTheBoundDefinition) {
  std::string bob = login("bob");
  auto granted = gatekeeper(bob, "tasks", {{"where", "done = $1"}, {"params", {"false"}}, {"columns", {"id", "title", "organization_id"}}});
  std::string token = granted["token"];
  auto ok = call("GET", shape_target(granted["shape"]), token);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(row_keys(ok), (std::set<std::string>{"\"public\".\"tasks\"/\"1\""}));
  EXPECT_EQ(*ok.header("vary"), "authorization");
  // Every bound field changed alone: 403.
  std::vector<json> variants;
  for (const char* field : {"table", "where", "params", "columns", "replica"}) {
    json s = granted["shape"];
    if (std::string(field) == "table") s["table"] = "notes";
    if (std::string(field) == "where") s["where"] = "(done = $1) AND  \"organization_id\" = $2";  // one more space
    if (std::string(field) == "params") s["params"][1] = "globex";
    if (std::string(field) == "columns") s["columns"] = {"id", "title", "organization_id", "budget"};
    if (std::string(field) == "replica") s["replica"] = "full";
    auto r = call("GET", shape_target(s), token);
    EXPECT_EQ(r.status, 403) << field;
    EXPECT_EQ(error_of(r), "Not authorized for this data shape") << field;
    EXPECT_EQ(*r.header("cache-control"), "no-store");
  }
  json first_param = granted["shape"];
  first_param["params"][0] = "true";
  EXPECT_EQ(call("GET", shape_target(first_param), token).status, 403);
  EXPECT_EQ(call("GET", shape_target(granted["shape"], "offset=-1&unknown=1"), token).status, 403);
  // Protocol parameters are the client's: a live request at the head parks, not 403.
  std::string handle = *ok.header("electric-handle");
  std::string offset = *ok.header("electric-offset");
  auto live = send("GET", shape_target(granted["shape"], "offset=" + offset + "&handle=" + handle + "&live=true&cursor=5"), token);
  EXPECT_TRUE(live.responses.empty());
  EXPECT_EQ(gate_->tracked_count(), 1u);
  EXPECT_EQ(call("GET", shape_target(granted["shape"], "offset=" + offset + "&handle=" + handle), token).status, 200);
}

TEST_F(AuthGateTest, RoutesScopeShapesByPathAndMembership) {
  std::string bob = login("bob");
  auto r = call("GET", "/v1/shape/org/acme/tasks?offset=-1", bob);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(row_keys(r), (std::set<std::string>{"\"public\".\"tasks\"/\"1\"", "\"public\".\"tasks\"/\"2\""}));
  // The client cannot widen it: definition parameters are dropped, protocol ones kept.
  auto widened = call("GET", "/v1/shape/org/acme/tasks?offset=-1&table=notes&where=true", bob);
  EXPECT_EQ(row_keys(widened), row_keys(r));
  auto open = call("GET", "/v1/shape/org/acme/open-tasks?offset=-1", bob);
  EXPECT_EQ(row_keys(open), (std::set<std::string>{"\"public\".\"tasks\"/\"1\""}));
  EXPECT_EQ(call("GET", "/v1/shape/org/globex/tasks?offset=-1", bob).status, 403);
  auto unknown = call("GET", "/v1/shape/org/acme/nope?offset=-1", bob);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_of(unknown), "shape not found");
  EXPECT_EQ(call("GET", "/v1/shape/org/acme/tasks?offset=-1").status, 401);
  auto notes = call("GET", "/v1/shape/me/notes?offset=-1", bob);
  EXPECT_EQ(row_keys(notes), (std::set<std::string>{"\"public\".\"notes\"/\"2\""}));
  EXPECT_EQ(call("POST", "/v1/shape/me/notes", bob).status, 405);
}

TEST_F(AuthGateTest, WritesAreCheckedMutationByMutationAndAppliedAllOrNothing) {
  std::string alice = login("alice");  // owner of acme
  std::string bob = login("bob");      // member of acme
  std::string carol = login("carol");  // viewer of acme
  write(bob, "b1", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 10}, {"organization_id", "acme"}, {"title", "t"}}}}});
  write(carol, "c1", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 11}, {"organization_id", "acme"}}}}}, 403);
  write(bob, "b2", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 12}, {"organization_id", "globex"}}}}}, 403);
  // One refused mutation refuses the batch: the first insert is not applied either.
  auto refused = call("POST", "/api/mutations", bob,
                      json({{"id", "b3"},
                            {"mutations", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 13}, {"organization_id", "acme"}}}},
                                           {{"op", "update"}, {"table", "tasks"}, {"value", {{"id", 1}, {"organization_id", "globex"}}}},
                                           {{"op", "delete"}, {"table", "tasks"}, {"value", {{"id", 2}}}}}}})
                          .dump());
  ASSERT_EQ(refused.status, 403);
  auto reasons = json::parse(refused.body)["mutations"];
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0]["index"], 1);
  EXPECT_EQ(reasons[0]["reason"], "cannot move the row to organization globex");
  EXPECT_EQ(reasons[1]["reason"], "a member may not delete in tasks");
  auto rows = server_->evaluate_from_scratch({.table = "tasks"});
  EXPECT_FALSE(rows->count("\"public\".\"tasks\"/\"13\""));
  write(alice, "a1", {{{"op", "delete"}, {"table", "tasks"}, {"value", {{"id", 2}}}}});
  write(bob, "b4", {{{"op", "update"}, {"table", "tasks"}, {"value", {{"id", 3}, {"title", "mine now"}}}}}, 403);  // globex's
  // Owner-scoped rows: one's own only, and never given away.
  write(bob, "n1", {{{"op", "update"}, {"table", "notes"}, {"value", {{"id", 2}, {"body", "edited"}}}}});
  write(bob, "n2", {{{"op", "update"}, {"table", "notes"}, {"value", {{"id", 1}, {"body", "hacked"}}}}}, 403);
  write(bob, "n3", {{{"op", "update"}, {"table", "notes"}, {"value", {{"id", 2}, {"owner_id", "alice"}}}}}, 403);
  write(bob, "n4", {{{"op", "insert"}, {"table", "notes"}, {"value", {{"id", 9}, {"owner_id", "alice"}}}}}, 403);
  write(bob, "u1", {{{"op", "insert"}, {"table", "users"}, {"value", {{"id", "eve"}}}}}, 403);  // no policy
  // Batch ids are per user: the same id from another user is another batch.
  uint64_t a = write(alice, "same", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 20}, {"organization_id", "acme"}}}}});
  uint64_t b = write(bob, "same", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 21}, {"organization_id", "acme"}}}}});
  EXPECT_NE(a, b);
  EXPECT_EQ(write(bob, "same", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 21}, {"organization_id", "acme"}}}}}), b);
  EXPECT_EQ(call("POST", "/api/mutations", "", R"({"id":"x","mutations":[]})").status, 401);
}

TEST_F(AuthGateTest, ARevokedMembershipReleasesTheUsersRequestsAtOnce) {
  std::string alice = login("alice");
  std::string bob = login("bob");
  auto granted = gatekeeper(bob, "tasks", nullptr);
  std::string token = granted["token"];
  auto first = call("GET", shape_target(granted["shape"]), token);
  std::string resume = "offset=" + *first.header("electric-offset") + "&handle=" + *first.header("electric-handle");
  ASSERT_TRUE(send("GET", shape_target(granted["shape"], resume + "&live=true"), token).responses.empty());
  auto routed = call("GET", "/v1/shape/org/acme/tasks?offset=-1", bob);
  std::string route_resume = "offset=" + *routed.header("electric-offset") + "&handle=" + *routed.header("electric-handle");
  ASSERT_TRUE(send("GET", "/v1/shape/org/acme/tasks?" + route_resume + "&live=true", bob).responses.empty());
  // Alice's own parked request is not released by Bob's change.
  auto alices = gatekeeper(alice, "tasks", nullptr);
  auto alice_first = call("GET", shape_target(alices["shape"]), alices["token"]);
  ASSERT_TRUE(send("GET", shape_target(alices["shape"], "offset=" + *alice_first.header("electric-offset") + "&handle=" +
                                                         *alice_first.header("electric-handle") + "&live=true"),
                   alices["token"]).responses.empty());
  ASSERT_EQ(gate_->tracked_count(), 3u);
  std::string before = gate_->data_version("bob");
  // The owner revokes Bob: the write's output already answers Bob's two parked requests.
  auto out = send("POST", "/api/mutations", alice,
                  json({{"id", "revoke"}, {"mutations", {{{"op", "delete"}, {"table", "memberships"},
                                                          {"value", {{"user_id", "bob"}, {"organization_id", "acme"}}}}}}}).dump());
  // They are released before the transaction reaches any shape, so they lead the output.
  ASSERT_EQ(out.responses.size(), 3u);
  EXPECT_EQ(out.responses[0].first, RequestId{5});  // the parked shape-token request
  EXPECT_EQ(out.responses[1].first, RequestId{7});  // the parked route request
  EXPECT_EQ(out.responses[2].second.status, 200);  // the write
  EXPECT_EQ(gate_->tracked_count(), 1u);
  EXPECT_NE(gate_->data_version("bob"), before);
  // Bob's next requests are refused: the shape token is stale, the route checks membership.
  auto stale = call("GET", shape_target(granted["shape"], resume), token);
  EXPECT_EQ(stale.status, 401);
  EXPECT_EQ(error_of(stale), "stale data version: get a new shape token");
  EXPECT_EQ(call("GET", "/v1/shape/org/acme/tasks?" + route_resume, bob).status, 403);
  gatekeeper(bob, "tasks", nullptr, 403);  // no organization left: nothing to read
  // A grant is a permission change too: a new token works again.
  write(alice, "regrant", {{{"op", "insert"}, {"table", "memberships"}, {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "viewer"}}}}});
  auto again = gatekeeper(bob, "tasks", nullptr);
  EXPECT_EQ(again["shape"]["columns"], json({"id", "organization_id", "title", "done"}));
  EXPECT_EQ(call("GET", shape_target(again["shape"]), again["token"]).status, 200);
}

TEST_F(AuthGateTest, AStreamOfARevokedUserEnds) {
  std::string alice = login("alice");
  std::string bob = login("bob");
  auto routed = call("GET", "/v1/shape/org/acme/tasks?offset=-1", bob);
  std::string resume = "offset=" + *routed.header("electric-offset") + "&handle=" + *routed.header("electric-handle");
  auto sse = send("GET", "/v1/shape/org/acme/tasks?" + resume + "&live=true&live_sse=true", bob);
  ASSERT_EQ(sse.responses.size(), 1u);
  ASSERT_TRUE(sse.responses[0].second.streaming);
  EXPECT_EQ(gate_->tracked_count(), 1u);
  auto out = send("POST", "/api/mutations", alice,
                  json({{"id", "demote"}, {"mutations", {{{"op", "update"}, {"table", "memberships"},
                                                          {"value", {{"user_id", "bob"}, {"organization_id", "acme"}, {"role", "viewer"}}}}}}}).dump());
  bool ended = false;
  for (const auto& e : out.stream_events) ended = ended || (e.id == sse.responses[0].first && e.end);
  EXPECT_TRUE(ended);
  EXPECT_EQ(gate_->tracked_count(), 0u);
}

}  // namespace
}  // namespace shapesim::auth::testing

namespace shapesim::auth::testing {
namespace {

// Found by fuzz_auth: an update whose value lacks the primary key threw out of the store's
// row lookup. It is refused with the reason, nothing applied.
TEST_F(AuthGateTest, AnUpdateWithoutItsKeyIsRefusedNotThrown) {
  std::string bob = login("bob");
  auto r = call("POST", "/api/mutations", bob, R"({"id":"k","mutations":[{"op":"update","table":"tasks","value":{"title":"x"}}]})");
  EXPECT_TRUE(r.status == 400 || r.status == 403) << r.status << " " << r.body;
}

}  // namespace
}  // namespace shapesim::auth::testing

namespace shapesim::auth::testing {
namespace {

// Found by fuzz_auth: a table name with invalid UTF-8 was echoed into a JSON error and threw.
TEST_F(AuthGateTest, InvalidUtf8InThePathIsAnsweredNotThrown) {
  auto r = call("POST", "/api/gatekeeper/t%F9sks", login("bob"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace shapesim::auth::testing

namespace shapesim::auth::testing {
namespace {

// Issue 28, 3: the revoking transaction's own rows never reach the revoked user, in either
// order of the batch, on a parked long-poll, a route long-poll or an SSE stream.
TEST_F(AuthGateTest, RowsOfTheRevokingTransactionNeverReachTheRevokedUser) {
  for (bool delete_first : {true, false}) {
    if (!delete_first) {  // a fresh deployment (the gate goes before its server)
      gate_.reset();
      server_.reset();
      SetUp();
    }
    std::string alice = login("alice");
    std::string bob = login("bob");
    auto live = [&](const std::string& base, const HttpResponse& first) {
      return base + (base.find('?') == std::string::npos ? "?" : "&") + "offset=" + *first.header("electric-offset") +
             "&handle=" + *first.header("electric-handle") + "&live=true";
    };
    auto granted = gatekeeper(bob, "tasks", nullptr);
    std::string token = granted["token"];
    auto gk_first = call("GET", shape_target(granted["shape"]), token);
    ASSERT_TRUE(send("GET", shape_target(granted["shape"], "offset=" + *gk_first.header("electric-offset") + "&handle=" +
                                                                *gk_first.header("electric-handle") + "&live=true"),
                     token).responses.empty());
    std::set<RequestId> bobs{RequestId{next_id_ - 1}};
    auto routed = call("GET", "/v1/shape/org/acme/tasks?offset=-1", bob);
    ASSERT_TRUE(send("GET", live("/v1/shape/org/acme/tasks", routed), bob).responses.empty());
    bobs.insert(RequestId{next_id_ - 1});
    auto sse = send("GET", live("/v1/shape/org/acme/tasks", routed) + "&live_sse=true", bob);
    ASSERT_EQ(sse.responses.size(), 1u);
    bobs.insert(RequestId{next_id_ - 1});
    // Alice, on the same route, parks too: she must get task 201.
    auto alices = call("GET", "/v1/shape/org/acme/tasks?offset=-1", alice);
    ASSERT_TRUE(send("GET", live("/v1/shape/org/acme/tasks", alices), alice).responses.empty());
    RequestId alice_poll{next_id_ - 1};

    json revoke = {{"op", "delete"}, {"table", "memberships"}, {"key", {{"user_id", "bob"}, {"organization_id", "acme"}}}};
    json insert = {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 201}, {"organization_id", "acme"}, {"title", "after-revoke"}}}};
    auto out = send("POST", "/api/mutations", alice,
                    json({{"id", "r"}, {"mutations", delete_first ? json::array({revoke, insert}) : json::array({insert, revoke})}}).dump());
    bool alice_saw_it = false;
    size_t bob_answers = 0;
    for (const auto& [id, r] : out.responses) {
      if (bobs.count(id)) {
        ++bob_answers;
        EXPECT_EQ(r.body.find("after-revoke"), std::string::npos) << "bob's request " << id.value << " got " << r.body;
      }
      if (id == alice_poll) alice_saw_it = r.body.find("after-revoke") != std::string::npos;
    }
    bool stream_ended = false;
    for (const auto& e : out.stream_events) {
      if (!bobs.count(e.id)) continue;
      EXPECT_EQ(e.data.find("after-revoke"), std::string::npos) << e.data;
      stream_ended = stream_ended || e.end;
    }
    EXPECT_EQ(bob_answers, 2u);
    EXPECT_TRUE(stream_ended);
    EXPECT_TRUE(alice_saw_it);
    EXPECT_EQ(gate_->tracked_count(), 0u);
  }
}

}  // namespace
}  // namespace shapesim::auth::testing

namespace shapesim::auth::testing {
namespace {

// Issue 28, 5: one Host and origin policy for every endpoint under auth; only --cors-origin
// allows another origin.
TEST(AuthGateOrigins, EveryEndpointRefusesForeignOriginsAndHosts) {
  auto store = EmbeddedStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  size_t created = 0;
  ASSERT_TRUE(load_schema_file(source_path("docs/examples/auth/schema.json"), **store, created).ok());
  ServerConfig config;
  config.policy = RequestPolicy::for_listen_address("127.0.0.1", {"http://app.example"}, {});
  ShapeServer server(config, std::move(*store));
  auto policy = load_policy_file(source_path("docs/examples/auth/policy.json"));
  ASSERT_TRUE(policy.ok());
  auto gate = AuthGate::create(std::move(*policy), server);
  ASSERT_TRUE(gate.ok());
  Timestamp now{Duration::seconds(1'800'000'000)};
  uint64_t next = 1;
  auto call = [&](const std::string& method, const std::string& target, const std::map<std::string, std::string>& headers,
                  const std::string& body = "") {
    auto req = HttpRequest::from_target(method, target);
    for (const auto& [k, v] : headers) req->headers[k] = v;
    req->body = body;
    auto out = (*gate)->handle(RequestId{next++}, *req, now);
    out.expand_shared();
    return out.responses.at(0).second;
  };
  const std::string login_body = R"({"user_id":"bob","secret":"dev-login-secret"})";
  const std::string bob = (*gate)->user_token("bob", now);
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/v1/shape?table=tasks&offset=-1"}, {"GET", "/v1/shape/org/acme/tasks?offset=-1"},
      {"POST", "/api/gatekeeper/tasks"},          {"POST", "/api/auth/login"},
      {"GET", "/api/auth/data-version"},          {"POST", "/api/mutations"},
      {"GET", "/v1/health"}};
  for (const auto& [method, target] : endpoints) {
    auto preflight = call("OPTIONS", target, {{"origin", "http://evil.com"}, {"host", "127.0.0.1:3000"},
                                              {"access-control-request-method", method},
                                              {"access-control-request-headers", "authorization"}});
    EXPECT_EQ(preflight.status, 403) << target;
    EXPECT_FALSE(preflight.header("access-control-allow-origin")) << target;
    auto direct = call(method, target, {{"origin", "http://evil.com"}, {"host", "127.0.0.1:3000"}, {"authorization", "Bearer " + bob}},
                       target == "/api/auth/login" ? login_body : "");
    EXPECT_EQ(direct.status, 403) << target << ": " << direct.body;
    auto rebound = call(method, target, {{"host", "evil.com"}, {"authorization", "Bearer " + bob}},
                        target == "/api/auth/login" ? login_body : "");
    EXPECT_EQ(rebound.status, 403) << target << ": " << rebound.body;
    // The listed origin and the server's own pass the preflight, and are echoed.
    for (const char* origin : {"http://app.example", "http://127.0.0.1:3000"}) {
      auto ok = call("OPTIONS", target, {{"origin", origin}, {"host", "127.0.0.1:3000"}, {"access-control-request-method", method}});
      EXPECT_EQ(ok.status, 204) << target << " from " << origin;
      EXPECT_EQ(ok.header("access-control-allow-origin").value_or(""), origin);
    }
  }
  // Without Origin (a non-browser client), login works as before.
  EXPECT_EQ(call("POST", "/api/auth/login", {{"host", "localhost:3000"}}, login_body).status, 200);
}

}  // namespace
}  // namespace shapesim::auth::testing
