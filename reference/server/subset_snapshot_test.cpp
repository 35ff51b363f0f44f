// log=changes_only shapes and subset snapshots (GET subset__* parameters, POST bodies).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/shape_server_fixture.h"
#include "reference/wire/http.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;
using nlohmann::json;

class SubsetSnapshotTest : public ShapeServerTest {
 protected:
  void SetUp() override {
    ShapeServerTest::SetUp();
    write("seed", json::array({insert(1, "delta"), insert(2, "alpha", true), insert(3, "charlie"), insert(4, "bravo"),
                               insert(5, "echo", true)}));
  }
  static std::string enc(const std::string& s) { return url_encode(s); }
  static std::vector<std::string> ids(const json& body) {
    std::vector<std::string> out;
    for (const auto& m : body["data"]) out.push_back(m["value"]["id"]);
    return out;
  }
};

TEST_F(SubsetSnapshotTest, ChangesOnlyShapesStartWithoutRows) {
  auto full = get("/v1/shape?table=tasks&offset=-1");
  auto changes_only = get("/v1/shape?table=tasks&offset=-1&log=changes_only");
  ASSERT_EQ(changes_only.status, 200);
  auto body = json::parse(changes_only.body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["headers"]["control"], "snapshot-end");
  EXPECT_NE(changes_only.header("electric-handle"), full.header("electric-handle"));  // part of the definition
  auto bad = get("/v1/shape?table=tasks&offset=-1&log=some");
  EXPECT_EQ(json::parse(bad.body)["errors"]["log"][0], "is invalid");
}

TEST_F(SubsetSnapshotTest, GetFiltersOrdersAndPaginates) {
  auto r = get("/v1/shape?table=tasks&offset=now&log=changes_only&subset__where=" + enc("done = $1") +
               "&subset__params=" + enc(R"({"1":"false"})") + "&subset__order_by=" + enc("title DESC") +
               "&subset__limit=2&subset__offset=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto body = json::parse(r.body);
  EXPECT_EQ(ids(body), (std::vector<std::string>{"3", "4"}));  // delta, [charlie, bravo], (alpha/echo are done)
  const auto& meta = body["metadata"];
  ASSERT_TRUE(meta["snapshot_mark"].is_number_unsigned());
  // Every row names its snapshot in its headers too (clients wait for a marked row).
  for (const auto& row : body["data"]) {
    EXPECT_EQ(row["headers"], json({{"operation", "insert"}, {"relation", {"public", "tasks"}},
                                    {"snapshot_mark", meta["snapshot_mark"]}}));
  }
  EXPECT_EQ(body["data"][0]["key"], "\"public\".\"tasks\"/\"3\"");
  EXPECT_TRUE(meta["xmin"].is_string());
  EXPECT_TRUE(meta["xmax"].is_string());
  EXPECT_TRUE(meta["xip_list"].is_array());
  EXPECT_EQ(meta["database_lsn"], std::to_string(server_->store().last_lsn().value));
  EXPECT_TRUE(r.has_header("electric-schema"));
  std::string handle = *r.header("electric-handle");
  EXPECT_EQ(r.header("electric-offset"), "0_inf");  // offset=now: the log head at the snapshot
  // A second snapshot gets a different mark; a client that has a position keeps it.
  auto again = get("/v1/shape?table=tasks&offset=0_inf&handle=" + handle + "&log=changes_only&subset__limit=1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_NE(json::parse(again.body)["metadata"]["snapshot_mark"], meta["snapshot_mark"]);
  EXPECT_EQ(ids(json::parse(again.body)), std::vector<std::string>{"1"});  // no order_by: table order
  EXPECT_EQ(again.header("electric-offset"), "0_inf");
}

TEST_F(SubsetSnapshotTest, SubsetStaysInsideTheShape) {
  auto r = get("/v1/shape?table=tasks&offset=-1&where=" + enc("id > 1") + "&columns=id,title&subset__where=" +
               enc("title < 'd'") + "&subset__order_by=title");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(ids(body), (std::vector<std::string>{"2", "4", "3"}));  // id 1 is outside the shape
  EXPECT_EQ(body["data"][0]["value"], json({{"id", "2"}, {"title", "alpha"}}));
}

TEST_F(SubsetSnapshotTest, PostCarriesTheSubsetInTheBody) {
  auto out = send("POST", "/v1/shape?table=tasks&offset=now&log=changes_only&live=true",
                  json({{"where", "title >= $1"}, {"params", {"charlie"}}, {"order_by", "id DESC"}, {"limit", 2}}).dump());
  ASSERT_EQ(out.responses.size(), 1u);
  const auto& r = out.responses[0].second;
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ids(json::parse(r.body)), (std::vector<std::string>{"5", "3"}));
}

TEST_F(SubsetSnapshotTest, BadSubsetsAre400WithTheParameterNamed) {
  auto error_of = [&](const HttpResponse& r) {
    EXPECT_EQ(r.status, 400) << r.body;
    return json::parse(r.body)["errors"];
  };
  std::string base = "/v1/shape?table=tasks&offset=now&log=changes_only";
  EXPECT_TRUE(error_of(get(base + "&subset__where=" + enc("nope = 1"))).contains("subset__where"));
  EXPECT_TRUE(error_of(get(base + "&subset__order_by=" + enc("title sideways"))).contains("subset__order_by"));
  EXPECT_EQ(error_of(get(base + "&subset__limit=-1"))["subset__limit"][0], "must be a non-negative integer");
  EXPECT_EQ(error_of(get(base + "&subset__offset=x"))["subset__offset"][0], "must be a non-negative integer");
  EXPECT_EQ(error_of(get(base + "&subset__params=" + enc("{\"2\":\"a\"}")))["subset__params"][0],
            "parameters must be numbered sequentially, starting from 1");
  EXPECT_EQ(error_of(get(base + "&subset__params=" + enc("{oops")))["subset__params"][0], "must be JSON");
  EXPECT_TRUE(error_of(get("/v1/shape?table=tasks&offset=0_inf&handle=h&live=true&subset__limit=1")).contains("live"));
  auto post = [&](const std::string& body) { return send("POST", base, body).responses.at(0).second; };
  EXPECT_TRUE(error_of(post("not json")).contains("body"));
  EXPECT_EQ(error_of(post(R"({"limit": -3})"))["subset__limit"][0], "must be a non-negative integer");
  EXPECT_EQ(error_of(post(R"({"where": 5})"))["subset__where"][0], "must be a string");
}

TEST_F(SubsetSnapshotTest, StaleHandleGets409) {
  auto r = get("/v1/shape?table=tasks&offset=0_inf&handle=gone&log=changes_only&subset__limit=1");
  EXPECT_EQ(r.status, 409);
  EXPECT_TRUE(r.has_header("electric-handle"));
}

}  // namespace
}  // namespace shapesim
