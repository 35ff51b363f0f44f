// What a source of truth yields to the shape server (architecture.md "The source of truth"):
// committed transactions in commit order, and consistent snapshots.
#pragma once

#include <functional>
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
  std::vector<Row> rows;  // in table order (insertion order; PostgreSQL's physical order)
  uint64_t xmin = 0;
  uint64_t xmax = 0;
  std::vector<uint64_t> xip_list;
  Lsn lsn;  // every transaction with commit_lsn <= lsn is in the snapshot (PostgreSQL: its WAL position)
};

// PostgreSQL visibility: xid < xmin, or xid < xmax and not in xip_list. `xid` may be a
// 32-bit xid (as pgoutput sends it): it is widened into the epoch nearest xmax first.
bool visible_in_snapshot(uint64_t xid, uint64_t xmin, uint64_t xmax, const std::vector<uint64_t>& xip_list);

// A write: typed rows, checked against the schema by the store.
struct Mutation {
  ChangeKind kind = ChangeKind::kInsert;
  std::string schema = "public";
  std::string table;
  Row key;    // update/delete: the primary-key columns
  Row value;  // insert: the whole row; update: the columns to change
};

struct WriteBatch {
  // Idempotency key: a replay (same id, same mutations) returns the first txid and changes
  // nothing; the same id with other mutations is refused (kAlreadyExists).
  std::string id;
  std::vector<Mutation> mutations;

  // A fingerprint of the mutations (16 hex digits, FNV-1a over an unambiguous encoding), kept
  // with the id to tell a replay from a different batch under a reused id.
  std::string digest() const;
};

// The message for a batch id reused with different mutations.
std::string reused_batch_id_message(const std::string& id);

struct WriteOutcome {
  Xid txid;
  // The transaction, when the source hands it over at once (the embedded store). Empty for
  // a replayed batch, and for a source whose changes arrive later through replication.
  std::optional<CommittedTransaction> committed;
  // A replayed batch: the LSN its first commit had, when the source kept it (a client whose
  // shape was refetched since never sees the txid again; it confirms by this LSN).
  std::optional<Lsn> replayed_commit_lsn;
};

// Where rows live and writes go: the embedded store, or PostgreSQL.
class SourceOfTruth {
 public:
  virtual ~SourceOfTruth() = default;
  // The table, or null if it does not exist.
  virtual const TableSchema* find_table(const std::string& schema, const std::string& name) = 0;
  // Makes the table's changes reach the server (PostgreSQL: publication, replica identity).
  // Called before a shape's first snapshot of the table.
  virtual Status prepare_table(const TableSchema& table) {
    (void)table;
    return Status::Ok();
  }
  // A consistent snapshot streamed row by row (values in column order, rows in table order);
  // returns the metadata with `rows` left empty.
  virtual Result<Snapshot> scan(const TableSchema& table, const std::function<void(const std::vector<Value>& row)>& row) = 0;
  // The row with this primary key, or nullopt. The default scans the table; a source with an
  // index overrides it.
  virtual Result<std::optional<Row>> read_row(const TableSchema& table, const Row& key);
  // Applies a write batch as one transaction; idempotent by batch id.
  virtual Result<WriteOutcome> apply(const WriteBatch& batch) = 0;
  // Whether a batch with this id was applied (a retry of it changes nothing).
  virtual Result<bool> has_batch(const std::string& id) = 0;

  // The snapshot with its rows as Row maps (for small tables and tests).
  Result<Snapshot> snapshot(const TableSchema& table);
};

}  // namespace shapesim
