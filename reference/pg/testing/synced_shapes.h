// SyncedShapes: client engines (ShapeStream + Collection, one per shape) synced from a
// ReplicationRig's server core without HTTP. Time is what the caller passes: long polls
// park until data arrives; retries after a lost request wait for their backoff.
//
//   SyncedShapes clients(rig);
//   auto& open = clients.add("diff_items", "b = true");
//   clients.settle(now);                               // until each stream is parked or failed
//   clients.deliver(*rig.wait_and_drain(100, now));    // answers released by replication
//   clients.settle(now);
//   by_id(open.rows) == select_rows(rig, "SELECT * FROM diff_items WHERE b = true");
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reference/client/collection.h"
#include "reference/client/shape_stream.h"
#include "reference/pg/testing/replication_rig.h"

namespace shapesim::pg::testing {

struct SyncedShape {
  std::string where;
  ShapeStream stream;
  Collection rows;
  std::optional<RequestId> in_flight;
};

class SyncedShapes {
 public:
  explicit SyncedShapes(ReplicationRig& rig) : rig_(rig) {}

  SyncedShape& add(const std::string& table, const std::string& where);
  // Sends every request the streams have until each is parked on a live poll, failed or
  // waiting for a retry.
  void settle(Timestamp now);
  // Hands answers in `out` to the streams that asked.
  void deliver(const ServerOutput& out, Timestamp now);
  // The server went away: every request in flight is lost (the streams retry after backoff).
  void lose_requests_in_flight(Timestamp now);

  const std::vector<std::unique_ptr<SyncedShape>>& shapes() const { return shapes_; }

 private:
  ReplicationRig& rig_;
  std::vector<std::unique_ptr<SyncedShape>> shapes_;
};

// Rows of a query as PostgreSQL prints them (the rig's session has the server's settings),
// keyed by the first column.
std::map<std::string, WireRow> select_rows(ReplicationRig& rig, const std::string& query);
// A collection's rows keyed by the value of `column`.
std::map<std::string, WireRow> rows_by(const Collection& c, const std::string& column);
std::set<std::string> keys_of(const std::map<std::string, WireRow>& rows);
// " pg-only:3 shape-only:7" for two key sets.
std::string describe_difference(const std::set<std::string>& pg, const std::set<std::string>& ours);

}  // namespace shapesim::pg::testing
