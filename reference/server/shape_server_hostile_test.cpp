// Hostile requests (issue: nothing a client sends can crash, hang or exhaust the server):
// each answers a clear 4xx and leaves the server serving.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/shape_server_fixture.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;
using nlohmann::json;

std::string chain(const std::string& term, const std::string& op, size_t n) {
  std::string out = term;
  for (size_t i = 1; i < n; ++i) out += op + term;
  return out;
}

std::string encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string where_error(const HttpResponse& r, const char* param = "where") {
  auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.contains("errors") || !body["errors"].contains(param)) return r.body;
  return body["errors"][param][0].get<std::string>();
}

TEST_F(ShapeServerTest, AChainOfFiveThousandOperatorsIsA400NotAStackOverflow) {
  auto plus = get("/v1/shape?table=tasks&offset=-1&where=" + encode(chain("id", "+", 5000) + ">0"));
  EXPECT_EQ(plus.status, 400);
  EXPECT_EQ(where_error(plus), "At location 0: expression is nested too deeply (more than 256 levels)");
  // An OR chain is one level: a valid shape.
  auto ors = get("/v1/shape?table=tasks&offset=-1&where=" + encode(chain("done", " OR ", 5000)));
  EXPECT_EQ(ors.status, 200) << ors.body;
  // The same through a subset POST body.
  auto out = send("POST", "/v1/shape?table=tasks&offset=-1&log=changes_only",
                  json({{"where", chain("id", "*", 20000) + " > 0"}}).dump());
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].second.status, 400);
  EXPECT_NE(where_error(out.responses[0].second, "subset__where").find("nested too deeply"), std::string::npos)
      << out.responses[0].second.body;
  EXPECT_EQ(get("/v1/health").status, 200);
}

TEST_F(ShapeServerTest, JsonNestedAHundredThousandDeepIsA400) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string body = R"({"id":"deep","mutations":[{"op":"insert","table":"tasks","value":{"id":1,"title":)" + deep + "}}]}";
  auto out = send("POST", "/api/mutations", body);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].second.status, 400);
  EXPECT_EQ(json::parse(out.responses[0].second.body)["message"], "body nests arrays and objects deeper than 128 levels");
  // Within the bound, a structured value where a scalar belongs is named, not dumped.
  std::string nested = std::string(100, '[') + std::string(100, ']');
  auto shallow = send("POST", "/api/mutations",
                      R"({"id":"s","mutations":[{"op":"insert","table":"tasks","value":{"id":)" + nested + "}}]}");
  EXPECT_EQ(shallow.responses[0].second.status, 400);
  EXPECT_EQ(json::parse(shallow.responses[0].second.body)["message"], "column \"id\": a JSON array is not a value of type int8");
  auto subset = send("POST", "/v1/shape?table=tasks&offset=-1&log=changes_only", deep);
  EXPECT_EQ(subset.responses[0].second.status, 400);
  EXPECT_EQ(server_->store().snapshot(tasks_table())->rows.size(), 0u);  // nothing written
}

TEST_F(ShapeServerTest, HeadAnswersTheGetHeadersWithoutABody) {
  write("b1", json::array({insert(1, "a")}));
  auto full = get("/v1/shape?table=tasks&offset=-1");
  auto head = send("HEAD", "/v1/shape?table=tasks&offset=-1");
  ASSERT_EQ(head.responses.size(), 1u);
  const HttpResponse& h = head.responses[0].second;
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.head);
  EXPECT_TRUE(h.body.empty());
  EXPECT_EQ(h.header("content-length"), std::to_string(full.body.size()));
  EXPECT_EQ(h.header("electric-handle"), full.header("electric-handle"));
  EXPECT_EQ(h.header("electric-offset"), "0_0");
  // A HEAD never waits, and a route without GET answers 405 without a body.
  auto live = send("HEAD", "/v1/shape?table=tasks&offset=0_0&live=true&handle=" + *full.header("electric-handle"));
  ASSERT_EQ(live.responses.size(), 1u);
  EXPECT_EQ(server_->parked_count(), 0u);
  auto mutations = send("HEAD", "/api/mutations");
  EXPECT_EQ(mutations.responses[0].second.status, 405);
  EXPECT_TRUE(mutations.responses[0].second.body.empty());
}

TEST_F(ShapeServerTest, AReusedBatchIdWithOtherMutationsIs409AndEmptyBatchesCostNoTxid) {
  json first = json::array({insert(1, "a")});
  uint64_t txid = write("batch-1", first);
  EXPECT_EQ(write("batch-1", first), txid);  // a replay: the same txid
  auto reused = send("POST", "/api/mutations", json({{"id", "batch-1"}, {"mutations", json::array({insert(2, "b")})}}).dump());
  ASSERT_EQ(reused.responses.size(), 1u);
  EXPECT_EQ(reused.responses[0].second.status, 409);
  EXPECT_EQ(json::parse(reused.responses[0].second.body)["message"],
            "batch id \"batch-1\" was already used for different mutations (an id names one batch; retry with the same "
            "mutations, or use a new id)");
  EXPECT_EQ(server_->store().snapshot(tasks_table())->rows.size(), 1u);  // row 2 not written
  auto long_id = send("POST", "/api/mutations", json({{"id", std::string(257, 'x')}, {"mutations", first}}).dump());
  EXPECT_EQ(long_id.responses[0].second.status, 400);
  EXPECT_EQ(json::parse(long_id.responses[0].second.body)["message"], "\"id\" must be at most 256 bytes");
  auto empty = send("POST", "/api/mutations", json({{"id", "empty"}, {"mutations", json::array()}}).dump());
  EXPECT_EQ(empty.responses[0].second.status, 400);
  EXPECT_EQ(write("batch-2", json::array({insert(3, "c")})), txid + 1);  // no txid spent in between
}

// DNS rebinding and cross-site writes, on a server that listens on loopback.
TEST_F(ShapeServerTest, ALoopbackServerRefusesForeignHostsAndCrossOriginWrites) {
  ServerConfig config;
  config.policy = RequestPolicy::for_listen_address("127.0.0.1", {"https://app.example"}, {"dev.local"});
  reset(config);
  EXPECT_EQ(get("/v1/health", {{"host", "localhost:3000"}}).status, 200);
  EXPECT_EQ(get("/v1/health", {{"host", "[::1]:3000"}}).status, 200);
  EXPECT_EQ(get("/v1/health", {{"host", "dev.local"}}).status, 200);
  EXPECT_EQ(get("/v1/health").status, 200);  // no Host: a non-browser client
  auto rebound = get("/v1/shape?table=tasks&offset=-1", {{"host", "evil.example:3000"}});
  EXPECT_EQ(rebound.status, 403);
  EXPECT_NE(json::parse(rebound.body)["message"].get<std::string>().find("evil.example"), std::string::npos);

  std::string body = json({{"id", "w"}, {"mutations", json::array({insert(1, "a")})}}).dump();
  auto from_page = send("POST", "/api/mutations", body, {{"host", "localhost:3000"}, {"origin", "https://evil.example"}});
  EXPECT_EQ(from_page.responses[0].second.status, 403);
  EXPECT_EQ(server_->store().snapshot(tasks_table())->rows.size(), 0u);
  auto preflight = send("OPTIONS", "/api/mutations", "", {{"origin", "https://evil.example"}});
  EXPECT_EQ(preflight.responses[0].second.status, 403);
  auto allowed = send("POST", "/api/mutations", body, {{"host", "localhost:3000"}, {"origin", "https://app.example"}});
  EXPECT_EQ(allowed.responses.back().second.status, 200);
  auto same_origin = send("POST", "/api/mutations", json({{"id", "w2"}, {"mutations", json::array({insert(2, "b")})}}).dump(),
                          {{"host", "localhost:3000"}, {"origin", "http://localhost:3000"}});
  EXPECT_EQ(same_origin.responses.back().second.status, 200);
  // Reads stay open to any origin.
  EXPECT_EQ(get("/v1/shape?table=tasks&offset=-1", {{"origin", "https://elsewhere.example"}}).status, 200);
  // A server bound to every interface does not check Host.
  EXPECT_TRUE(RequestPolicy::for_listen_address("0.0.0.0", {}, {}).allowed_hosts.empty());
}

// Unbounded shape creation: past max_shapes the least recently read shape nobody waits on is
// evicted (its client gets 409 and refetches); idle shapes expire.
TEST_F(ShapeServerTest, ShapesAreLimitedEvictedLeastRecentlyReadAndExpireWhenIdle) {
  ServerConfig config;
  config.max_shapes = 3;
  config.shape_idle_timeout = Duration::seconds(3600);
  reset(config);
  auto handle_of = [&](const std::string& where) {
    return *get("/v1/shape?table=tasks&offset=-1&where=" + where).header("electric-handle");
  };
  std::string a = handle_of("id%3D1"), b = handle_of("id%3D2"), c = handle_of("id%3D3");
  now_ = now_ + Duration::seconds(1);
  EXPECT_EQ(get("/v1/shape?table=tasks&offset=0_0&where=id%3D1&handle=" + a).status, 200);  // a read again
  send("GET", "/v1/shape?table=tasks&offset=0_0&live=true&where=id%3D2&handle=" + b);      // b waited on
  std::string d = handle_of("id%3D4");  // evicts c: least recently read, nobody waiting
  EXPECT_EQ(server_->registry().size(), 3u);
  EXPECT_EQ(server_->registry().find_by_handle(c), nullptr);
  auto stale = get("/v1/shape?table=tasks&offset=0_0&where=id%3D3&handle=" + c);
  EXPECT_EQ(stale.status, 409);  // a clean refetch at a new handle
  EXPECT_NE(stale.header("electric-handle"), c);
  // Every shape in use: one more is a 503, nothing evicted.
  ServerConfig tight;
  tight.max_shapes = 1;
  reset(tight);
  std::string only = handle_of("id%3D1");
  send("GET", "/v1/shape?table=tasks&offset=0_0&live=true&where=id%3D1&handle=" + only);
  auto full = get("/v1/shape?table=tasks&offset=-1&where=id%3D2");
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(full.header("retry-after"), "5");
  // Idle expiry: a shape nobody reads for shape_idle_timeout is retired by tick().
  reset(config);
  std::string idle = handle_of("id%3D9");
  EXPECT_EQ(*server_->next_deadline(), now_ + Duration::seconds(3600));
  (void)server_->tick(now_ + Duration::seconds(3601));
  EXPECT_EQ(server_->registry().find_by_handle(idle), nullptr);
}

// replace() multiplies sizes: a constant amplification is refused when the shape is defined,
// a row-driven one is an error for that row (it is not in the shape), never an abort; and the
// logged row replays harmlessly at restart.
TEST(ShapeServerAmplification, ReplaceInAWhereIsBudgetedAndSurvivesRestart) {
  testing_support::TempFile file("amplify.db");
  const std::filesystem::path path = file.path();
  auto open = [&] {
    auto store = EmbeddedStore::open(path.string());
    EXPECT_TRUE(store.ok());
    (void)(*store)->create_table(tasks_table());
    auto server = std::make_unique<ShapeServer>(ServerConfig{}, std::move(*store));
    EXPECT_TRUE(server->startup_status().ok()) << server->startup_status().to_string();
    return server;
  };
  uint64_t id = 1;
  std::vector<std::string> notices;
  auto send = [&](ShapeServer& s, const std::string& method, const std::string& target, std::string body = "") {
    auto req = HttpRequest::from_target(method, target);
    req->body = std::move(body);
    auto out = s.handle(RequestId{id++}, *req, Timestamp{Duration::seconds(1)});
    for (auto& n : out.notices) notices.push_back(n);
    EXPECT_EQ(out.responses.size(), 1u);
    return out.responses.empty() ? HttpResponse{} : out.responses.back().second;
  };
  std::string a1000(1000, 'a');
  {
    auto server = open();
    auto constant = send(*server, "GET", "/v1/shape?table=tasks&offset=-1&where=" +
                                              encode("length(replace(replace('" + a1000 + "','a','" + a1000 + "'),'a','" +
                                                     a1000 + "')) > 0"));
    EXPECT_EQ(constant.status, 400);
    EXPECT_NE(where_error(constant).find("would build more than 16 MiB"), std::string::npos) << constant.body;
    auto shape = send(*server, "GET", "/v1/shape?table=tasks&offset=-1&where=" +
                                           encode("length(replace(replace(title,'a',title),'a',title)) > 0"));
    ASSERT_EQ(shape.status, 200) << shape.body;
    auto write = send(*server, "POST", "/api/mutations",
                      json({{"id", "big"}, {"mutations", {{{"op", "insert"}, {"table", "tasks"},
                                                           {"value", {{"id", 1}, {"title", std::string(600, 'a')}}}}}}})
                          .dump());
    EXPECT_EQ(write.status, 200) << write.body;  // committed; not in the shape (its evaluation failed)
    EXPECT_EQ(server->registry().shapes_on("public", "tasks")[0]->evaluation_errors(), 1u);
    ASSERT_EQ(notices.size(), 1u);  // reported for the driver to log
    EXPECT_NE(notices[0].find("is left out, its where clause failed: replace() would build more than 16 MiB"),
              std::string::npos)
        << notices[0];
    auto small = send(*server, "POST", "/api/mutations",
                      json({{"id", "small"}, {"mutations", {{{"op", "insert"}, {"table", "tasks"},
                                                             {"value", {{"id", 2}, {"title", "ab"}}}}}}})
                          .dump());
    EXPECT_EQ(small.status, 200);
  }
  auto restarted = open();  // replays the logged transactions into the restored shape
  EXPECT_EQ(restarted->registry().size(), 1u);
  auto rows = restarted->evaluate_from_scratch(restarted->registry().shapes_on("public", "tasks")[0]->definition());
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);  // only the small row
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace shapesim
