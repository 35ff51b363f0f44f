// ReplicationRig: a ShapeServer fed by a real PostgreSQL in-process (PgSource for snapshots
// and writes, ReplicationFeed for changes), plus a plain SQL session
// standing in for an application writing to the database. For tests and benchmarks that
// need the server core without the HTTP hop. Test-only; needs a wal_level=logical server.
//
//   auto rig = ReplicationRig::start(url, "my_slot", "CREATE TABLE items (...)");
//   (*rig)->sql("INSERT INTO items VALUES (1, 'x')");
//   auto out = (*rig)->wait_and_drain(1000);            // responses released by replicated changes
#pragma once

#include <memory>
#include <string>

#include <libpq-fe.h>

#include "reference/pg/pg_source.h"
#include "reference/pg/replication_feed.h"
#include "reference/server/shape_server.h"

namespace shapesim::pg::testing {

class ReplicationRig {
 public:
  // Connects the SQL session and runs `setup_sql` (creating tables, say), then starts the
  // server on a fresh slot named `slot` (a leftover of that name is dropped; the publication
  // has the same name) with the store at `store_path` (default: in memory).
  static Result<std::unique_ptr<ReplicationRig>> start(const std::string& url, const std::string& slot,
                                                       const std::string& setup_sql, ServerConfig config = {},
                                                       const std::string& store_path = ":memory:");
  // Stops the server (as a killed process would: nothing is flushed beyond what each step
  // made durable) and starts it again on the same slot and store (a file store keeps its
  // shapes). The SQL session stays up in between.
  void stop_server();
  Status start_server(ServerConfig config = {});
  ~ReplicationRig();

  // Runs `query` (one or more statements) on the SQL session; an error carries PostgreSQL's message.
  Status sql(const std::string& query);
  // Runs `query`, returning the first column of every row (NULL as "").
  Result<std::vector<std::string>> sql_column(const std::string& query);
  PGconn* sql_connection() { return sql_; }
  // Drops replication slot `slot` once its walsender has let go of it (waits up to ~5 s).
  // The rig's own slot is dropped when the rig is destroyed.
  Status drop_slot(const std::string& slot);

  // Waits up to timeout_ms for replication input, then processes all that arrived (or, while
  // disconnected, reconnects when due: `now` drives the backoff).
  Result<ServerOutput> wait_and_drain(int timeout_ms, Timestamp now = Timestamp{0});

  ShapeServer& server() { return *server_; }
  ReplicationFeed& feed() { return *feed_; }
  // Sends a request to the server core under a fresh request id (returned in `id`).
  ServerOutput handle(const HttpRequest& request, RequestId& id, Timestamp now = Timestamp{0});

 private:
  ReplicationRig() = default;

  std::unique_ptr<ShapeServer> server_;
  std::unique_ptr<ReplicationFeed> feed_;
  std::string url_, slot_, store_path_;
  PGconn* sql_ = nullptr;
  uint64_t next_request_ = 1;
};

}  // namespace shapesim::pg::testing
