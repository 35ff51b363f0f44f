// Policy files: the example parses; every mistake is named by field (or line for syntax).
#include <gtest/gtest.h>

#include "reference/auth/auth_gate_fixture.h"
#include "reference/auth/policy.h"

namespace shapesim::auth {
namespace {

const std::string kKeys = R"("keys": [{"kid": "k", "secret": "0123456789abcdef0123456789abcdef"}])";

std::string policy_error(const std::string& text) {
  auto p = parse_policy(text, "p.json");
  return p.ok() ? "ok" : p.status().message();
}

TEST(PolicyTest, TheExampleParses) {
  auto p = load_policy_file(testing::source_path("docs/examples/auth/policy.json"));
  ASSERT_TRUE(p.ok()) << p.status().message();
  const TablePolicy* tasks = p->table("tasks");
  ASSERT_NE(tasks, nullptr);
  EXPECT_EQ(tasks->scope.column, "organization_id");
  EXPECT_TRUE(tasks->may(Role::kMember, Action::kInsert));
  EXPECT_FALSE(tasks->may(Role::kViewer, Action::kInsert));
  EXPECT_FALSE(tasks->may(Role::kMember, Action::kDelete));
  EXPECT_EQ(p->routes.size(), 3u);
  EXPECT_EQ(p->routes[0].segments, (std::vector<std::string>{"v1", "shape", "org", "{org_id}", "tasks"}));
}

TEST(PolicyTest, ErrorsNameTheFieldOrLine) {
  std::string tables = R"("tables": {"t": {"scope": {"organization": "org"}, "read": ["member"]}})";
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + "}"), "ok");
  EXPECT_EQ(policy_error("{\n  \"keys\": [\n  oops\n]}"), "p.json: line 3, column 3: not valid JSON");
  EXPECT_EQ(policy_error("[]"), "p.json: (top level): must be an object");
  EXPECT_EQ(policy_error("{" + tables + "}"), "p.json: keys: required: one or two {\"kid\": ..., \"secret\": ...} (two while rotating)");
  EXPECT_EQ(policy_error(R"({"keys": [{"kid": "k", "secret": "short"}], )" + tables + "}"), "p.json: keys[0].secret: must be at least 32 bytes");
  EXPECT_EQ(policy_error("{" + kKeys + R"(, "tables": {"t": {"scope": {"organization": "org"}, "read": ["member", "admin"]}}})"),
            "p.json: tables.t.read[1]: unknown role 'admin' (owner, member, viewer)");
  EXPECT_EQ(policy_error("{" + kKeys + R"(, "tables": {"t": {"scope": {"team": "org"}}}})"),
            "p.json: tables.t.scope.team: unknown scope (organization, owner)");
  EXPECT_EQ(policy_error("{" + kKeys + R"(, "tables": {"t": {"read": []}}})"),
            "p.json: tables.t.scope: required: {\"organization\": COLUMN} or {\"owner\": COLUMN}");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "colour": 1})"), "p.json: colour: unknown field");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "signing_kid": "nope"})"),
            "p.json: keys: the signing key 'nope' is not among the keys");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "routes": [{"path": "/x/t", "table": "t"}]})"),
            "p.json: routes[0].path: a route to an organization-scoped table needs {org_id}");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "routes": [{"path": "/x/{org}/t", "table": "t"}]})"),
            "p.json: routes[0].path: the only placeholder is a whole segment {org_id}");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "routes": [{"path": "/x/{org_id}/t", "table": "u"}]})"),
            "p.json: routes[0].table: no policy for table 'u' under \"tables\"");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "routes": [{"path": "/v1/shape", "table": "t"}]})"),
            "p.json: routes[0].path: must not shadow /v1/shape or /api/");
  EXPECT_EQ(policy_error("{" + kKeys + ", " + tables + R"(, "user_token_seconds": 0})"),
            "p.json: user_token_seconds: must be a positive integer");
  EXPECT_EQ(policy_error(std::string(500, '[') + std::string(500, ']')), "p.json: nested too deeply");
}

TEST(PolicyTest, TheGateChecksThePolicyAgainstTheTables) {
  auto store = EmbeddedStore::open(":memory:");
  ASSERT_TRUE(store.ok());
  ShapeServer server(ServerConfig{}, std::move(*store));
  auto policy = parse_policy("{" + kKeys + R"(, "tables": {"t": {"scope": {"organization": "org"}}}})", "p.json");
  ASSERT_TRUE(policy.ok());
  auto gate = AuthGate::create(std::move(*policy), server);
  ASSERT_FALSE(gate.ok());
  EXPECT_EQ(gate.status().message(), "identity table 'users' does not exist (create it, e.g. in --schema)");
}

}  // namespace
}  // namespace shapesim::auth
