// Live mode as server-sent events (live_sse=true): one streaming response per request, fed
// by writes, kept alive by comments, ended by the timeout, a retired shape or cancel().
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/shape_server_fixture.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;
using nlohmann::json;

// The JSON payloads of the `data:` lines of an SSE byte stream.
std::vector<json> sse_data(const std::string& bytes) {
  std::vector<json> out;
  size_t pos = 0;
  while ((pos = bytes.find("data: ", pos)) != std::string::npos) {
    size_t end = bytes.find("\n\n", pos);
    out.push_back(json::parse(bytes.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  return out;
}

class ShapeServerSseTest : public ShapeServerTest {
 protected:
  void SetUp() override {
    ShapeServerTest::SetUp();
    handle_ = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  }
  ServerOutput open_stream(const std::string& offset) {
    stream_id_ = RequestId{next_id_};
    return send("GET", "/v1/shape?table=tasks&live=true&live_sse=true&offset=" + offset + "&handle=" + handle_);
  }
  std::string handle_;
  RequestId stream_id_;
};

TEST_F(ShapeServerSseTest, StreamCarriesEachTransactionAndEndsAtTheTimeout) {
  auto opened = open_stream("0_inf");
  ASSERT_EQ(opened.responses.size(), 1u);
  const HttpResponse& head = opened.responses[0].second;
  EXPECT_TRUE(head.streaming);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "text/event-stream");
  EXPECT_EQ(head.header("electric-handle"), handle_);
  EXPECT_EQ(head.header("electric-offset"), "0_inf");
  EXPECT_TRUE(head.has_header("electric-cursor"));
  EXPECT_TRUE(head.body.empty());  // nothing new yet: no events, no up-to-date
  EXPECT_EQ(server_->stream_count(), 1u);

  auto out = write_output("w1", json::array({insert(1, "a"), insert(2, "b")}));
  ASSERT_EQ(out.stream_events.size(), 1u);
  EXPECT_EQ(out.stream_events[0].id, stream_id_);
  EXPECT_FALSE(out.stream_events[0].end);
  auto events = sse_data(out.stream_events[0].data);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["key"], "\"public\".\"tasks\"/\"1\"");
  EXPECT_EQ(events[1]["headers"]["last"], true);
  EXPECT_EQ(events[2]["headers"]["control"], "up-to-date");
  uint64_t commit_lsn = std::stoull(events[0]["headers"]["lsn"].get<std::string>());
  EXPECT_EQ(events[2]["headers"]["global_last_seen_lsn"], std::to_string(commit_lsn + 1));

  // Idle: a keep-alive comment every 15 s, the end after 60 s.
  EXPECT_EQ(server_->next_deadline(), now_ + Duration::seconds(15));
  auto idle = server_->tick(now_ + Duration::seconds(15));
  ASSERT_EQ(idle.stream_events.size(), 1u);
  EXPECT_EQ(idle.stream_events[0].data, ": keep-alive\n\n");
  auto closed = server_->tick(now_ + Duration::seconds(60));
  ASSERT_EQ(closed.stream_events.size(), 1u);
  EXPECT_TRUE(closed.stream_events[0].end);
  EXPECT_EQ(server_->stream_count(), 0u);
  EXPECT_GE(*server_->next_deadline(), now_ + ServerConfig{}.shape_idle_timeout);  // only idle expiry
}

TEST_F(ShapeServerSseTest, ResumingFromGlobalLastSeenLsnRepeatsNothing) {
  open_stream("0_inf");
  auto out = write_output("w1", json::array({insert(1, "a"), insert(2, "b"), insert(3, "c")}));
  auto events = sse_data(out.stream_events.at(0).data);
  std::string resume = events.back()["headers"]["global_last_seen_lsn"].get<std::string>() + "_0";
  // The client reconnects from "<global_last_seen_lsn>_0": nothing of that transaction again.
  auto again = open_stream(resume);
  EXPECT_TRUE(again.responses.at(0).second.body.empty());
  auto caught_up = get("/v1/shape?table=tasks&offset=" + resume + "&handle=" + handle_);
  ASSERT_EQ(caught_up.status, 200) << caught_up.body;
  EXPECT_EQ(json::parse(caught_up.body).size(), 1u);  // just up-to-date
  // The next transaction reaches the resumed stream.
  auto next = write_output("w2", json::array({insert(4, "d")}));
  bool resumed_got_it = false;
  for (const auto& e : next.stream_events) {
    if (e.id == stream_id_) resumed_got_it = sse_data(e.data).front()["value"]["id"] == "4";
  }
  EXPECT_TRUE(resumed_got_it);
  // Beyond the last processed commit is still out of bounds.
  uint64_t lsn = std::stoull(resume.substr(0, resume.find('_')));
  auto beyond = get("/v1/shape?table=tasks&offset=" + std::to_string(lsn + 1000) + "_0&handle=" + handle_);
  EXPECT_EQ(beyond.status, 400);
}

TEST_F(ShapeServerSseTest, PendingDataIsSentWithTheHeaders) {
  write("w1", json::array({insert(1, "a")}));
  auto opened = open_stream("0_inf");
  auto events = sse_data(opened.responses.at(0).second.body);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["value"]["title"], "a");
  EXPECT_EQ(events[1]["headers"]["control"], "up-to-date");
}

TEST_F(ShapeServerSseTest, TruncateEndsTheStreamAndTheReconnectGets409) {
  open_stream("0_inf");
  auto out = write_output("w1", json::array({{{"op", "truncate"}, {"table", "tasks"}}}));
  ASSERT_EQ(out.stream_events.size(), 1u);
  EXPECT_TRUE(out.stream_events[0].end);
  auto reconnect = open_stream("0_inf");
  EXPECT_EQ(reconnect.responses.at(0).second.status, 409);
  EXPECT_FALSE(reconnect.responses.at(0).second.streaming);
}

TEST_F(ShapeServerSseTest, CancelledStreamsGetNothingMore) {
  open_stream("0_inf");
  server_->cancel(stream_id_);
  EXPECT_EQ(server_->stream_count(), 0u);
  EXPECT_TRUE(write_output("w1", json::array({insert(1, "a")})).stream_events.empty());
}

TEST_F(ShapeServerSseTest, LiveSseRequiresLive) {
  auto r = get("/v1/shape?table=tasks&offset=0_inf&live_sse=true&handle=" + handle_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["errors"]["live_sse"][0], "can't be true unless live is also true");
  auto bad = get("/v1/shape?table=tasks&offset=0_inf&live=true&live_sse=yes&handle=" + handle_);
  EXPECT_EQ(json::parse(bad.body)["errors"]["live_sse"][0], "must be true or false");
}

}  // namespace
}  // namespace shapesim
