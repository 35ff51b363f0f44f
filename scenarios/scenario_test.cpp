#include "scenarios/scenario.h"

#include <gtest/gtest.h>

#include "scenarios/scenario_runner.h"

namespace shapesim {
namespace {
using nlohmann::json;

json minimal() {
  return json::parse(R"({
    "name": "m",
    "tables": [{"name": "t", "columns": [{"name": "id", "type": "int8"}, {"name": "v", "type": "text"}], "primary_key": ["id"]}],
    "clients": [{"name": "a", "shape": {"table": "t"}}, {"name": "w"}],
    "steps": []
  })");
}

std::string error_of(json j) {
  auto s = parse_scenario(j, "x.json");
  return s.ok() ? "" : s.status().message();
}

TEST(Scenario, ParsesTheMinimalForm) {
  auto s = parse_scenario(minimal(), "x.json");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->clients.size(), 2u);
  EXPECT_TRUE(s->clients[0].shape.has_value());
  EXPECT_FALSE(s->clients[1].shape.has_value());
  EXPECT_EQ(s->server.chunk_bytes, 10000u);
}

TEST(Scenario, ErrorsNameTheFileTheStepAndTheProblem) {
  json j = minimal();
  j["steps"] = json::array({{{"step", "wait"}, {"ms", 5}}, {{"step", "write"}, {"client", "carol"}, {"mutations", json::array({1})}}});
  EXPECT_EQ(error_of(j), "x.json: step 2: unknown client \"carol\"");
  j["steps"] = json::array({{{"step", "jump"}}});
  EXPECT_EQ(error_of(j).rfind("x.json: step 1: unknown step \"jump\" (write, wait, settle, partition, heal, expect, crash, restart, clog, "
                              "delete_shape, transact, offline, online, crash_client, restart_client, login, logout, switch_org, ",
                              0),
            0u);
  j["steps"] = json::array({{{"step", "wait"}, {"ms", -1}}});
  EXPECT_EQ(error_of(j), "x.json: step 1: \"ms\" must be an integer >= 0");
  j["steps"] = json::array({{{"step", "wait"}, {"ms", 1}, {"typo", 1}}});
  EXPECT_EQ(error_of(j), "x.json: step 1: unknown field \"typo\"");
  j["steps"] = json::array({{{"step", "expect"}, {"client", "w"}, {"rows", 1}}});
  EXPECT_EQ(error_of(j), "x.json: step 1: client \"w\" has no shape to check");
  j["steps"] = json::array({{{"step", "expect"}, {"client", "a"}}});
  EXPECT_EQ(error_of(j), "x.json: step 1: an expect step needs at least one check");
}

json with_auth() {
  json j = minimal();
  j["auth"] = {{"policy", {{"keys", {{{"kid", "k"}, {"secret", std::string(40, 's')}}}},
                           {"tables", {{"tasks", {{"scope", {{"organization", "org"}}}, {"read", {"member"}}, {"insert", {"member"}}}}}},
                           {"routes", {{{"path", "/v1/shape/org/{org_id}/tasks"}, {"table", "tasks"}}}}}},
               {"users", {"ann"}},
               {"organizations", {"acme"}},
               {"memberships", {{{"user", "ann"}, {"org", "acme"}, {"role", "member"}}}},
               {"user_token_seconds", 60}};
  j["tables"].push_back({{"name", "tasks"}, {"columns", {{{"name", "id"}, {"type", "int8"}}, {{"name", "org"}, {"type", "text"}}}}, {"primary_key", {"id"}}});
  j["clients"].push_back({{"name", "ann"}, {"user", "ann"}, {"route", "/v1/shape/org/acme/tasks"}});
  return j;
}

TEST(Scenario, AnAuthSectionDeclaresIdentityAndRouteClients) {
  json j = with_auth();
  j["steps"] = json::array({{{"step", "transact"}, {"client", "ann"}, {"expect", "confirmed"},
                             {"mutations", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 1}, {"org", "acme"}}}}}}},
                            {{"step", "offline"}, {"client", "ann"}},
                            {{"step", "revoke"}, {"user", "ann"}, {"org", "acme"}},
                            {{"step", "grant"}, {"user", "ann"}, {"org", "acme"}, {"role", "viewer"}},
                            {{"step", "set_role"}, {"user", "ann"}, {"org", "acme"}, {"role", "owner"}},
                            {{"step", "switch_org"}, {"client", "ann"}, {"route", "/v1/shape/org/globex/tasks"}},
                            {{"step", "expire_tokens"}},
                            {{"step", "login"}, {"client", "ann"}, {"user", "bob"}},
                            {{"step", "expect_no_rows_from"}, {"client", "ann"}, {"org", "acme"}, {"within_ms", 500}}});
  auto s = parse_scenario(j, "x.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE(s->auth.has_value());
  EXPECT_EQ(s->auth->policy.user_token_seconds, 60);
  EXPECT_TRUE(s->find_table("public", "memberships"));  // declared for it
  EXPECT_EQ(s->seed_rows["memberships"].size(), 1u);
  const ScenarioClient* ann = s->find_client("ann");
  ASSERT_TRUE(ann && ann->shape && ann->route);
  EXPECT_EQ(ann->shape->table, "tasks");
  EXPECT_EQ(s->steps.size(), 9u);
}

TEST(Scenario, AuthErrorsNameTheProblem) {
  json j = with_auth();
  j["clients"][2]["route"] = "/v1/shape/nowhere";
  EXPECT_NE(error_of(j).find("matches no route of the policy"), std::string::npos);
  j = with_auth();
  j["auth"]["memberships"][0]["role"] = "admin";
  EXPECT_NE(error_of(j).find("owner|member|viewer"), std::string::npos);
  j = minimal();
  j["steps"] = json::array({{{"step", "expire_tokens"}}});
  EXPECT_NE(error_of(j).find("needs an \"auth\" section"), std::string::npos);
  j = with_auth();
  j["steps"] = json::array({{{"step", "transact"}, {"client", "ann"}, {"expect", "maybe"}, {"mutations", {1}}}});
  EXPECT_NE(error_of(j).find("\"confirmed\" or \"rolled_back\""), std::string::npos);
  j = with_auth();
  j["steps"] = json::array({{{"step", "expect_no_rows_from"}, {"client", "ann"}, {"org", "a"}, {"user", "b"}}});
  EXPECT_NE(error_of(j).find("one of"), std::string::npos);
  j = with_auth();
  j["auth"]["policy"] = "does-not-exist.json";
  EXPECT_NE(error_of(j).find("cannot open"), std::string::npos);
}

TEST(Scenario, AClientSyncsFurtherCollections) {
  json j = minimal();
  j["tables"].push_back({{"name", "c"}, {"columns", {{{"name", "id"}, {"type", "int8"}}, {{"name", "t_id"}, {"type", "int8"}}}}, {"primary_key", {"id"}}});
  j["clients"][0]["collections"] = json::array({{{"name", "notes"}, {"shape", {{"table", "c"}, {"where", "t_id = 1"}}}}});
  j["steps"] = json::array({{{"step", "expect"}, {"client", "a"}, {"collection", "notes"}, {"rows", 0}}});
  auto s = parse_scenario(j, "x.json");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_EQ(s->clients[0].collections.size(), 1u);
  EXPECT_EQ(s->clients[0].shape_of("notes")->where, "t_id = 1");
  EXPECT_EQ(s->clients[0].shape_of("main")->table, "t");
  EXPECT_EQ(s->clients[0].shape_of("other"), nullptr);

  json bad = j;
  bad["steps"][0]["collection"] = "other";
  EXPECT_EQ(error_of(bad), "x.json: step 1: client \"a\" syncs no collection \"other\"");
  bad = j;
  bad["clients"][0]["collections"][0]["name"] = "main";
  EXPECT_NE(error_of(bad).find("is used twice"), std::string::npos);
  bad = j;
  bad["clients"][0]["collections"][0]["shape"]["table"] = "nope";
  EXPECT_NE(error_of(bad).find("collection \"notes\": shape table \"nope\" is not declared"), std::string::npos);
  bad = j;
  bad["clients"][0]["collections"][0].erase("shape");
  EXPECT_NE(error_of(bad).find("give a shape or a route"), std::string::npos);
  bad = j;
  bad["clients"][0]["collections"][0]["colour"] = 1;
  EXPECT_NE(error_of(bad).find("unknown field \"colour\""), std::string::npos);
  bad = j;
  bad["clients"][1]["collections"] = bad["clients"][0]["collections"];  // a writer without a shape
  EXPECT_NE(error_of(bad).find("need the client's own shape"), std::string::npos);
  bad = j;
  bad["clients"][0]["collections"][0]["route"] = "/v1/shape/org/acme/tasks";
  bad["clients"][0]["collections"][0].erase("shape");
  EXPECT_NE(error_of(bad).find("needs the client's user"), std::string::npos);
}

TEST(Scenario, RejectsBadTopLevelFields) {
  json j = minimal();
  j.erase("name");
  EXPECT_NE(error_of(j).find("\"name\""), std::string::npos);
  j = minimal();
  j["clients"][0]["shape"]["table"] = "nope";
  EXPECT_NE(error_of(j).find("is not declared"), std::string::npos);
  j = minimal();
  j["network"] = {{"loss", 1.5}};
  EXPECT_NE(error_of(j).find("network.loss"), std::string::npos);
  j = minimal();
  j["clients"][1]["name"] = "a";
  EXPECT_NE(error_of(j).find("used twice"), std::string::npos);
  j = minimal();
  j["tables"][0]["primary_key"] = json::array({"missing"});
  EXPECT_NE(error_of(j).find("primary key column \"missing\" does not exist"), std::string::npos);
  EXPECT_FALSE(load_scenario_file("/nonexistent/file.json").ok());
}

TEST(ScenarioRunner, AFailedExpectationFailsTheRunAndSaysWhy) {
  json j = minimal();
  j["steps"] = json::array({
      {{"step", "write"}, {"client", "w"}, {"mutations", {{{"op", "insert"}, {"table", "t"}, {"value", {{"id", 1}, {"v", "x"}}}}}}},
      {{"step", "settle"}},
      {{"step", "expect"}, {"client", "a"}, {"rows", 2}},
      {{"step", "expect"}, {"client", "a"}, {"has", {{"id", 1}}}, {"values", {{"v", "y"}}}},
  });
  auto s = parse_scenario(j, "x.json");
  ASSERT_TRUE(s.ok());
  auto r = run_scenario(*s, {.seed = 1});
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.failures.size(), 2u);
  EXPECT_EQ(r.failures[0], "step 3 (expect) [a]: expected 2 rows, has 1");
  EXPECT_EQ(r.failures[1], "step 4 (expect) [a]: row \"public\".\"t\"/\"1\" column \"v\" is x, expected y");
}

TEST(ScenarioRunner, ARejectedWriteFailsTheRun) {
  json j = minimal();
  j["steps"] = json::array({
      {{"step", "write"}, {"client", "w"}, {"mutations", {{{"op", "delete"}, {"table", "t"}, {"key", {{"id", 9}}}}}}},
  });
  auto r = run_scenario(*parse_scenario(j, "x.json"), {.seed = 1});
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("was rejected"), std::string::npos);
}

TEST(ScenarioRunner, AClientThatCannotSettleIsALivenessFailure) {
  json j = minimal();
  j["settle_ms"] = 5000;
  j["steps"] = json::array({{{"step", "partition"}, {"isolate", {"a"}}},
                            {{"step", "write"}, {"client", "w"}, {"mutations", {{{"op", "insert"}, {"table", "t"}, {"value", {{"id", 1}}}}}}},
                            {{"step", "heal"}},
                            {{"step", "settle"}, {"max_ms", 1}}});
  auto r = run_scenario(*parse_scenario(j, "x.json"), {.seed = 1});
  EXPECT_FALSE(r.passed);
  ASSERT_FALSE(r.failures.empty());
  EXPECT_EQ(r.failures[0], "step 4 (settle): not quiescent within 1 ms");
}

}  // namespace
}  // namespace shapesim
