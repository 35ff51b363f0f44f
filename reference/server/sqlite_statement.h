// SqliteStatement: RAII around sqlite3_stmt with typed binding and reading of Values.
//
//   SqliteStatement st(db, "SELECT v FROM t WHERE k = ?");
//   st.bind(1, Value(int64_t{7}));
//   while (st.step_row()) st.column(0, ColumnType::kText);
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "reference/common/status.h"
#include "reference/common/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace shapesim {

// Prepared statements by SQL text, kept for the connection's lifetime. clear() must run
// before the connection closes.
class StatementCache {
 public:
  ~StatementCache() { clear(); }
  sqlite3_stmt* get(sqlite3* db, const std::string& sql, Status& status);
  void clear();

 private:
  std::unordered_map<std::string, sqlite3_stmt*> statements_;  // SQL text -> prepared statement
};

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql);
  // Borrows a cached statement: reset (not finalized) when this object goes away.
  SqliteStatement(sqlite3* db, StatementCache& cache, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  const Status& prepare_status() const { return status_; }
  void bind(int index, const Value& v);  // 1-based
  // Binds bytes without copying: they must stay valid until the statement has run.
  void bind_text_view(int index, std::string_view text);
  void bind_blob_view(int index, const void* data, size_t size);
  // Steps once: true if a row is available; false when done. Errors land in status().
  bool step_row();
  // Runs to completion; returns the error if any.
  Status run();
  const Status& status() const { return status_; }
  Value column(int index, ColumnType type) const;  // 0-based
  // The same into an existing Value (a string value's buffer is reused).
  void read_column(int index, ColumnType type, Value& out) const;
  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  std::string column_blob(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = true;
  Status status_;
};

}  // namespace shapesim
