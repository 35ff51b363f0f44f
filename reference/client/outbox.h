// Outbox: the client's queue of write batches to the server, sans-I/O and persistent.
//
//   Outbox outbox(&storage, rng);             // storage may be null: memory only
//   outbox.restore();                         // what a previous run persisted, in order
//   outbox.enqueue("tx-7", body, "alice");    // persisted before it returns: only then apply it
//   if (auto send = outbox.poll(now)) ...      // the head, when it may go out now
//   auto outcome = outbox.on_response(send->batch_id, response, now);
//
// Contract. FIFO: only the head is ever in flight, and each batch keeps its id (the server's
// idempotency key), so a retry after a lost answer is applied once. Verdicts:
//   200                      acknowledged (the txid), removed, the next one goes
//   5xx, 429, network error  retried after a capped exponential backoff with jitter
//                            (100 ms * 2^attempts, at most 10 s, half of it random)
//   401                      parked: nothing is sent until resume() (a token was refreshed);
//                            the batch stays at the head (the anchor drops queued writes here)
//   other 4xx (400/403/409/422)  rejected: removed with the server's answer as the error, so
//                            the application rolls that one transaction back; the queue moves on
// A batch belongs to the user who wrote it: poll() only offers the head when it is `user`'s,
// and settle_other_users() rejects every batch of another user (never replayed with another
// user's token).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reference/common/random.h"
#include "reference/common/status.h"
#include "reference/common/time.h"
#include "reference/wire/http.h"

namespace shapesim {

struct OutboxEntry {
  uint64_t seq = 0;  // enqueue order, kept across restarts
  std::string batch_id;
  std::string body;  // the JSON of POST /api/mutations
  std::string user;  // who wrote it ("" without auth)
  // The transaction's optimistic mutations (local_mutations_to_json; "[]": none), so a restarted
  // client shows its queued writes again.
  std::string mutations = "[]";
};

// Where entries survive a restart (a SQLite table in the client's file).
class OutboxStorage {
 public:
  virtual ~OutboxStorage() = default;
  virtual Status append(const OutboxEntry& entry) = 0;  // durable when it returns
  virtual Status remove(uint64_t seq) = 0;
  virtual Result<std::vector<OutboxEntry>> load() = 0;  // in seq order
};

class Outbox {
 public:
  enum class Verdict { kAcknowledged, kRejected, kRetry, kParked, kIgnored };
  struct Outcome {
    Verdict verdict = Verdict::kIgnored;
    std::string batch_id;
    std::optional<uint64_t> txid;
    std::optional<uint64_t> commit_lsn;  // when the server says it ("lsn" in the answer)
    int status = 0;
    std::string error;
  };
  struct Send {
    std::string batch_id;
    std::string body;
    std::string user;
    uint32_t attempt = 0;  // 0: first try
  };

  Outbox(OutboxStorage* storage, Random rng) : storage_(storage), rng_(rng) {}

  Status restore();
  // Persists, then queues. On error nothing is queued (the caller must not apply it).
  Status enqueue(std::string batch_id, std::string body, std::string user, std::string mutations = "[]");
  // The head if it may be sent now (not in flight, not backing off, not parked, `user`'s).
  std::optional<Send> poll(Timestamp now, const std::string& user);
  Outcome on_response(const std::string& batch_id, const HttpResponse& response, Timestamp now);
  // No answer (timeout, connection lost): the head is retried after a backoff.
  void on_network_error(const std::string& batch_id, Timestamp now);
  // A process restart: nothing is in flight any more.
  void forget_in_flight();
  void resume() { parked_ = false; }
  bool parked() const { return parked_; }
  // When a backing-off head may go again.
  std::optional<Timestamp> wake_at() const;
  // Rejects (and removes) every queued batch of a user other than `user`.
  std::vector<OutboxEntry> settle_other_users(const std::string& user);
  // Rejects (and removes) every queued batch (a permission change: none is sent any more).
  std::vector<OutboxEntry> settle_all();
  size_t size() const { return entries_.size(); }
  bool contains(const std::string& batch_id) const;
  const std::deque<OutboxEntry>& entries() const { return entries_; }

 private:
  Status pop_head();
  void back_off(Timestamp now);

  OutboxStorage* storage_;
  Random rng_;
  std::deque<OutboxEntry> entries_;
  uint64_t next_seq_ = 1;
  bool in_flight_ = false;
  uint32_t attempts_ = 0;  // of the head
  std::optional<Timestamp> retry_at_;
  bool parked_ = false;
  std::set<uint64_t> unpersisted_;  // only under the planted bug outbox-persisted-late
};

// Outbox storage in memory (a client without a local file; tests).
class MemoryOutboxStorage : public OutboxStorage {
 public:
  Status append(const OutboxEntry& e) override;
  Status remove(uint64_t seq) override;
  Result<std::vector<OutboxEntry>> load() override { return entries_; }

 private:
  std::vector<OutboxEntry> entries_;
};

}  // namespace shapesim
