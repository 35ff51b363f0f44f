#include "reference/client/shape_stream.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

HttpResponse ok(std::string handle, std::string offset, std::string body, bool up_to_date = false) {
  HttpResponse r;
  r.headers["electric-handle"] = std::move(handle);
  r.headers["electric-offset"] = std::move(offset);
  if (up_to_date) r.headers["electric-up-to-date"] = "";
  r.body = std::move(body);
  return r;
}

const char* kInsert = R"({"key":"k1","value":{"id":"1"},"headers":{"operation":"insert","relation":["public","t"]}})";
const char* kUpToDate = R"({"headers":{"control":"up-to-date"}})";

class ShapeStreamTest : public ::testing::Test {
 protected:
  ShapeStream stream{{.shape = {.table = "t", .where = "x = 1"}}, Random(1)};
  Timestamp now{0};
};

TEST_F(ShapeStreamTest, InitialThenSyncingThenLive) {
  auto r1 = stream.poll(now);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->path, "/v1/shape");
  EXPECT_EQ(r1->query.at("offset"), "-1");
  EXPECT_EQ(r1->query.at("where"), "x = 1");
  EXPECT_FALSE(r1->query.count("live"));
  EXPECT_FALSE(stream.poll(now));  // one request in flight at a time
  auto u1 = stream.on_response(ok("h1", "0_inf", std::string("[") + kInsert + "]"), now);
  EXPECT_TRUE(u1.accepted);
  EXPECT_EQ(u1.changes.size(), 1u);
  EXPECT_EQ(stream.state(), StreamState::kSyncing);
  auto r2 = stream.poll(now);
  EXPECT_EQ(r2->query.at("offset"), "0_inf");
  EXPECT_EQ(r2->query.at("handle"), "h1");
  EXPECT_FALSE(r2->query.count("live"));
  auto u2 = stream.on_response(ok("h1", "0_inf", std::string("[") + kUpToDate + "]", true), now);
  EXPECT_TRUE(u2.up_to_date);
  EXPECT_EQ(stream.state(), StreamState::kLive);
  HttpResponse live = ok("h1", "0_inf", std::string("[") + kUpToDate + "]", true);
  auto r3 = stream.poll(now);
  EXPECT_EQ(r3->query.at("live"), "true");
  live.headers["electric-cursor"] = "77";
  stream.on_response(live, now);
  EXPECT_EQ(stream.poll(now)->query.at("cursor"), "77");
}

TEST_F(ShapeStreamTest, ConflictDropsRowsTakesNewHandleAndRestarts) {
  stream.poll(now);
  stream.on_response(ok("h1", "0_inf", "[]"), now);
  stream.poll(now);
  HttpResponse conflict;
  conflict.status = 409;
  conflict.headers["electric-handle"] = "h2";
  conflict.body = R"([{"headers":{"control":"must-refetch"}}])";
  auto u = stream.on_response(conflict, now);
  EXPECT_TRUE(u.must_refetch);
  EXPECT_EQ(stream.refetches(), 1u);
  EXPECT_EQ(stream.state(), StreamState::kInitial);
  auto r = stream.poll(now);
  EXPECT_EQ(r->query.at("offset"), "-1");
}

TEST_F(ShapeStreamTest, ServerErrorsBackOffExponentiallyWithJitter) {
  std::vector<int64_t> waits;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(stream.poll(now));
    HttpResponse err;
    err.status = 503;
    stream.on_response(err, now);
    ASSERT_TRUE(stream.wake_at());
    waits.push_back((*stream.wake_at() - now).micros);
    EXPECT_FALSE(stream.poll(now));  // not before the backoff expires
    now = *stream.wake_at();
  }
  EXPECT_GE(waits[0], Duration::millis(50).micros);
  EXPECT_LE(waits[0], Duration::millis(100).micros);
  EXPECT_GT(waits[5], waits[0]);
  for (auto w : waits) EXPECT_LE(w, Duration::seconds(10).micros);
  EXPECT_EQ(stream.retries(), 12u);
  // A success resets the backoff.
  stream.poll(now);
  stream.on_response(ok("h", "0_inf", "[]"), now);
  stream.poll(now);
  stream.on_network_error(now);
  EXPECT_LE((*stream.wake_at() - now).micros, Duration::millis(100).micros);
}

TEST_F(ShapeStreamTest, MalformedSuccessIsRetriedNotApplied) {
  stream.poll(now);
  auto u = stream.on_response(ok("h", "0_inf", "not json"), now);
  EXPECT_FALSE(u.accepted);
  EXPECT_TRUE(stream.wake_at());
  now = *stream.wake_at();
  stream.poll(now);
  HttpResponse no_headers;
  no_headers.body = "[]";
  EXPECT_FALSE(stream.on_response(no_headers, now).accepted);
  EXPECT_NE(stream.last_error().find("electric-handle"), std::string::npos);
}

TEST_F(ShapeStreamTest, ClientErrorsStopTheStream) {
  stream.poll(now);
  HttpResponse bad;
  bad.status = 400;
  bad.body = R"({"message":"Invalid request"})";
  stream.on_response(bad, now);
  EXPECT_EQ(stream.state(), StreamState::kFailed);
  EXPECT_FALSE(stream.poll(now + Duration::seconds(100)));
  EXPECT_FALSE(stream.wake_at());
}

TEST(ShapeStreamDeterminism, SameSeedSameBackoff) {
  auto run = [](uint64_t seed) {
    ShapeStream s({.shape = {.table = "t"}}, Random(seed));
    std::vector<int64_t> at;
    Timestamp now{0};
    for (int i = 0; i < 5; ++i) {
      (void)s.poll(now);
      s.on_network_error(now);
      now = *s.wake_at();
      at.push_back(now.micros);
    }
    return at;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

}  // namespace
}  // namespace shapesim
