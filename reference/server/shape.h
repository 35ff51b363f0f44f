// Shape: one registered shape (definition, table schema, compiled filter, log) and the
// routing of committed changes into its log (protocol.md "From the source of truth to a
// shape log").
//
// Routing rules: an update that moves a row into the shape becomes an insert, out of it a
// delete; a primary-key change inside the shape becomes a delete (op) + insert (op + 1);
// replica=default updates carry the primary key + changed columns, replica=full the whole
// new row plus old_value of the changed columns. `columns` projects every message.
// A row whose WHERE evaluation fails (e.g. division by zero for that row) is treated as not
// in the shape: one bad row must not stop the shape for everyone.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "reference/server/shape_log.h"
#include "reference/sql/checker.h"
#include "reference/server/source_of_truth.h"
#include "reference/sql/where_clause.h"
#include "reference/wire/shape_message.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

class Shape {
 public:
  // Validates the definition against the table (where, columns incl. primary key).
  // Errors are keyed by the offending parameter name.
  static Result<std::unique_ptr<Shape>> create(ShapeHandle handle, ShapeDefinition definition,
                                               const TableSchema& table, size_t chunk_bytes,
                                               std::string& error_param);

  const ShapeHandle& handle() const { return handle_; }
  const ShapeDefinition& definition() const { return definition_; }
  const TableSchema& table() const { return table_; }
  const ShapeLog& log() const { return log_; }
  const sql::WhereClause& where() const { return where_; }
  // Whether a row (in SQL form, see sql::to_sql_row) is in the shape.
  bool matches(const std::vector<sql::SqlValue>& row) const;
  bool matches(const Row& row) const;

  // Writes the snapshot rows that match the filter (none for log=changes_only), then
  // snapshot-end.
  void load_snapshot(const Snapshot& snapshot);
  // The same, streamed: one call per row (values in the table's column order), each matching
  // row encoded straight into the log's chunks; then snapshot-end from the metadata.
  void add_snapshot_row(const std::vector<Value>& values);
  void finish_snapshot(const Snapshot& metadata);
  // Restores a persisted snapshot (chunks as stored, and the LSN it was taken at).
  void restore_snapshot(std::vector<SnapshotChunk> chunks, Lsn lsn, uint64_t xmin, uint64_t xmax,
                        std::vector<uint64_t> xip_list) {
    log_.restore_snapshot(std::move(chunks));
    snapshot_lsn_ = lsn;
    xmin_ = xmin;
    xmax_ = xmax;
    xip_list_ = std::move(xip_list);
  }
  // Whether a transaction's effects are already in the snapshot (PostgreSQL visibility).
  bool in_snapshot(Xid xid) const { return visible_in_snapshot(xid.value, xmin_, xmax_, xip_list_); }
  uint64_t snapshot_xmin() const { return xmin_; }
  uint64_t snapshot_xmax() const { return xmax_; }
  const std::vector<uint64_t>& snapshot_xip_list() const { return xip_list_; }
  // The server's log position when the snapshot was taken: transactions with commit_lsn <=
  // snapshot_lsn() are in the snapshot (later ones may be too: see in_snapshot()).
  Lsn snapshot_lsn() const { return snapshot_lsn_; }
  // One change of a transaction, with its rows converted once for every shape.
  struct RoutedChange {
    size_t index;  // position in the transaction (op_position = 2 * index)
    const ChangeRecord* change;
    const std::vector<sql::SqlValue>* old_row;  // null when absent
    const std::vector<sql::SqlValue>* new_row;
  };
  // Storage for converted rows; a deque so pointers into it stay valid as it grows.
  using RowStorage = std::deque<std::vector<sql::SqlValue>>;
  // Converts change `index` of a transaction on `table` (a row that fails to convert becomes
  // an empty row, which no shape matches).
  static RoutedChange convert(size_t index, const ChangeRecord& change, const TableSchema& table, RowStorage& storage);
  // Appends the changes (in transaction order) that concern this shape. Returns true if any did.
  bool append(const CommittedTransaction& tx, const std::vector<RoutedChange>& changes);
  // Convenience for tests: routes every change of the transaction.
  bool append(const CommittedTransaction& tx);
  // Rows whose WHERE evaluation failed (they are not in the shape; PostgreSQL would have failed
  // the query): how many so far, and the messages since the last take (at most 16 kept).
  uint64_t evaluation_errors() const { return evaluation_errors_; }
  std::vector<std::string> take_evaluation_errors() { return std::exchange(recent_errors_, {}); }

  // The row as a shape message value (projected to `columns`).
  WireRow project(const Row& row) const;
  std::string row_key(const Row& row) const;

 private:
  Shape(ShapeHandle h, ShapeDefinition d, TableSchema t, sql::WhereClause w, size_t chunk_bytes);
  bool included(const std::string& column) const;

  // Precomputed for add_snapshot_row: per column its `"name":` prefix (empty when projected
  // out) and SQL type, the primary-key columns, the key prefix and the headers suffix.
  std::vector<std::string> value_prefixes_;
  std::vector<sql::SqlType> sql_types_;
  std::vector<size_t> pk_columns_;
  std::vector<size_t> value_order_;  // column indices by name: WireRow (a map) order
  std::string key_prefix_;
  std::string insert_suffix_;
  std::vector<bool> where_columns_;     // columns the WHERE reads (others stay NULL in sql_row_)
  std::vector<sql::SqlValue> sql_row_;  // reused per row
  std::string key_buffer_, message_buffer_, text_buffer_;

  uint64_t evaluation_errors_ = 0;
  std::vector<std::string> recent_errors_;

  ShapeHandle handle_;
  ShapeDefinition definition_;
  TableSchema table_;
  sql::WhereClause where_;
  ShapeLog log_;
  Lsn snapshot_lsn_;
  uint64_t xmin_ = 0, xmax_ = 0;
  std::vector<uint64_t> xip_list_;
};

}  // namespace shapesim
