#include "reference/server/shape_server.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/shape_server_fixture.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;
using nlohmann::json;

TEST_F(ShapeServerTest, InitialSyncCatchUpAndUpToDate) {
  write("b1", json::array({{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 1}, {"title", "a"}}}}}));
  auto first = get("/v1/shape?table=tasks&offset=-1");
  ASSERT_EQ(first.status, 200) << first.body;
  auto body = json::parse(first.body);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["value"]["title"], "a");
  EXPECT_EQ(body[1]["headers"]["control"], "snapshot-end");
  EXPECT_FALSE(first.has_header("electric-up-to-date"));  // never on the first answer
  EXPECT_EQ(first.header("electric-offset"), "0_0");  // Electric: the first chunk is 0_0
  EXPECT_EQ(first.header("cache-control"), "public, max-age=604800, s-maxage=3600, stale-while-revalidate=2629746");
  auto schema = json::parse(*first.header("electric-schema"));
  EXPECT_EQ(schema["id"], json({{"type", "int8"}, {"pk_index", 0}, {"not_null", true}}));
  EXPECT_EQ(schema["title"], json({{"type", "text"}}));
  EXPECT_EQ(first.header("access-control-allow-origin"), "*");
  std::string handle = *first.header("electric-handle");

  // A one-chunk snapshot hands over to the log at 0_0: the log since the snapshot, up-to-date.
  auto caught_up = get("/v1/shape?table=tasks&offset=0_0&handle=" + handle);
  ASSERT_EQ(caught_up.status, 200) << caught_up.body;
  EXPECT_TRUE(caught_up.has_header("electric-up-to-date"));
  auto up = json::parse(caught_up.body);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0]["headers"]["control"], "up-to-date");
  EXPECT_EQ(caught_up.header("electric-offset"), "0_inf");
  EXPECT_EQ(caught_up.header("etag"), "\"" + handle + ":0_0:0_inf\"");
  // 0_inf names the same place.
  auto from_inf = get("/v1/shape?table=tasks&offset=0_inf&handle=" + handle);
  EXPECT_EQ(from_inf.status, 200);
  EXPECT_EQ(from_inf.body, caught_up.body);

  // Revalidating the first request (a forced refresh) is a 304 with the same offset.
  auto revalidated = get("/v1/shape?table=tasks&offset=-1", {{"if-none-match", *first.header("etag")}});
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_EQ(revalidated.header("electric-offset"), "0_0");

  // A later write is read from 0_0 as well, and 0_0 works as a live request.
  write("b2", json::array({insert(2, "b")}));
  auto after_write = json::parse(get("/v1/shape?table=tasks&offset=0_0&handle=" + handle).body);
  ASSERT_EQ(after_write.size(), 2u);
  EXPECT_EQ(after_write[0]["value"]["title"], "b");

  // Same definition, same handle.
  EXPECT_EQ(get("/v1/shape?table=tasks&offset=-1").header("electric-handle"), handle);
}

// Electric's snapshot offsets for many chunks: -1 -> 0_0, 0_0 -> 0_1, ..., the last chunk's
// offset -> the log; the snapshot-end message closes the last chunk.
TEST_F(ShapeServerTest, ManyChunkSnapshotWalksZeroZeroZeroOneThenTheLog) {
  reset({.chunk_bytes = 200});
  json rows = json::array();
  for (int i = 1; i <= 12; ++i) rows.push_back(insert(i, "title " + std::to_string(i)));
  write("b1", rows);
  std::string offset = "-1", handle;
  std::vector<std::string> offsets;
  size_t rows_seen = 0;
  while (true) {
    auto r = get("/v1/shape?table=tasks&offset=" + offset + (handle.empty() ? "" : "&handle=" + handle));
    ASSERT_EQ(r.status, 200) << r.body;
    handle = *r.header("electric-handle");
    offset = *r.header("electric-offset");
    offsets.push_back(offset);
    auto body = json::parse(r.body);
    for (const auto& m : body) rows_seen += m.contains("value") ? 1 : 0;
    if (r.has_header("electric-up-to-date")) break;
    ASSERT_LT(offsets.size(), 20u);
  }
  ASSERT_GE(offsets.size(), 4u);  // at least three snapshot chunks, then the log
  for (size_t i = 0; i + 1 < offsets.size(); ++i) EXPECT_EQ(offsets[i], "0_" + std::to_string(i));
  EXPECT_EQ(offsets.back(), "0_inf");
  EXPECT_EQ(rows_seen, 12u);
  std::string past_last = "0_" + std::to_string(offsets.size() - 1);
  auto beyond = get("/v1/shape?table=tasks&offset=" + past_last + "&handle=" + handle);
  EXPECT_EQ(beyond.status, 400);  // never named a chunk of this shape
}

// Electric's snapshot query has no ORDER BY: rows come in the order they were written, not
// sorted by key.
TEST_F(ShapeServerTest, SnapshotRowsComeInInsertionOrder) {
  write("b1", json::array({insert(30, "c"), insert(10, "a")}));
  write("b2", json::array({insert(20, "b")}));
  write("b3", json::array({{{"op", "update"}, {"table", "tasks"}, {"value", {{"id", 10}, {"title", "a2"}}}}}));
  auto body = json::parse(get("/v1/shape?table=tasks&offset=-1").body);
  std::vector<std::string> keys;
  for (const auto& m : body) {
    if (m.contains("value")) keys.push_back(m["value"]["id"].get<std::string>());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"30", "10", "20"}));
}

// A write that releases many long-polls parked at one offset answers them with one shared
// response per (offset, cursor, origin), not one copy each; the write's own answer comes first.
TEST_F(ShapeServerTest, ParkedClientsAtOneOffsetShareOneAnswer) {
  auto first = get("/v1/shape?table=tasks&offset=-1");
  std::string handle = *first.header("electric-handle");
  std::string live = "/v1/shape?table=tasks&offset=0_inf&live=true&handle=" + handle;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(send("GET", live).responses.empty());  // ids 2, 3, 4
  EXPECT_TRUE(send("GET", live + "&cursor=999999999").responses.empty());            // id 5
  EXPECT_TRUE(send("GET", live, "", {{"origin", "http://a.example"}}).responses.empty());  // id 6
  ASSERT_EQ(server_->parked_count(), 5u);
  auto request = HttpRequest::from_target("POST", "/api/mutations");
  request->body = json({{"id", "w1"}, {"mutations", {insert(7, "seven")}}}).dump();
  ServerOutput out = server_->handle(RequestId{next_id_++}, *request, now_);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].first, RequestId{7});
  EXPECT_EQ(out.responses[0].second.status, 200);
  ASSERT_EQ(out.shared_responses.size(), 3u);
  EXPECT_EQ(out.shared_responses[0].ids, (std::vector<RequestId>{RequestId{2}, RequestId{3}, RequestId{4}}));
  EXPECT_EQ(out.shared_responses[1].ids, std::vector<RequestId>{RequestId{5}});
  EXPECT_EQ(out.shared_responses[2].ids, std::vector<RequestId>{RequestId{6}});
  // Same messages, different cursor and CORS headers.
  EXPECT_EQ(out.shared_responses[0].response.body, out.shared_responses[1].response.body);
  EXPECT_NE(out.shared_responses[0].response.header("electric-cursor"), out.shared_responses[1].response.header("electric-cursor"));
  EXPECT_EQ(out.shared_responses[2].response.header("access-control-allow-origin"), "http://a.example");
  EXPECT_EQ(server_->parked_count(), 0u);
  // Expanded, each id gets its own copy after the write's answer.
  out.expand_shared();
  ASSERT_EQ(out.responses.size(), 6u);
  EXPECT_TRUE(out.shared_responses.empty());
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ(out.responses[i].first, RequestId{i + 1});
}

TEST_F(ShapeServerTest, LiveLongPollIsAnsweredByANewWrite) {
  auto first = get("/v1/shape?table=tasks&offset=-1&where=done%20%3D%20false");
  std::string handle = *first.header("electric-handle");
  auto parked = send("GET", "/v1/shape?table=tasks&where=done%20%3D%20false&offset=0_inf&live=true&handle=" + handle);
  EXPECT_TRUE(parked.responses.empty());
  EXPECT_EQ(server_->parked_count(), 1u);
  auto out = send("POST", "/api/mutations",
                  json({{"id", "w1"},
                        {"mutations", {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 7}, {"done", false}}}}}}})
                      .dump());
  ASSERT_EQ(out.responses.size(), 2u);  // the write's own answer, then the released poll
  EXPECT_EQ(out.responses[1].first, RequestId{2});
  const auto& live = out.responses[1].second;
  EXPECT_EQ(live.status, 200);
  EXPECT_TRUE(live.has_header("electric-cursor"));
  EXPECT_FALSE(live.has_header("electric-schema"));
  auto msgs = json::parse(live.body);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["headers"]["operation"], "insert");
  uint64_t txid = json::parse(out.responses[0].second.body)["txid"];
  EXPECT_EQ(msgs[0]["headers"]["txids"][0], txid);
  EXPECT_EQ(msgs[1]["headers"]["control"], "up-to-date");
  EXPECT_EQ(server_->parked_count(), 0u);
}

TEST_F(ShapeServerTest, LongPollTimesOutWithUpToDateAndAChangedCursor) {
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  send("GET", "/v1/shape?table=tasks&offset=0_inf&live=true&handle=" + handle);
  ASSERT_EQ(server_->next_deadline(), now_ + Duration::seconds(20));
  EXPECT_TRUE(server_->tick(now_ + Duration::seconds(19)).responses.empty());
  auto out = server_->tick(now_ + Duration::seconds(20));
  ASSERT_EQ(out.responses.size(), 1u);
  const auto& r = out.responses[0].second;
  EXPECT_EQ(r.header("electric-offset"), "0_inf");
  EXPECT_TRUE(r.has_header("electric-up-to-date"));
  std::string cursor = *r.header("electric-cursor");
  // A client echoing the cursor within the same time bucket gets a different one.
  send("GET", "/v1/shape?table=tasks&offset=0_inf&live=true&handle=" + handle + "&cursor=" + cursor);
  auto again = server_->tick(now_ + Duration::seconds(40));
  ASSERT_EQ(again.responses.size(), 1u);
  EXPECT_NE(again.responses[0].second.header("electric-cursor"), cursor);
  // Nothing waits any more: the next deadline is only the shape's idle expiry.
  EXPECT_EQ(server_->parked_count(), 0u);
  EXPECT_GE(*server_->next_deadline(), now_ + ServerConfig{}.shape_idle_timeout);
}

TEST_F(ShapeServerTest, UnknownHandleGets409WithTheActiveHandle) {
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  auto r = get("/v1/shape?table=tasks&offset=0_inf&handle=stale-handle");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.header("electric-handle"), handle);
  EXPECT_EQ(json::parse(r.body), json::parse(R"([{"headers":{"control":"must-refetch"}}])"));
  EXPECT_EQ(r.header("cache-control"), "public, max-age=60, must-revalidate");
}

TEST_F(ShapeServerTest, ValidationErrorsAre400InElectricFormat) {
  auto missing = get("/v1/shape?offset=-1");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(json::parse(missing.body)["errors"]["table"][0], "can't be blank");
  auto no_table = get("/v1/shape?table=nope&offset=-1");
  EXPECT_EQ(no_table.status, 400);
  EXPECT_EQ(json::parse(no_table.body)["errors"]["table"][0], "Table \"public.nope\" does not exist");
  auto bad_where = get("/v1/shape?table=tasks&offset=-1&where=nope%3D1");
  EXPECT_EQ(bad_where.status, 400);
  EXPECT_TRUE(json::parse(bad_where.body)["errors"].contains("where"));
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  auto beyond = get("/v1/shape?table=tasks&offset=999_0&handle=" + handle);
  EXPECT_EQ(beyond.status, 400);
  EXPECT_EQ(json::parse(beyond.body)["errors"]["offset"][0], "out of bounds for this shape");
  EXPECT_EQ(beyond.header("cache-control"), "no-store");
}

TEST_F(ShapeServerTest, IfNoneMatchGives304) {
  auto first = get("/v1/shape?table=tasks&offset=-1");
  auto again = get("/v1/shape?table=tasks&offset=-1", {{"if-none-match", *first.header("etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("etag"), first.header("etag"));
}

TEST_F(ShapeServerTest, MutationsAreIdempotentAndValidated) {
  json m = json::array({{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 1}}}}});
  uint64_t first = write("same", m);
  EXPECT_EQ(write("same", m), first);
  EXPECT_EQ(server_->store().snapshot(tasks_table())->rows.size(), 1u);
  for (const char* bad : {"not json", "{}", R"({"id":"x"})", R"({"id":"","mutations":[]})",
                          R"({"id":"x","mutations":[{"op":"upsert","table":"tasks"}]})",
                          R"({"id":"x","mutations":[{"op":"insert","table":"nope","value":{}}]})",
                          R"({"id":"x","mutations":[{"op":"insert","table":"tasks","value":{"id":"abc"}}]})",
                          R"({"id":"x","mutations":[{"op":"insert","table":"tasks","value":{"id":1}}]})",
                          R"({"id":"x","mutations":[{"op":"update","table":"tasks","key":{"id":5},"value":{}}]})"}) {
    auto out = send("POST", "/api/mutations", bad);
    ASSERT_EQ(out.responses.size(), 1u);
    EXPECT_EQ(out.responses[0].second.status, 400) << bad;
    EXPECT_TRUE(json::parse(out.responses[0].second.body).contains("message")) << bad;
  }
  EXPECT_EQ(server_->store().snapshot(tasks_table())->rows.size(), 1u);
}

TEST_F(ShapeServerTest, RoutesHealthOptionsAndUnknownPaths) {
  auto health = get("/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "{\"status\":\"active\"}");
  auto pre = send("OPTIONS", "/v1/shape", "", {{"origin", "http://app"}});
  EXPECT_EQ(pre.responses[0].second.status, 204);
  EXPECT_EQ(pre.responses[0].second.header("access-control-allow-origin"), "http://app");
  EXPECT_EQ(get("/nope").status, 404);
  EXPECT_EQ(send("PUT", "/v1/shape").responses[0].second.status, 405);
}

TEST_F(ShapeServerTest, DeleteIs405UnlessEnabledThenTheHandleRotates) {
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  EXPECT_EQ(send("DELETE", "/v1/shape?table=tasks&handle=" + handle).responses[0].second.status, 405);
  reset({.allow_delete = true});
  handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  send("GET", "/v1/shape?table=tasks&offset=0_inf&live=true&handle=" + handle);  // parked
  auto deleted = send("DELETE", "/v1/shape?table=tasks&handle=" + handle);
  ASSERT_EQ(deleted.responses.size(), 2u);  // the parked poll's 409, then the DELETE's 202
  EXPECT_EQ(deleted.responses[0].second.status, 409);
  EXPECT_EQ(deleted.responses[1].second.status, 202);
  // (the DELETE itself released the parked request with a 409, see below)
  auto r = get("/v1/shape?table=tasks&offset=0_inf&handle=" + handle);
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.header("electric-handle"), handle);  // handles are never reused
}

TEST_F(ShapeServerTest, TruncateRetiresTheTablesShapes) {
  write("b1", json::array({{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 1}}}}}));
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  send("GET", "/v1/shape?table=tasks&offset=0_inf&live=true&handle=" + handle);  // parked
  auto out = send("POST", "/api/mutations",
                  json({{"id", "t1"},
                        {"mutations", {{{"op", "truncate"}, {"table", "tasks"}},
                                       {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 2}}}}}}})
                      .dump());
  ASSERT_EQ(out.responses.size(), 2u);
  EXPECT_EQ(out.responses[0].second.status, 409);  // the parked poll, at once
  EXPECT_EQ(out.responses[1].second.status, 200);
  auto stale = get("/v1/shape?table=tasks&offset=0_inf&handle=" + handle);
  EXPECT_EQ(stale.status, 409);
  std::string fresh = *stale.header("electric-handle");
  EXPECT_NE(fresh, handle);
  auto refetch = json::parse(get("/v1/shape?table=tasks&offset=-1").body);
  ASSERT_EQ(refetch.size(), 2u);  // only the row inserted after the truncate, then snapshot-end
  EXPECT_EQ(refetch[0]["value"]["id"], "2");
}

TEST_F(ShapeServerTest, LogChunksAtTheByteThreshold) {
  reset({.chunk_bytes = 200});
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  for (int i = 0; i < 10; ++i) {
    write("b" + std::to_string(i),
          json::array({{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", i}, {"title", std::string(50, 'x')}}}}}));
  }
  std::string offset = "0_inf";
  int responses = 0, rows = 0;
  while (true) {
    auto r = get("/v1/shape?table=tasks&offset=" + offset + "&handle=" + handle);
    ASSERT_EQ(r.status, 200);
    ++responses;
    for (auto& m : json::parse(r.body)) rows += m["headers"].contains("operation");
    offset = *r.header("electric-offset");
    if (r.has_header("electric-up-to-date")) break;
  }
  EXPECT_EQ(rows, 10);
  EXPECT_GT(responses, 2);
}

TEST(ShapeServerRestart, ShapesResumeWithTheSameHandlesAndOffsets) {
  testing_support::TempFile file("restart.db");
  const std::filesystem::path path = file.path();
  auto request = [](ShapeServer& s, uint64_t id, const std::string& target, std::string body = "") {
    auto req = HttpRequest::from_target(body.empty() ? "GET" : "POST", target);
    req->body = std::move(body);
    auto out = s.handle(RequestId{id}, *req, Timestamp{0});
    return out.responses.back().second;
  };
  auto insert = [](int id, const std::string& batch) {
    return json({{"id", batch}, {"mutations", {{{"op", "insert"}, {"table", "tasks"},
                                                {"value", {{"id", id}, {"title", std::string(40, 'x')}, {"owner", id % 3}}}}}}}).dump();
  };
  std::string handle, filtered_handle, retired_handle, log_bytes, head;
  {
    auto store = EmbeddedStore::open(path.string());
    ASSERT_TRUE((*store)->create_table(tasks_table()).ok());
    ShapeServer s({.chunk_bytes = 300, .allow_delete = true}, std::move(*store));
    ASSERT_TRUE(s.startup_status().ok());
    request(s, 1, "/api/mutations", insert(1, "b1"));
    handle = *request(s, 2, "/v1/shape?table=tasks&offset=-1").header("electric-handle");
    filtered_handle = *request(s, 3, "/v1/shape?table=tasks&offset=-1&where=owner%20%3D%201").header("electric-handle");
    retired_handle = *request(s, 4, "/v1/shape?table=tasks&offset=-1&where=owner%20%3D%202").header("electric-handle");
    for (int i = 2; i <= 12; ++i) request(s, 10 + i, "/api/mutations", insert(i, "b" + std::to_string(i)));
    EXPECT_EQ(request(s, 30, "/v1/shape?table=tasks&handle=" + retired_handle + "&offset=-1").status, 200);
    auto del = HttpRequest::from_target("DELETE", "/v1/shape?table=tasks&handle=" + retired_handle);
    ASSERT_EQ(s.handle(RequestId{31}, *del, Timestamp{0}).responses.back().second.status, 202);
    // Read the whole log chunk by chunk and remember the bytes and the head offset.
    std::string offset = "0_inf";
    for (uint64_t id = 100;; ++id) {
      auto r = request(s, id, "/v1/shape?table=tasks&offset=" + offset + "&handle=" + handle);
      log_bytes += r.body;
      offset = *r.header("electric-offset");
      if (r.has_header("electric-up-to-date")) break;
    }
    head = offset;
  }
  auto store = EmbeddedStore::open(path.string());
  ASSERT_TRUE(store.ok());
  ShapeServer s({.chunk_bytes = 300, .allow_delete = true}, std::move(*store));
  ASSERT_TRUE(s.startup_status().ok()) << s.startup_status().to_string();
  EXPECT_EQ(*request(s, 1, "/v1/shape?table=tasks&offset=-1").header("electric-handle"), handle);
  EXPECT_EQ(*request(s, 2, "/v1/shape?table=tasks&offset=-1&where=owner%20%3D%201").header("electric-handle"), filtered_handle);
  std::string offset = "0_inf", replayed;
  for (uint64_t id = 100;; ++id) {
    auto r = request(s, id, "/v1/shape?table=tasks&offset=" + offset + "&handle=" + handle);
    ASSERT_EQ(r.status, 200);
    replayed += r.body;
    offset = *r.header("electric-offset");
    if (r.has_header("electric-up-to-date")) break;
  }
  // Same messages (the up-to-date's global_last_seen_lsn is the same too), same head.
  EXPECT_EQ(replayed, log_bytes);
  EXPECT_EQ(offset, head);
  // The retired shape stays retired: its handle is unknown (409) and a new one is issued.
  auto stale = request(s, 200, "/v1/shape?table=tasks&offset=0_inf&where=owner%20%3D%202&handle=" + retired_handle);
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(*stale.header("electric-handle"), retired_handle);
  // New writes continue after the old head.
  request(s, 300, "/api/mutations", insert(13, "b13"));
  auto next = request(s, 301, "/v1/shape?table=tasks&offset=" + head + "&handle=" + handle);
  ASSERT_EQ(next.status, 200);
  EXPECT_GT(*LogOffset::parse(*next.header("electric-offset")), *LogOffset::parse(head));
  EXPECT_NE(next.body.find("\"id\":\"13\""), std::string::npos);
  std::filesystem::remove(path);
}

TEST_F(ShapeServerTest, EvaluateFromScratchMatchesTheFilter) {
  write("b1", json::array({{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 1}, {"owner", 2}}}},
                           {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 2}, {"owner", 3}}}}}));
  auto rows = server_->evaluate_from_scratch({.table = "tasks", .where = "owner = 2"});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->begin()->first, "\"public\".\"tasks\"/\"1\"");
}

}  // namespace
}  // namespace shapesim

namespace shapesim {
namespace {

// Every shape parameter's validation error: the status, the parameter it is reported under
// and the reason, in Electric's body format.
TEST_F(ShapeServerTest, EveryParameterHasItsValidationError) {
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  struct Case {
    std::string query;
    std::string param;
    std::string reason;  // a prefix of the reason
  };
  const std::vector<Case> cases = {
      {"offset=-1", "table", "can't be blank"},
      {"table=&offset=-1", "table", "can't be blank"},
      {"table=1x&offset=-1", "table", "invalid identifier"},
      {"table=a.b.c&offset=-1", "table", "invalid table name"},
      {"table=nope&offset=-1", "table", "Table \"public.nope\" does not exist"},
      {"table=tasks", "offset", "can't be blank"},
      {"table=tasks&offset=abc", "offset", "has invalid format"},
      {"table=tasks&offset=-2", "offset", "has invalid format"},
      {"table=tasks&offset=5_x", "offset", "has invalid format"},
      {"table=tasks&offset=0_7&handle=" + handle, "offset", "out of bounds for this shape"},
      {"table=tasks&offset=99999_0&handle=" + handle, "offset", "out of bounds for this shape"},
      {"table=tasks&offset=0_inf", "handle", "can't be blank when offset != -1"},
      {"table=tasks&offset=-1&live=yes", "live", "must be true or false"},
      {"table=tasks&offset=-1&live=true", "live", "can't be true when offset is -1"},
      {"table=tasks&offset=0_inf&handle=h&live_sse=true", "live_sse", "can't be true unless live is also true"},
      {"table=tasks&offset=0_inf&handle=h&live=true&experimental_live_sse=1", "experimental_live_sse",
       "must be true or false"},
      {"table=tasks&offset=-1&where=id%20%3D", "where", "At location 20: syntax error at end of input"},
      {"table=tasks&offset=-1&where=title%20%3D%201", "where", "At location 6: operator does not exist: text = integer"},
      {"table=tasks&offset=-1&where=id%20%3D%20%242", "where", "At location 5: there is no parameter $2"},
      {"table=tasks&offset=-1&where=id%20%3D%201&params[1]=4", "where", "params[1] is given but $1 does not appear"},
      {"table=tasks&offset=-1&where=id%20%3D%20%241&params[2]=4", "params",
       "parameters must be numbered sequentially, starting from 1"},
      {"table=tasks&offset=-1&params[x]=4", "params", "parameter keys must be positive integers"},
      {"table=tasks&offset=-1&columns=id,,title", "columns", "Invalid column list"},
      {"table=tasks&offset=-1&columns=id,id", "columns", "Invalid column list: duplicate column \"id\""},
      {"table=tasks&offset=-1&columns=id,nope", "columns", "The following columns could not be found: nope"},
      {"table=tasks&offset=-1&columns=title", "columns", "The list of columns must include all primary key columns"},
      {"table=tasks&offset=-1&replica=half", "replica", "is invalid"},
      {"table=tasks&offset=-1&log=all", "log", "is invalid"},
      {"table=tasks&offset=now&subset__where=nope", "subset__where", "At location 0: column \"nope\" does not exist"},
      {"table=tasks&offset=now&subset__order_by=nope", "subset__order_by", "At location 0: column \"nope\" does not exist"},
      {"table=tasks&offset=now&subset__limit=x", "subset__limit", "must be a non-negative integer"},
      {"table=tasks&offset=now&subset__offset=-1", "subset__offset", "must be a non-negative integer"},
      {"table=tasks&offset=now&subset__params=%5B1", "subset__params", "must be JSON"},
      {"table=tasks&offset=0_inf&handle=h&live=true&subset__limit=1", "live", "can't be true for a subset snapshot"},
  };
  for (const auto& c : cases) {
    auto r = get("/v1/shape?" + c.query);
    ASSERT_EQ(r.status, 400) << c.query << " -> " << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store") << c.query;
    auto body = json::parse(r.body);
    EXPECT_EQ(body["message"], "Invalid request") << c.query;
    ASSERT_TRUE(body["errors"].contains(c.param)) << c.query << " -> " << r.body;
    std::string reason = body["errors"][c.param][0];
    EXPECT_EQ(reason.rfind(c.reason, 0), 0u) << c.query << ": " << reason;
  }
  // Unknown parameters (cache busters) are ignored.
  EXPECT_EQ(get("/v1/shape?table=tasks&offset=-1&cache-buster=123&x=y").status, 200);
}

}  // namespace
}  // namespace shapesim
