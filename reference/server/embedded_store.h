// EmbeddedStore: the default source of truth, a SQLite database with its own xid and LSN
// counters. apply() runs a write batch in one SQLite transaction (all or nothing) and
// yields the committed transaction; snapshot() reads a table consistently.
//
//   auto store = EmbeddedStore::open(":memory:");
//   store->create_table(tasks_schema);
//   auto out = store->apply({.id = "b1", .mutations = {...}});   // out->txid
//
// Contract: single-threaded; commits are serial, so a snapshot has xmin = xmax = next xid
// and an empty xip_list. Everything (schemas, rows, counters, batch ids) lives in the
// database, so reopening a file restores it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "reference/common/status.h"
#include "reference/server/snapshot_chunk.h"
#include "reference/server/source_of_truth.h"
#include "reference/server/sqlite_statement.h"

struct sqlite3;

namespace shapesim {

// The embedded source of truth, and the server's durable storage for shapes and the
// transaction log (with PostgreSQL as the source, only the latter role is used).
class EmbeddedStore : public SourceOfTruth {
 public:
  // `vfs`: a registered SQLite VFS name (the simulator's disk), or empty for the default.
  static Result<std::unique_ptr<EmbeddedStore>> open(const std::string& path, const std::string& vfs = "");
  ~EmbeddedStore();
  EmbeddedStore(const EmbeddedStore&) = delete;
  EmbeddedStore& operator=(const EmbeddedStore&) = delete;

  // Creates a table; creating an identical table again is a no-op, a different one an error.
  Status create_table(const TableSchema& schema);
  const TableSchema* find_table(const std::string& schema, const std::string& name) const;
  const TableSchema* find_table(const std::string& schema, const std::string& name) override {
    return std::as_const(*this).find_table(schema, name);
  }
  const std::vector<TableSchema>& tables() const { return tables_; }

  Result<WriteOutcome> apply(const WriteBatch& batch) override;
  Result<std::optional<Row>> read_row(const TableSchema& t, const Row& key) override;
  // The txid a batch id committed as, if it did.
  Result<std::optional<Xid>> find_batch(const std::string& batch_id);
  Result<bool> has_batch(const std::string& id) override {
    SHAPESIM_ASSIGN_OR_RETURN(std::optional<Xid> found, find_batch(id));
    return found.has_value();
  }
  Result<Snapshot> scan(const TableSchema& table, const std::function<void(const std::vector<Value>& row)>& row) override;

  // Records a transaction that arrived from another source (replication) in the transaction
  // log, so a restart rebuilds shape logs from it; last_lsn() advances to its commit LSN.
  Status log_replicated(const CommittedTransaction& tx);

  // Committed transactions with commit_lsn > after, in commit order (the store keeps a
  // transaction log in the same SQLite transaction as the data, so a restarted server can
  // rebuild its shape logs exactly).
  Result<std::vector<CommittedTransaction>> transactions_after(Lsn after);

  // Shapes survive restarts: their definition (JSON), the LSN their snapshot was taken at,
  // and the snapshot chunks (already-encoded messages); the log is rebuilt from the
  // transaction log.
  struct StoredShape {
    std::string handle;
    std::string definition;
    Lsn snapshot_lsn;
    std::vector<SnapshotChunk> chunks;
    uint64_t xmin = 0, xmax = 0;  // the snapshot's visibility bounds
    std::vector<uint64_t> xip_list;
    std::string table_schema;  // the table as the shape was built on it (table_schema_to_json)
  };
  Status save_shape(const StoredShape& shape);
  Status forget_shape(const std::string& handle);
  Result<std::vector<StoredShape>> load_shapes();

  Lsn last_lsn() const { return last_lsn_; }
  Xid next_xid() const { return next_xid_; }
  // A persistent counter for shape handles, so a handle is never reused.
  Result<uint64_t> next_sequence();
  // Small named counters kept with the shapes (the auth gate's per-user epochs): durable
  // once the call returns.
  Status set_meta(const std::string& key, uint64_t value);
  // Every counter whose name starts with `prefix`, by name.
  Result<std::map<std::string, uint64_t>> meta_with_prefix(const std::string& prefix);

 private:
  explicit EmbeddedStore(sqlite3* db) : db_(db) {}
  Status exec(const std::string& sql);
  Status load_state();
  Status add_missing_columns();

  Status apply_mutation(const Mutation& m, std::vector<ChangeRecord>& changes);
  // The answer to a batch whose id is taken: its first outcome, or already_exists when the
  // id came with different mutations.
  Result<WriteOutcome> replay(const std::string& batch_id, const std::string& digest);
  Status log_transaction(const CommittedTransaction& tx);

  sqlite3* db_;
  StatementCache cache_;  // cleared before db_ closes
  std::vector<TableSchema> tables_;
  Xid next_xid_{1000};
  Lsn last_lsn_{0};
};

}  // namespace shapesim
