// What a source of truth yields to the shape server (architecture.md "The source of truth"):
// committed transactions in commit order, and consistent snapshots.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/common/ids.h"
#include "reference/common/row.h"
#include "reference/common/table_schema.h"

namespace shapesim {

enum class ChangeKind { kInsert, kUpdate, kDelete, kTruncate };

// One row change. Inserts carry new_row, deletes old_row, updates both (whole rows);
// a truncate carries neither and empties the table.
struct ChangeRecord {
  std::string schema;
  std::string table;
  ChangeKind kind = ChangeKind::kInsert;
  std::optional<Row> old_row;
  std::optional<Row> new_row;
};

struct CommittedTransaction {
  Xid xid;
  Lsn commit_lsn;
  std::vector<ChangeRecord> changes;  // in statement order; op_position = 2 * index
};

// Rows visible at one instant, with PostgreSQL-style visibility bounds: a transaction is
// visible iff xid < xmin, or xid < xmax and xid is not in xip_list.
struct Snapshot {
  std::vector<Row> rows;  // ordered by primary key
  uint64_t xmin = 0;
  uint64_t xmax = 0;
  std::vector<uint64_t> xip_list;
  Lsn lsn;  // every transaction with commit_lsn <= lsn is in the snapshot
};

// A write: typed rows, checked against the schema by the store.
struct Mutation {
  ChangeKind kind = ChangeKind::kInsert;
  std::string schema = "public";
  std::string table;
  Row key;    // update/delete: the primary-key columns
  Row value;  // insert: the whole row; update: the columns to change
};

struct WriteBatch {
  std::string id;  // idempotency key: a replayed id returns the first txid, changes nothing
  std::vector<Mutation> mutations;
};

struct WriteOutcome {
  Xid txid;
  std::optional<CommittedTransaction> committed;  // empty when the batch was a replay
};

}  // namespace shapesim
