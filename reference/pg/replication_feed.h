// ReplicationFeed: everything between PostgreSQL's replication slot and the shape server.
//
// - poll(now) processes what the stream delivered: pgoutput is decoded and assembled; a
//   Relation message whose columns differ from those a table's shapes were built on retires
//   those shapes (409) and drops the cached table; each whole transaction is logged durably
//   and routed (ShapeServer::on_replicated), then acknowledged to PostgreSQL.
// - A lost connection (PostgreSQL restarted, the walsender terminated, the network) is not
//   fatal: the feed drops it and reconnects with exponential backoff, resuming from the
//   slot's confirmed position (re-sent transactions are deduplicated by commit LSN). A slot
//   that is gone when the feed (re)connects (dropped, or invalidated by
//   max_slot_wal_keep_size) is recreated and every shape retired: the changes in between
//   cannot be replayed.
// - A malformed or unexpected message, or a failure to log, is fatal: poll returns it.
//
//   auto feed = ReplicationFeed::start(options, source, server);   // the first connection must work
//   loop: when feed->socket() is readable (it is -1 while disconnected) or at feed->wake_at():
//         dispatch(*feed->poll(now)); print feed->take_notices();
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reference/pg/pg_source.h"
#include "reference/pg/replication_stream.h"
#include "reference/pg/transaction_assembler.h"
#include "reference/server/shape_server.h"

namespace shapesim::pg {

struct ReplicationFeedOptions {
  ReplicationOptions stream;
  Duration initial_backoff = Duration::millis(100);
  Duration max_backoff = Duration::seconds(5);
};

class ReplicationFeed {
 public:
  // Connects; a failure here (a wrong URL, a slot another server holds) is returned.
  static Result<std::unique_ptr<ReplicationFeed>> start(ReplicationFeedOptions options, PgSource& source,
                                                        ShapeServer& server);

  // Processes everything that has arrived without blocking; reconnects when due.
  Result<ServerOutput> poll(Timestamp now);

  int socket() const { return stream_ ? stream_->socket() : -1; }
  // Counts connections: a new value means a new socket (possibly with the same number).
  uint64_t generation() const { return reconnections_ + 1; }
  // While disconnected: when poll() will try to reconnect.
  std::optional<Timestamp> wake_at() const { return stream_ ? std::nullopt : std::optional<Timestamp>(reconnect_at_); }
  // What happened since the last call, one line each (lost connections, reconnections, slots recreated).
  std::vector<std::string> take_notices() { return std::exchange(notices_, {}); }
  uint64_t reconnections() const { return reconnections_; }
  uint64_t slots_created() const { return slots_created_; }

 private:
  ReplicationFeed(ReplicationFeedOptions options, PgSource& source, ShapeServer& server)
      : options_(std::move(options)), source_(source), server_(server) {}
  // Opens the stream; a new slot retires every shape (into `out`).
  Status connect(ServerOutput& out);
  // One pgoutput message; an error is fatal. A logged transaction leaves its end LSN in
  // pending_ack_.
  Status process(std::string_view payload, ServerOutput& out, Timestamp now);
  void disconnect(const Status& why, Timestamp now);

  ReplicationFeedOptions options_;
  PgSource& source_;
  ShapeServer& server_;
  std::unique_ptr<ReplicationStream> stream_;
  TransactionAssembler assembler_;
  Timestamp reconnect_at_;
  Duration backoff_;
  uint64_t pending_ack_ = 0;
  uint64_t reconnections_ = 0;
  uint64_t slots_created_ = 0;
  std::vector<std::string> notices_;
};

}  // namespace shapesim::pg
