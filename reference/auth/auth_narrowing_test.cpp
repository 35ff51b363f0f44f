// Attacks on the gatekeeper's narrowings, routes and subsets (issue 28, 1 and 4): every
// answer is a 400/403, or a shape that, synced, holds only the caller's rows and columns.
#include "reference/auth/auth_gate_fixture.h"

namespace shapesim::auth::testing {
namespace {

using nlohmann::json;

// The rows of a shape answer (a JSON array of messages; a subset's {"data": [...]}).
std::vector<json> rows_of(const HttpResponse& r) {
  std::vector<json> rows;
  json body = json::parse(r.body);
  const json& messages = body.is_object() && body.contains("data") ? body["data"] : body;
  for (const auto& m : messages) {
    if (m.contains("value")) rows.push_back(m["value"]);
  }
  return rows;
}

class NarrowingAttackTest : public AuthGateTest {
 protected:
  // Every row of the answer belongs to the scope (organization acme for bob, or bob's own).
  void expect_only(const HttpResponse& r, const std::string& column, const std::string& value, const std::string& what) {
    ASSERT_EQ(r.status, 200) << what << ": " << r.body;
    for (const auto& row : rows_of(r)) {
      ASSERT_TRUE(row.contains(column)) << what << ": " << row.dump();
      EXPECT_EQ(row[column], value) << what << " leaked " << row.dump();
    }
  }
};

const char* kHostile[] = {
    "true) OR (true", "1=1) OR (1=1", "id = 3) OR (id = 3", "true)) OR ((true", "(true", "true)",
    "true OR true", "id = 3 OR id <> 3", "true -- ) OR (true", "true /* ) OR (true */", "true /*",
    "title = ')' OR true", "title = $1) OR (true", "id = $5", "$1 = $1", "true; SELECT 1",
    "organization_id = 'globex' OR organization_id <> 'globex'", "NOT (organization_id = 'acme')",
    "E'\\')' = ')' OR true", "\"organization_id\" IS NOT NULL OR true",
};

TEST_F(NarrowingAttackTest, HostileNarrowingsAreRefusedOrStayInsideTheScope) {
  std::string bob = login("bob");
  struct Target {
    const char* table;
    const char* column;
    const char* value;
  };
  for (Target t : {Target{"tasks", "organization_id", "acme"}, Target{"memberships", "organization_id", "acme"},
                   Target{"notes", "owner_id", "bob"}}) {
    int refused = 0, scoped = 0;
    for (const char* where : kHostile) {
      auto r = call("POST", std::string("/api/gatekeeper/") + t.table, bob, json({{"where", where}}).dump());
      std::string what = std::string(t.table) + " where " + where;
      if (r.status == 400) {
        ++refused;
        continue;
      }
      ASSERT_EQ(r.status, 200) << what << ": " << r.body;
      ++scoped;
      json answer = json::parse(r.body);
      auto synced = call("GET", shape_target(answer["shape"]), answer["token"]);
      expect_only(synced, t.column, t.value, what);
    }
    EXPECT_GT(refused, 5) << t.table;
    EXPECT_GE(scoped, 5) << t.table;
  }
}

TEST_F(NarrowingAttackTest, AnUnbalancedNarrowingIsA400NamingTheProblem) {
  auto r = call("POST", "/api/gatekeeper/tasks", login("bob"), R"({"where":"true) OR (true"})");
  ASSERT_EQ(r.status, 400);
  json errors = json::parse(r.body)["errors"]["where"];
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].get<std::string>().find("one complete expression"), std::string::npos) << r.body;
  auto beyond = call("POST", "/api/gatekeeper/tasks", login("bob"), R"({"where":"title = $2","params":["x"]})");
  ASSERT_EQ(beyond.status, 400);
  EXPECT_NE(beyond.body.find("$2"), std::string::npos) << beyond.body;
}

TEST_F(NarrowingAttackTest, TheGrantedWhereIsTheNarrowingAndTheScopeAsOneTree) {
  json answer = gatekeeper(login("bob"), "tasks", {{"where", "done = false OR title = $1"}, {"params", {"x"}}});
  EXPECT_EQ(answer["shape"]["where"], "(((\"done\" = false) OR (\"title\" = $1)) AND (\"organization_id\" = $2))");
  EXPECT_EQ(answer["shape"]["params"], json({"x", "acme"}));
}

TEST_F(NarrowingAttackTest, RoutesAndSubsetsCannotWidenTheShape) {
  std::string bob = login("bob");
  // A route's definition comes from the policy: a where in the query is not forwarded, and
  // the organization in the path is a parameter, never text.
  for (const char* target : {"/v1/shape/org/acme/tasks?offset=-1&where=true)%20OR%20(true",
                             "/v1/shape/org/acme/tasks?offset=-1&where=true%20OR%20true",
                             "/v1/shape/org/acme/open-tasks?offset=-1&where=true)%20OR%20(true"}) {
    expect_only(call("GET", target, bob), "organization_id", "acme", target);
  }
  EXPECT_EQ(call("GET", "/v1/shape/org/acme')%20OR%20('1'%3D'1/tasks?offset=-1", bob).status, 403);
  // Subsets filter the shape's rows: hostile ones are refused or stay inside.
  json answer = gatekeeper(bob, "tasks", {{"where", "true"}});
  std::string shape = shape_target(answer["shape"], "offset=-1&log=changes_only");
  for (const char* where : {"true)%20OR%20(true", "true%20OR%20true", "id%20%3D%203", "true%20--"}) {
    for (const std::string& base : {shape, std::string("/v1/shape/org/acme/tasks?offset=-1&log=changes_only")}) {
      std::string target = base + "&subset__where=" + where;
      auto r = call("GET", target, base == shape ? answer["token"].get<std::string>() : bob);
      if (r.status == 400) continue;
      expect_only(r, "organization_id", "acme", target);
    }
  }
  auto post = call("POST", shape, answer["token"], R"({"where":"true) OR (true"})");
  EXPECT_EQ(post.status, 400) << post.body;
  auto widened = call("POST", shape, answer["token"], R"({"where":"true OR true"})");
  expect_only(widened, "organization_id", "acme", "POST subset");
}

// Issue 28, 4: a viewer's narrowing, subset filter or order may name only readable columns.
TEST_F(NarrowingAttackTest, AViewerCannotFilterOrSortByAHiddenColumn) {
  std::string carol = login("carol");  // viewer of acme: budget is hidden
  for (const char* where : {"budget > 50", "budget IS NULL", "coalesce(budget, 0) = 100", "\"budget\" = 100"}) {
    auto r = call("POST", "/api/gatekeeper/tasks", carol, json({{"organization", "acme"}, {"where", where}}).dump());
    EXPECT_EQ(r.status, 403) << where << ": " << r.body;
    EXPECT_NE(r.body.find("budget"), std::string::npos) << r.body;
  }
  json ok = gatekeeper(carol, "tasks", {{"organization", "acme"}, {"where", "done = false"}});
  std::string shape = shape_target(ok["shape"], "offset=-1&log=changes_only");
  std::string token = ok["token"];
  std::string route = "/v1/shape/org/acme/tasks?offset=-1&log=changes_only";
  for (const std::string& base : {shape, route}) {
    const std::string& auth = base == shape ? token : carol;
    for (const char* q : {"&subset__where=budget%20%3E%2050", "&subset__order_by=budget%20DESC&subset__limit=1",
                          "&subset__order_by=-budget&subset__limit=1", "&subset__where=title%20%3C%3E%20budget::text"}) {
      auto r = call("GET", base + q, auth);
      EXPECT_EQ(r.status, 403) << base << q << ": " << r.body;
    }
    if (base == shape) {  // a route is read with GET only
      EXPECT_EQ(call("POST", base, auth, R"({"where":"budget > 50"})").status, 403) << base;
      EXPECT_EQ(call("POST", base, auth, R"({"order_by":"budget DESC","limit":1})").status, 403) << base;
    }
    // Visible columns are fine.
    EXPECT_EQ(call("GET", base + "&subset__where=title%20%3C%3E%20%27x%27&subset__order_by=id%20DESC", auth).status, 200)
        << base;
  }
  // A member sees budget, and may filter by it.
  std::string bob = login("bob");
  EXPECT_EQ(call("POST", "/api/gatekeeper/tasks", bob, R"({"where":"budget > 50"})").status, 200);
  EXPECT_EQ(call("GET", "/v1/shape/org/acme/tasks?offset=-1&log=changes_only&subset__where=budget%20%3E%2050", bob).status,
            200);
}

}  // namespace
}  // namespace shapesim::auth::testing
