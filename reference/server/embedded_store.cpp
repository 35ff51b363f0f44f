#include "reference/server/embedded_store.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "reference/common/assert.h"
#include "reference/common/bounded_json.h"
#include "reference/common/log_offset.h"
#include "reference/common/sql_identifier.h"
#include "reference/common/sqlite_process.h"
#include "reference/common/table_schema_json.h"
#include "reference/server/sqlite_statement.h"

namespace shapesim {

namespace {

std::string sqlite_table(const TableSchema& t) { return quote_identifier(t.schema + "." + t.name); }

// Array columns hold PostgreSQL array literals as text.
ColumnType storage_type(const ColumnSchema& c) { return c.dims > 0 ? ColumnType::kText : c.type; }

const char* affinity(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
    case ColumnType::kInt2:
    case ColumnType::kInt4:
    // "INT", not "INTEGER": a primary key declared INTEGER would become the rowid, and the
    // rowid must stay the insertion sequence (snapshots are read in insertion order).
    case ColumnType::kInt8: return "INT";
    case ColumnType::kFloat4:
    case ColumnType::kFloat8: return "REAL";
    default: return "TEXT";
  }
}

std::string pk_predicate(const TableSchema& t) {
  std::string out;
  for (size_t i = 0; i < t.primary_key.size(); ++i) {
    if (i) out += " AND ";
    out += quote_identifier(t.primary_key[i]) + " = ?";
  }
  return out;
}

// The value must carry every primary-key column, non-null.
Status check_key(const TableSchema& t, const Row& key) {
  for (const auto& k : t.primary_key) {
    auto it = key.find(k);
    if (it == key.end() || it->second.is_null()) {
      return invalid_argument("key of relation \"" + t.name + "\" is missing primary-key column \"" + k + "\"");
    }
  }
  for (const auto& [col, _] : key) {
    if (!t.pk_index(col)) return invalid_argument("key column \"" + col + "\" is not part of the primary key of \"" + t.name + "\"");
  }
  return Status::Ok();
}

Status check_not_null(const TableSchema& t, const Row& row) {
  for (const auto& c : t.columns) {
    auto it = row.find(c.name);
    if (c.not_null && (it == row.end() || it->second.is_null())) {
      return failed_precondition("null value in column \"" + c.name + "\" of relation \"" + t.name +
                                 "\" violates not-null constraint");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<EmbeddedStore>> EmbeddedStore::open(const std::string& path, const std::string& vfs) {
  prepare_sqlite();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      vfs.empty() ? nullptr : vfs.c_str()) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return unavailable("cannot open store " + path + ": " + msg);
  }
  std::unique_ptr<EmbeddedStore> store(new EmbeddedStore(db));
  // Write-ahead log, synced on every commit (synchronous=FULL): acknowledged means durable, as
  // with the rollback journal it replaces, at one append and one sync per commit. A VFS without
  // shared memory (the simulator's disk) needs exclusive locking to keep the WAL index in heap.
  if (!vfs.empty()) SHAPESIM_RETURN_IF_ERROR(store->exec("PRAGMA locking_mode=EXCLUSIVE;"));
  SHAPESIM_RETURN_IF_ERROR(store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  SHAPESIM_RETURN_IF_ERROR(store->exec(
      "CREATE TABLE IF NOT EXISTS _shapesim_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS _shapesim_tables (qualified TEXT PRIMARY KEY, definition TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS _shapesim_batches (id TEXT PRIMARY KEY, txid INTEGER NOT NULL, digest TEXT NOT NULL DEFAULT '', "
      "  commit_lsn INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS _shapesim_txlog (lsn INTEGER PRIMARY KEY, xid INTEGER NOT NULL, changes TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS _shapesim_shapes (handle TEXT PRIMARY KEY, definition TEXT NOT NULL, "
      "  snapshot_lsn INTEGER NOT NULL, xmin INTEGER NOT NULL, xmax INTEGER NOT NULL, xip TEXT NOT NULL, "
      "  table_schema TEXT NOT NULL DEFAULT '');"
      "CREATE TABLE IF NOT EXISTS _shapesim_shape_chunks (handle TEXT NOT NULL, idx INTEGER NOT NULL, "
      "  body TEXT NOT NULL, ends BLOB NOT NULL, PRIMARY KEY (handle, idx));"));
  SHAPESIM_RETURN_IF_ERROR(store->add_missing_columns());
  SHAPESIM_RETURN_IF_ERROR(store->load_state());
  return store;
}

Status EmbeddedStore::add_missing_columns() {
  auto missing = [&](const char* table, const char* column) -> Result<bool> {
    SqliteStatement st(db_, cache_, std::string("SELECT count(*) FROM pragma_table_info('") + table + "') WHERE name = '" +
                                        column + "'");
    if (!st.step_row()) return st.status().ok() ? internal_error("pragma_table_info returned no row") : st.status();
    return st.column_int(0) == 0;
  };
  // Stores written before shapes recorded their table's schema: an empty schema never equals
  // the current one, so such shapes are retired at restore (their clients refetch).
  SHAPESIM_ASSIGN_OR_RETURN(bool no_schema, missing("_shapesim_shapes", "table_schema"));
  if (no_schema) SHAPESIM_RETURN_IF_ERROR(exec("ALTER TABLE _shapesim_shapes ADD COLUMN table_schema TEXT NOT NULL DEFAULT ''"));
  // Stores written before batches kept a digest: their ids answer as replays.
  SHAPESIM_ASSIGN_OR_RETURN(bool no_digest, missing("_shapesim_batches", "digest"));
  if (no_digest) SHAPESIM_RETURN_IF_ERROR(exec("ALTER TABLE _shapesim_batches ADD COLUMN digest TEXT NOT NULL DEFAULT ''"));
  // Stores written before batches kept their commit LSN: 0, unknown (replays answer no LSN).
  SHAPESIM_ASSIGN_OR_RETURN(bool no_lsn, missing("_shapesim_batches", "commit_lsn"));
  if (no_lsn) SHAPESIM_RETURN_IF_ERROR(exec("ALTER TABLE _shapesim_batches ADD COLUMN commit_lsn INTEGER NOT NULL DEFAULT 0"));
  return Status::Ok();
}

EmbeddedStore::~EmbeddedStore() {
  cache_.clear();
  sqlite3_close(db_);
}

Status EmbeddedStore::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return internal_error("sqlite: " + msg);
  }
  return Status::Ok();
}

Status EmbeddedStore::load_state() {
  // The transaction log is the record of every commit: the next xid and the last LSN follow
  // from it (no per-commit counter rows to keep in step).
  SqliteStatement counters(db_, "SELECT max(xid), max(lsn) FROM _shapesim_txlog");
  if (counters.step_row() && counters.column(0, ColumnType::kInt8).as_int()) {
    next_xid_ = Xid{static_cast<uint64_t>(counters.column_int(0)) + 1};
    last_lsn_ = Lsn{static_cast<uint64_t>(counters.column_int(1))};
  }
  SHAPESIM_RETURN_IF_ERROR(counters.status());
  SqliteStatement tables(db_, "SELECT definition FROM _shapesim_tables ORDER BY qualified");
  while (tables.step_row()) {
    auto j = parse_bounded_json(tables.column_text(0));
    if (!j.ok()) return internal_error("stored table definition " + j.status().message());
    SHAPESIM_ASSIGN_OR_RETURN(TableSchema t, table_schema_from_json(*j));
    tables_.push_back(std::move(t));
  }
  return tables.status();
}

Status EmbeddedStore::set_meta(const std::string& key, uint64_t value) {
  SqliteStatement st(db_, cache_, "INSERT INTO _shapesim_meta (key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.bind(1, Value(key));
  st.bind(2, Value(static_cast<int64_t>(value)));
  return st.run();
}

Result<std::map<std::string, uint64_t>> EmbeddedStore::meta_with_prefix(const std::string& prefix) {
  std::map<std::string, uint64_t> out;
  SqliteStatement st(db_, cache_, "SELECT key, value FROM _shapesim_meta WHERE substr(key, 1, ?) = ? ORDER BY key");
  st.bind(1, Value(static_cast<int64_t>(prefix.size())));
  st.bind(2, Value(prefix));
  while (st.step_row()) out[st.column_text(0)] = static_cast<uint64_t>(st.column_int(1));
  SHAPESIM_RETURN_IF_ERROR(st.status());
  return out;
}

Status EmbeddedStore::create_table(const TableSchema& schema) {
  SHAPESIM_RETURN_IF_ERROR(schema.validate());
  TableSchema t = schema;
  for (auto& c : t.columns) {
    if (t.pk_index(c.name)) c.not_null = true;
  }
  if (const TableSchema* existing = find_table(t.schema, t.name)) {
    if (table_schema_to_json(*existing) == table_schema_to_json(t)) return Status::Ok();
    return already_exists("relation \"" + t.qualified_name() + "\" already exists with another definition");
  }
  std::string ddl = "CREATE TABLE " + sqlite_table(t) + " (";
  for (const auto& c : t.columns) ddl += quote_identifier(c.name) + " " + affinity(storage_type(c)) + ", ";
  ddl += "PRIMARY KEY (";
  for (size_t i = 0; i < t.primary_key.size(); ++i) ddl += (i ? ", " : "") + quote_identifier(t.primary_key[i]);
  ddl += "))";
  SHAPESIM_RETURN_IF_ERROR(exec("BEGIN"));
  Status st = exec(ddl);
  if (st.ok()) {
    SqliteStatement ins(db_, "INSERT INTO _shapesim_tables (qualified, definition) VALUES (?, ?)");
    ins.bind(1, Value(t.qualified_name()));
    ins.bind(2, Value(table_schema_to_json(t).dump()));
    st = ins.run();
  }
  if (!st.ok()) {
    (void)exec("ROLLBACK");
    return st;
  }
  SHAPESIM_RETURN_IF_ERROR(exec("COMMIT"));
  tables_.push_back(std::move(t));
  return Status::Ok();
}

const TableSchema* EmbeddedStore::find_table(const std::string& schema, const std::string& name) const {
  for (const auto& t : tables_) {
    if (t.schema == schema && t.name == name) return &t;
  }
  return nullptr;
}

Result<std::optional<Row>> EmbeddedStore::read_row(const TableSchema& t, const Row& key) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) sql += (i ? ", " : "") + quote_identifier(t.columns[i].name);
  sql += " FROM " + sqlite_table(t) + " WHERE " + pk_predicate(t);
  SqliteStatement st(db_, cache_, sql);
  SHAPESIM_RETURN_IF_ERROR(st.prepare_status());
  for (size_t i = 0; i < t.primary_key.size(); ++i) {
    auto k = key.find(t.primary_key[i]);
    if (k == key.end()) return invalid_argument("the key of a row of " + t.name + " needs " + t.primary_key[i]);
    st.bind(static_cast<int>(i + 1), k->second);
  }
  if (!st.step_row()) {
    SHAPESIM_RETURN_IF_ERROR(st.status());
    return std::optional<Row>();
  }
  Row row;
  for (size_t i = 0; i < t.columns.size(); ++i) row[t.columns[i].name] = st.column(static_cast<int>(i), storage_type(t.columns[i]));
  return std::optional<Row>(std::move(row));
}

Status EmbeddedStore::apply_mutation(const Mutation& m, std::vector<ChangeRecord>& changes) {
  const TableSchema* tp = find_table(m.schema, m.table);
  if (!tp) return invalid_argument("relation \"" + m.schema + "." + m.table + "\" does not exist");
  const TableSchema& t = *tp;
  for (const auto* row : {&m.key, &m.value}) {
    for (const auto& [col, _] : *row) {
      if (!t.find_column(col)) return invalid_argument("column \"" + col + "\" of relation \"" + t.name + "\" does not exist");
    }
  }
  ChangeRecord change{t.schema, t.name, m.kind, std::nullopt, std::nullopt};
  if (m.kind == ChangeKind::kTruncate) {
    SHAPESIM_RETURN_IF_ERROR(exec("DELETE FROM " + sqlite_table(t)));
  } else if (m.kind == ChangeKind::kInsert) {
    Row row;
    for (const auto& c : t.columns) {
      auto it = m.value.find(c.name);
      row[c.name] = it == m.value.end() ? Value() : it->second;
    }
    SHAPESIM_RETURN_IF_ERROR(check_not_null(t, row));
    std::string sql = "INSERT INTO " + sqlite_table(t) + " VALUES (";
    for (size_t i = 0; i < t.columns.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
    SqliteStatement st(db_, cache_, sql);
    for (size_t i = 0; i < t.columns.size(); ++i) st.bind(static_cast<int>(i + 1), row[t.columns[i].name]);
    Status s = st.run();
    if (s.code() == ErrorCode::kFailedPrecondition) {
      return failed_precondition("duplicate key value violates unique constraint \"" + t.name + "_pkey\"");
    }
    SHAPESIM_RETURN_IF_ERROR(s);
    change.new_row = std::move(row);
  } else {
    SHAPESIM_RETURN_IF_ERROR(check_key(t, m.key));
    SHAPESIM_ASSIGN_OR_RETURN(std::optional<Row> old, read_row(t, m.key));
    if (!old) {
      return failed_precondition(std::string(m.kind == ChangeKind::kUpdate ? "update" : "delete") +
                                 " of a missing row in relation \"" + t.name + "\"");
    }
    if (m.kind == ChangeKind::kDelete) {
      SqliteStatement st(db_, cache_, "DELETE FROM " + sqlite_table(t) + " WHERE " + pk_predicate(t));
      for (size_t i = 0; i < t.primary_key.size(); ++i) st.bind(static_cast<int>(i + 1), m.key.at(t.primary_key[i]));
      SHAPESIM_RETURN_IF_ERROR(st.run());
      change.old_row = std::move(*old);
    } else {
      Row row = *old;
      for (const auto& [col, v] : m.value) row[col] = v;
      SHAPESIM_RETURN_IF_ERROR(check_not_null(t, row));
      std::string sql = "UPDATE " + sqlite_table(t) + " SET ";
      for (size_t i = 0; i < t.columns.size(); ++i) sql += (i ? ", " : "") + quote_identifier(t.columns[i].name) + " = ?";
      sql += " WHERE " + pk_predicate(t);
      SqliteStatement st(db_, cache_, sql);
      int n = 1;
      for (const auto& c : t.columns) st.bind(n++, row[c.name]);
      for (const auto& k : t.primary_key) st.bind(n++, m.key.at(k));
      Status s = st.run();
      if (s.code() == ErrorCode::kFailedPrecondition) {
        return failed_precondition("duplicate key value violates unique constraint \"" + t.name + "_pkey\"");
      }
      SHAPESIM_RETURN_IF_ERROR(s);
      change.old_row = std::move(*old);
      change.new_row = std::move(row);
    }
  }
  changes.push_back(std::move(change));
  return Status::Ok();
}

Result<std::optional<Xid>> EmbeddedStore::find_batch(const std::string& batch_id) {
  SqliteStatement seen(db_, cache_, "SELECT txid FROM _shapesim_batches WHERE id = ?");
  seen.bind(1, Value(batch_id));
  if (seen.step_row()) return std::optional<Xid>(Xid{static_cast<uint64_t>(seen.column_int(0))});
  SHAPESIM_RETURN_IF_ERROR(seen.status());
  return std::optional<Xid>();
}

Result<WriteOutcome> EmbeddedStore::apply(const WriteBatch& batch) {
  if (batch.id.empty()) return invalid_argument("a write batch needs a non-empty id");
  const std::string digest = batch.digest();
  // LSNs advance like a WAL position: a header plus a slot per change (one per mutation).
  const Lsn commit_lsn{last_lsn_.value + 64 * (1 + batch.mutations.size())};
  SHAPESIM_RETURN_IF_ERROR(SqliteStatement(db_, cache_, "BEGIN").run());
  // The batch's record first: its id is unique, so a replay fails here, before any mutation
  // (which could fail differently the second time), and is answered from the stored record.
  Status st;
  {
    SqliteStatement rec(db_, cache_, "INSERT INTO _shapesim_batches (id, txid, digest, commit_lsn) VALUES (?, ?, ?, ?)");
    rec.bind(1, Value(batch.id));
    rec.bind(2, Value(static_cast<int64_t>(next_xid_.value)));
    rec.bind(3, Value(digest));
    rec.bind(4, Value(static_cast<int64_t>(commit_lsn.value)));
    st = rec.run();
  }
  if (st.code() == ErrorCode::kFailedPrecondition) {  // the id is taken
    SHAPESIM_RETURN_IF_ERROR(SqliteStatement(db_, cache_, "ROLLBACK").run());
    return replay(batch.id, digest);
  }
  CommittedTransaction tx{next_xid_, commit_lsn, {}};
  for (const auto& m : batch.mutations) {
    if (!st.ok()) break;
    st = apply_mutation(m, tx.changes);
  }
  if (st.ok()) {
    SHAPESIM_ASSERT(tx.changes.size() == batch.mutations.size());  // the LSN counted one slot per mutation
    st = log_transaction(tx);
  }
  if (!st.ok()) {
    (void)SqliteStatement(db_, cache_, "ROLLBACK").run();
    return st;
  }
  SHAPESIM_RETURN_IF_ERROR(SqliteStatement(db_, cache_, "COMMIT").run());
  SHAPESIM_ASSERT(tx.commit_lsn.value > last_lsn_.value);  // the log only grows
  SHAPESIM_ASSERT(tx.xid.value == next_xid_.value);        // transaction ids are handed out in order
  next_xid_ = Xid{next_xid_.value + 1};
  last_lsn_ = tx.commit_lsn;
  return WriteOutcome{tx.xid, std::move(tx)};
}

Result<WriteOutcome> EmbeddedStore::replay(const std::string& batch_id, const std::string& digest) {
  SqliteStatement seen(db_, cache_, "SELECT txid, digest, commit_lsn FROM _shapesim_batches WHERE id = ?");
  seen.bind(1, Value(batch_id));
  if (!seen.step_row()) {
    SHAPESIM_RETURN_IF_ERROR(seen.status());
    return internal_error("write batch " + batch_id + " collided with a record that is not there");
  }
  // A row from before digests were kept has none: it answers as a replay.
  std::string stored = seen.column_text(1);
  if (!stored.empty() && stored != digest) return already_exists(reused_batch_id_message(batch_id));
  WriteOutcome replayed{Xid{static_cast<uint64_t>(seen.column_int(0))}, std::nullopt};
  if (int64_t lsn = seen.column_int(2); lsn > 0) replayed.replayed_commit_lsn = Lsn{static_cast<uint64_t>(lsn)};
  return replayed;
}

Result<Snapshot> EmbeddedStore::scan(const TableSchema& t, const std::function<void(const std::vector<Value>&)>& fn) {
  Snapshot snap;
  snap.xmin = snap.xmax = next_xid_.value;
  snap.lsn = last_lsn_;
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) sql += (i ? ", " : "") + quote_identifier(t.columns[i].name);
  // Insertion order, as PostgreSQL's snapshot of a table only inserted into (no ORDER BY).
  sql += " FROM " + sqlite_table(t) + " ORDER BY rowid";
  SqliteStatement st(db_, cache_, sql);
  SHAPESIM_RETURN_IF_ERROR(st.prepare_status());
  std::vector<ColumnType> types;
  for (const auto& c : t.columns) types.push_back(storage_type(c));
  std::vector<Value> values(t.columns.size());
  while (st.step_row()) {
    for (size_t i = 0; i < types.size(); ++i) st.read_column(static_cast<int>(i), types[i], values[i]);
    fn(values);
  }
  SHAPESIM_RETURN_IF_ERROR(st.status());
  return snap;
}

Result<uint64_t> EmbeddedStore::next_sequence() {
  uint64_t current = 0;
  {
    SqliteStatement st(db_, cache_, "SELECT value FROM _shapesim_meta WHERE key = 'handle_sequence'");
    if (st.step_row()) current = static_cast<uint64_t>(st.column_int(0));
    SHAPESIM_RETURN_IF_ERROR(st.status());
  }
  SHAPESIM_RETURN_IF_ERROR(set_meta("handle_sequence", current + 1));
  return current + 1;
}

}  // namespace shapesim
