#include "reference/client/client_store.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "reference/common/sqlite_process.h"

namespace shapesim {

namespace {

// A prepared statement from the store's cache (prepared once per SQL text, kept for the
// connection's life), reset and unbound on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, std::map<const char*, sqlite3_stmt*>& cache, const char* sql) : db_(db) {
    if (auto it = cache.find(sql); it != cache.end()) {
      st_ = it->second;
      return;
    }
    rc_ = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr);
    if (rc_ == SQLITE_OK) cache.emplace(sql, st_);
  }
  ~Statement() {
    if (st_) {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Status prepared() const {
    return rc_ == SQLITE_OK ? Status::Ok() : internal_error(std::string("client store: ") + sqlite3_errmsg(db_));
  }
  void bind(int i, const std::string& v) { sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  void bind_null(int i) { sqlite3_bind_null(st_, i); }
  // SQLITE_ROW: a row; SQLITE_DONE: finished; else an error (status()).
  int step() {
    rc_ = sqlite3_step(st_);
    return rc_;
  }
  Status done() {
    int rc = step();
    return rc == SQLITE_DONE ? Status::Ok() : internal_error(std::string("client store: ") + sqlite3_errmsg(db_));
  }
  std::string text(int i) const {
    const unsigned char* t = sqlite3_column_text(st_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(st_, i))) : "";
  }
  bool is_null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }
  int64_t integer(int i) const { return sqlite3_column_int64(st_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_OK;
};

std::string row_json(const WireRow& row) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : row) j[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<WireRow> row_from(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return internal_error("client store: a stored row is not a JSON object");
  WireRow row;
  for (const auto& [k, v] : j.items()) row[k] = v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
  return row;
}

}  // namespace

bool worth_saving(const StreamUpdate& update, const std::optional<ShapeStreamPosition>& position,
                  const std::optional<ShapeStreamPosition>& saved) {
  if (update.must_refetch || !update.changes.empty()) return true;
  return position && (!saved || position->handle != saved->handle || position->offset != saved->offset ||
                      position->live != saved->live);
}

Result<std::unique_ptr<ClientStore>> ClientStore::open(const std::string& path, const std::string& vfs) {
  prepare_sqlite();
  sqlite3* db = nullptr;
  // One connection per store, used by one thread at a time: no per-connection mutex.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return unavailable("cannot open the client store " + path + ": " + message);
  }
  auto store = std::unique_ptr<ClientStore>(new ClientStore(db));
  // Rollback journal, truncated rather than deleted after each commit (no file created and
  // removed per save), synced (synchronous=FULL): a commit is durable when it returns. (A
  // write-ahead log measured slower for these small, frequent commits: docs/performance.md.)
  // Tables keyed by text are WITHOUT ROWID: one b-tree each instead of a table and its key
  // index, so a save journals and writes fewer pages. A file made before keeps its rowid
  // tables; every statement works on both layouts.
  // The file belongs to one engine: exclusive locking keeps its lock between transactions, so
  // a save neither re-acquires it nor re-reads the header to revalidate the page cache, and a
  // second engine (or process) on the same file fails to open it instead of interleaving its
  // outbox with this one's.
  SHAPESIM_RETURN_IF_ERROR(store->exec("PRAGMA locking_mode=EXCLUSIVE;"));
  Status created = store->exec(
      "PRAGMA journal_mode=TRUNCATE;"
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, batch_id TEXT NOT NULL, body TEXT NOT NULL, user TEXT NOT NULL,"
      "  mutations TEXT NOT NULL DEFAULT '[]');"
      "CREATE TABLE IF NOT EXISTS shape_rows (shape TEXT NOT NULL, key TEXT NOT NULL, row TEXT NOT NULL, PRIMARY KEY (shape, key)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS shape_positions (shape TEXT PRIMARY KEY, handle TEXT NOT NULL, log_offset TEXT NOT NULL,"
      "  cursor TEXT, live INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;");
  if (!created.ok() && sqlite3_errcode(db) == SQLITE_BUSY) {
    return unavailable("the client store " + path + " is in use by another engine or process");
  }
  SHAPESIM_RETURN_IF_ERROR(created);
  // A file from before queued writes kept their mutations (user_version 0): add the column.
  SHAPESIM_RETURN_IF_ERROR(store->migrate());
  return store;
}

ClientStore::~ClientStore() {
  for (auto& [_, st] : statements_) sqlite3_finalize(st);
  sqlite3_close(db_);
}

Status ClientStore::run(const char* sql) {
  Statement st(db_, statements_, sql);
  SHAPESIM_RETURN_IF_ERROR(st.prepared());
  return st.done();
}

Status ClientStore::migrate() {
  Statement version(db_, statements_, "PRAGMA user_version");
  SHAPESIM_RETURN_IF_ERROR(version.prepared());
  if (version.step() != SQLITE_ROW) return internal_error(std::string("client store: ") + sqlite3_errmsg(db_));
  if (version.integer(0) >= kFileVersion) return Status::Ok();
  bool has_mutations = false;
  Statement columns(db_, statements_, "SELECT name FROM pragma_table_info('outbox')");
  SHAPESIM_RETURN_IF_ERROR(columns.prepared());
  while (columns.step() == SQLITE_ROW) has_mutations = has_mutations || columns.text(0) == "mutations";
  if (!has_mutations) SHAPESIM_RETURN_IF_ERROR(exec("ALTER TABLE outbox ADD COLUMN mutations TEXT NOT NULL DEFAULT '[]'"));
  return exec("PRAGMA user_version = " + std::to_string(kFileVersion));
}

Status ClientStore::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return Status::Ok();
  std::string message = error ? error : "unknown error";
  sqlite3_free(error);
  return internal_error("client store: " + message);
}

Status ClientStore::append(const OutboxEntry& e) {
  Statement st(db_, statements_, "INSERT INTO outbox (seq, batch_id, body, user, mutations) VALUES (?, ?, ?, ?, ?)");
  SHAPESIM_RETURN_IF_ERROR(st.prepared());
  st.bind(1, static_cast<int64_t>(e.seq));
  st.bind(2, e.batch_id);
  st.bind(3, e.body);
  st.bind(4, e.user);
  st.bind(5, e.mutations);
  return st.done();
}

Status ClientStore::remove(uint64_t seq) {
  Statement st(db_, statements_, "DELETE FROM outbox WHERE seq = ?");
  SHAPESIM_RETURN_IF_ERROR(st.prepared());
  st.bind(1, static_cast<int64_t>(seq));
  return st.done();
}

Result<std::vector<OutboxEntry>> ClientStore::load() {
  Statement st(db_, statements_, "SELECT seq, batch_id, body, user, mutations FROM outbox ORDER BY seq");
  SHAPESIM_RETURN_IF_ERROR(st.prepared());
  std::vector<OutboxEntry> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back({static_cast<uint64_t>(st.integer(0)), st.text(1), st.text(2), st.text(3), st.text(4)});
  if (rc != SQLITE_DONE) return internal_error(std::string("client store: ") + sqlite3_errmsg(db_));
  return out;
}

Status ClientStore::save_update(const std::string& shape, const StreamUpdate& update,
                                const std::map<std::string, WireRow>& rows_after,
                                const std::optional<ShapeStreamPosition>& position) {
  SHAPESIM_RETURN_IF_ERROR(run("BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    if (update.must_refetch) {
      Statement clear(db_, statements_, "DELETE FROM shape_rows WHERE shape = ?");
      SHAPESIM_RETURN_IF_ERROR(clear.prepared());
      clear.bind(1, shape);
      SHAPESIM_RETURN_IF_ERROR(clear.done());
      Statement forget(db_, statements_, "DELETE FROM shape_positions WHERE shape = ?");
      SHAPESIM_RETURN_IF_ERROR(forget.prepared());
      forget.bind(1, shape);
      SHAPESIM_RETURN_IF_ERROR(forget.done());
    }
    for (const auto& c : update.changes) {
      auto row = rows_after.find(c.key);
      if (row == rows_after.end()) {
        Statement del(db_, statements_, "DELETE FROM shape_rows WHERE shape = ? AND key = ?");
        SHAPESIM_RETURN_IF_ERROR(del.prepared());
        del.bind(1, shape);
        del.bind(2, c.key);
        SHAPESIM_RETURN_IF_ERROR(del.done());
      } else {
        Statement put(db_, statements_, "INSERT OR REPLACE INTO shape_rows (shape, key, row) VALUES (?, ?, ?)");
        SHAPESIM_RETURN_IF_ERROR(put.prepared());
        put.bind(1, shape);
        put.bind(2, c.key);
        put.bind(3, row_json(row->second));
        SHAPESIM_RETURN_IF_ERROR(put.done());
      }
    }
    if (position) {
      Statement pos(db_, statements_, "INSERT OR REPLACE INTO shape_positions (shape, handle, log_offset, cursor, live) VALUES (?, ?, ?, ?, ?)");
      SHAPESIM_RETURN_IF_ERROR(pos.prepared());
      pos.bind(1, shape);
      pos.bind(2, position->handle);
      pos.bind(3, position->offset.to_string());
      if (position->cursor) pos.bind(4, *position->cursor); else pos.bind_null(4);
      pos.bind(5, int64_t{position->live ? 1 : 0});
      SHAPESIM_RETURN_IF_ERROR(pos.done());
    }
    return Status::Ok();
  }();
  if (!body.ok()) {
    (void)run("ROLLBACK");
    return body;
  }
  return run("COMMIT");
}

Result<ClientStore::SavedShape> ClientStore::load_shape(const std::string& shape) {
  SavedShape saved;
  Statement rows(db_, statements_, "SELECT key, row FROM shape_rows WHERE shape = ? ORDER BY key");
  SHAPESIM_RETURN_IF_ERROR(rows.prepared());
  rows.bind(1, shape);
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    SHAPESIM_ASSIGN_OR_RETURN(WireRow row, row_from(rows.text(1)));
    saved.rows.emplace(rows.text(0), std::move(row));
  }
  if (rc != SQLITE_DONE) return internal_error(std::string("client store: ") + sqlite3_errmsg(db_));
  Statement pos(db_, statements_, "SELECT handle, log_offset, cursor, live FROM shape_positions WHERE shape = ?");
  SHAPESIM_RETURN_IF_ERROR(pos.prepared());
  pos.bind(1, shape);
  if (pos.step() == SQLITE_ROW) {
    auto offset = LogOffset::parse(pos.text(1));
    if (!offset.ok()) return internal_error("client store: a stored offset is malformed: " + pos.text(1));
    saved.position = ShapeStreamPosition{pos.text(0), *offset, pos.is_null(2) ? std::nullopt : std::optional<std::string>(pos.text(2)),
                                         pos.integer(3) != 0};
  }
  return saved;
}

Status ClientStore::put(const std::string& key, const std::string& value) {
  Statement st(db_, statements_, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
  SHAPESIM_RETURN_IF_ERROR(st.prepared());
  st.bind(1, key);
  st.bind(2, value);
  return st.done();
}

Result<std::optional<std::string>> ClientStore::get(const std::string& key) {
  Statement st(db_, statements_, "SELECT value FROM settings WHERE key = ?");
  SHAPESIM_RETURN_IF_ERROR(st.prepared());
  st.bind(1, key);
  int rc = st.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(st.text(0));
  if (rc != SQLITE_DONE) return internal_error(std::string("client store: ") + sqlite3_errmsg(db_));
  return std::optional<std::string>();
}

Status ClientStore::purge() {
  Status st = exec("BEGIN IMMEDIATE; DELETE FROM shape_rows; DELETE FROM shape_positions; DELETE FROM settings; COMMIT;");
  if (!st.ok()) (void)exec("ROLLBACK");
  return st;
}

}  // namespace shapesim
