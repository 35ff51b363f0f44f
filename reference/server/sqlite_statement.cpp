#include "reference/server/sqlite_statement.h"

#include <sqlite3.h>

namespace shapesim {

SqliteStatement::SqliteStatement(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    status_ = internal_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
}

sqlite3_stmt* StatementCache::get(sqlite3* db, const std::string& sql, Status& status) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    status = internal_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    return nullptr;
  }
  statements_[sql] = stmt;
  return stmt;
}

void StatementCache::clear() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
}

SqliteStatement::SqliteStatement(sqlite3* db, StatementCache& cache, const std::string& sql) : db_(db), owned_(false) {
  stmt_ = cache.get(db, sql, status_);
}

SqliteStatement::~SqliteStatement() {
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void SqliteStatement::bind(int index, const Value& v) {
  if (!stmt_) return;
  if (v.is_null()) {
    sqlite3_bind_null(stmt_, index);
  } else if (const bool* b = v.as_bool()) {
    sqlite3_bind_int64(stmt_, index, *b ? 1 : 0);
  } else if (const int64_t* i = v.as_int()) {
    sqlite3_bind_int64(stmt_, index, *i);
  } else if (const double* d = v.as_double()) {
    sqlite3_bind_double(stmt_, index, *d);
  } else if (const std::string* s = v.as_string()) {
    sqlite3_bind_text(stmt_, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
  }
}

void SqliteStatement::bind_text_view(int index, std::string_view text) {
  if (stmt_) sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void SqliteStatement::bind_blob_view(int index, const void* data, size_t size) {
  if (stmt_) sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_STATIC);
}

bool SqliteStatement::step_row() {
  if (!stmt_ || !status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) {
    status_ = rc == SQLITE_CONSTRAINT ? failed_precondition(sqlite3_errmsg(db_))
                                      : internal_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  return false;
}

Status SqliteStatement::run() {
  while (step_row()) {
  }
  return status_;
}

Value SqliteStatement::column(int index, ColumnType type) const {
  if (sqlite3_column_type(stmt_, index) == SQLITE_NULL) return Value();
  switch (type) {
    case ColumnType::kBool: return Value(sqlite3_column_int64(stmt_, index) != 0);
    case ColumnType::kInt2:
    case ColumnType::kInt4:
    case ColumnType::kInt8: return Value(static_cast<int64_t>(sqlite3_column_int64(stmt_, index)));
    case ColumnType::kFloat4:
    case ColumnType::kFloat8: return Value(sqlite3_column_double(stmt_, index));
    default: return Value(column_text(index));
  }
}

void SqliteStatement::read_column(int index, ColumnType type, Value& out) const {
  switch (type) {
    case ColumnType::kBool:
    case ColumnType::kInt2:
    case ColumnType::kInt4:
    case ColumnType::kInt8:
    case ColumnType::kFloat4:
    case ColumnType::kFloat8: out = column(index, type); return;
    default: break;
  }
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (!text) {
    out = Value();
    return;
  }
  out.assign_text(std::string_view(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, index))));
}

int64_t SqliteStatement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string SqliteStatement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n)) : std::string();
}

std::string SqliteStatement::column_blob(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  return data ? std::string(static_cast<const char*>(data), static_cast<size_t>(n)) : std::string();
}

}  // namespace shapesim
