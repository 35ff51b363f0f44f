// Outbox: FIFO with idempotency keys, persisted before queued, and every error class.
#include "reference/client/outbox.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

HttpResponse answer(int status, std::string body = "{}") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class OutboxTest : public ::testing::Test {
 protected:
  MemoryOutboxStorage storage;
  Outbox outbox{&storage, Random(7)};
  Timestamp now{Duration::seconds(10)};
};

TEST_F(OutboxTest, OnlyTheHeadIsSentAndAnAcknowledgementMovesTheQueue) {
  ASSERT_TRUE(outbox.enqueue("b1", "{\"id\":\"b1\"}", "u").ok());
  ASSERT_TRUE(outbox.enqueue("b2", "{\"id\":\"b2\"}", "u").ok());
  EXPECT_EQ(storage.load()->size(), 2u);  // persisted before queued
  auto first = outbox.poll(now, "u");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->batch_id, "b1");
  EXPECT_FALSE(outbox.poll(now, "u").has_value());  // b1 in flight: nothing else goes
  auto outcome = outbox.on_response("b1", answer(200, "{\"txid\":1042}"), now);
  EXPECT_EQ(outcome.verdict, Outbox::Verdict::kAcknowledged);
  EXPECT_EQ(outcome.txid, 1042u);
  EXPECT_EQ(storage.load()->size(), 1u);
  EXPECT_EQ(outbox.poll(now, "u")->batch_id, "b2");
}

TEST_F(OutboxTest, ServerErrorsAndLostAnswersRetryTheSameBatchAfterABackoff) {
  ASSERT_TRUE(outbox.enqueue("b1", "{\"id\":\"b1\"}", "u").ok());
  ASSERT_TRUE(outbox.poll(now, "u"));
  EXPECT_EQ(outbox.on_response("b1", answer(503), now).verdict, Outbox::Verdict::kRetry);
  ASSERT_TRUE(outbox.wake_at().has_value());
  EXPECT_GE(*outbox.wake_at(), now + Duration::millis(100));
  EXPECT_LE(*outbox.wake_at(), now + Duration::millis(200));
  EXPECT_FALSE(outbox.poll(now, "u").has_value());
  auto again = outbox.poll(*outbox.wake_at(), "u");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->batch_id, "b1");
  EXPECT_EQ(again->body, "{\"id\":\"b1\"}");  // same idempotency key
  EXPECT_EQ(again->attempt, 1u);
  outbox.on_network_error("b1", now);
  EXPECT_GE(*outbox.wake_at(), now + Duration::millis(200));  // the backoff grows
  // Capped at 10 s however many attempts.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(outbox.poll(*outbox.wake_at(), "u"));
    outbox.on_network_error("b1", now);
  }
  EXPECT_LE(*outbox.wake_at(), now + Duration::seconds(10));
}

TEST_F(OutboxTest, A401ParksTheQueueUntilResumedAndLosesNothing) {
  ASSERT_TRUE(outbox.enqueue("b1", "{}", "u").ok());
  ASSERT_TRUE(outbox.enqueue("b2", "{}", "u").ok());
  ASSERT_TRUE(outbox.poll(now, "u"));
  EXPECT_EQ(outbox.on_response("b1", answer(401), now).verdict, Outbox::Verdict::kParked);
  EXPECT_TRUE(outbox.parked());
  EXPECT_FALSE(outbox.poll(now, "u").has_value());
  EXPECT_EQ(outbox.size(), 2u);
  outbox.resume();
  auto retried = outbox.poll(now, "u");
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->batch_id, "b1");
  EXPECT_EQ(retried->attempt, 0u);  // a token problem is not the batch's attempt
}

TEST_F(OutboxTest, ARefusalRejectsThatBatchOnlyAndTheQueueMovesOn) {
  for (const char* id : {"b1", "b2", "b3", "b4"}) ASSERT_TRUE(outbox.enqueue(id, "{}", "u").ok());
  int statuses[] = {403, 422, 400};
  for (int status : statuses) {
    auto send = outbox.poll(now, "u");
    ASSERT_TRUE(send.has_value());
    auto outcome = outbox.on_response(send->batch_id, answer(status, "{\"error\":\"no\"}"), now);
    EXPECT_EQ(outcome.verdict, Outbox::Verdict::kRejected) << status;
    EXPECT_EQ(outcome.error, "HTTP " + std::to_string(status) + ": {\"error\":\"no\"}");
  }
  EXPECT_EQ(outbox.poll(now, "u")->batch_id, "b4");
}

TEST_F(OutboxTest, AnOutboxBelongsToItsUser) {
  ASSERT_TRUE(outbox.enqueue("a1", "{}", "alice").ok());
  ASSERT_TRUE(outbox.enqueue("b1", "{}", "bob").ok());
  EXPECT_FALSE(outbox.poll(now, "bob").has_value());  // alice's batch is first: never sent as bob
  auto settled = outbox.settle_other_users("bob");
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].batch_id, "a1");
  EXPECT_EQ(outbox.poll(now, "bob")->batch_id, "b1");
  EXPECT_EQ(storage.load()->size(), 1u);
}

TEST_F(OutboxTest, ARestartResumesFromStorageInOrder) {
  ASSERT_TRUE(outbox.enqueue("b1", "{}", "u").ok());
  ASSERT_TRUE(outbox.enqueue("b2", "{}", "u").ok());
  ASSERT_TRUE(outbox.poll(now, "u"));  // in flight when the process dies
  Outbox restarted(&storage, Random(8));
  ASSERT_TRUE(restarted.restore().ok());
  EXPECT_EQ(restarted.size(), 2u);
  EXPECT_EQ(restarted.poll(now, "u")->batch_id, "b1");
  ASSERT_TRUE(restarted.enqueue("b3", "{}", "u").ok());
  EXPECT_EQ(restarted.entries().back().seq, 3u);  // sequence continues
  // A stale answer (for a batch that is not the head in flight) changes nothing.
  EXPECT_EQ(restarted.on_response("b2", answer(200), now).verdict, Outbox::Verdict::kIgnored);
}

// A storage that cannot persist: the batch is not queued (so the caller must not apply it).
class FullStorage : public OutboxStorage {
 public:
  Status append(const OutboxEntry&) override { return unavailable("disk full"); }
  Status remove(uint64_t) override { return Status::Ok(); }
  Result<std::vector<OutboxEntry>> load() override { return std::vector<OutboxEntry>{}; }
};

TEST(OutboxPersistence, NothingIsQueuedThatWasNotPersisted) {
  FullStorage full;
  Outbox outbox(&full, Random(1));
  EXPECT_FALSE(outbox.enqueue("b1", "{}", "u").ok());
  EXPECT_EQ(outbox.size(), 0u);
}

}  // namespace
}  // namespace shapesim
