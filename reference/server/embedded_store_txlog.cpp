// EmbeddedStore's transaction log: every committed (or replicated) transaction as one row of
// `_shapesim_txlog` (LSN, xid, changes as JSON), read back to replay shape logs at restart.
#include "reference/server/embedded_store.h"

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"
#include "reference/common/json_text.h"
#include "reference/server/sqlite_statement.h"

namespace shapesim {

namespace {

// Appends a row as the transaction log's JSON object (read back by row_from_log_json):
// NULL, bool and int64 natively, strings as strings, floats as {"f": "<float8 text>"} so
// NaN, Infinity and every bit round-trip. Written directly: this runs for every change.
void append_log_row(std::string& out, const Row& row) {
  out.push_back('{');
  bool first = true;
  for (const auto& [col, v] : row) {
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted(out, col);
    out.push_back(':');
    if (v.is_null()) {
      out += "null";
    } else if (const bool* b = v.as_bool()) {
      out += *b ? "true" : "false";
    } else if (const int64_t* i = v.as_int()) {
      out += std::to_string(*i);
    } else if (const double* d = v.as_double()) {
      out += "{\"f\":";
      append_json_quoted(out, format_pg_float8(*d));
      out.push_back('}');
    } else {
      append_json_quoted(out, *v.as_string());
    }
  }
  out.push_back('}');
}

Row row_from_log_json(const nlohmann::json& j) {
  Row row;
  for (const auto& [col, v] : j.items()) {
    if (v.is_null()) {
      row[col] = Value();
    } else if (v.is_boolean()) {
      row[col] = Value(v.get<bool>());
    } else if (v.is_number_integer()) {
      row[col] = Value(v.get<int64_t>());
    } else if (v.is_object()) {
      row[col] = *Value::from_pg_text(ColumnType::kFloat8, v["f"].get<std::string>());
    } else {
      row[col] = Value(v.get<std::string>());
    }
  }
  return row;
}

}  // namespace

Status EmbeddedStore::log_replicated(const CommittedTransaction& tx) {
  if (tx.commit_lsn <= last_lsn_) return failed_precondition("transaction at LSN " + std::to_string(tx.commit_lsn.value) +
                                                             " is not after the last logged one");
  SHAPESIM_RETURN_IF_ERROR(log_transaction(tx));
  last_lsn_ = tx.commit_lsn;
  return Status::Ok();
}

Status EmbeddedStore::log_transaction(const CommittedTransaction& tx) {
  std::string changes = "[";
  for (size_t i = 0; i < tx.changes.size(); ++i) {
    const ChangeRecord& c = tx.changes[i];
    if (i) changes.push_back(',');
    changes += "{\"schema\":";
    append_json_quoted(changes, c.schema);
    changes += ",\"table\":";
    append_json_quoted(changes, c.table);
    changes += ",\"kind\":" + std::to_string(static_cast<int>(c.kind));
    if (c.old_row) {
      changes += ",\"old\":";
      append_log_row(changes, *c.old_row);
    }
    if (c.new_row) {
      changes += ",\"new\":";
      append_log_row(changes, *c.new_row);
    }
    changes.push_back('}');
  }
  changes.push_back(']');
  SqliteStatement st(db_, cache_, "INSERT INTO _shapesim_txlog (lsn, xid, changes) VALUES (?, ?, ?)");
  st.bind(1, Value(static_cast<int64_t>(tx.commit_lsn.value)));
  st.bind(2, Value(static_cast<int64_t>(tx.xid.value)));
  st.bind_text_view(3, changes);
  return st.run();
}

Result<std::vector<CommittedTransaction>> EmbeddedStore::transactions_after(Lsn after) {
  std::vector<CommittedTransaction> out;
  SqliteStatement st(db_, cache_, "SELECT lsn, xid, changes FROM _shapesim_txlog WHERE lsn > ? ORDER BY lsn");
  st.bind(1, Value(static_cast<int64_t>(after.value)));
  while (st.step_row()) {
    CommittedTransaction tx{Xid{static_cast<uint64_t>(st.column_int(1))}, Lsn{static_cast<uint64_t>(st.column_int(0))}, {}};
    auto parsed = parse_bounded_json(st.column_text(2));
    const nlohmann::json changes = parsed.ok() ? std::move(*parsed) : nlohmann::json();
    if (!changes.is_array()) return internal_error("corrupt transaction log entry at lsn " + std::to_string(tx.commit_lsn.value));
    for (const auto& c : changes) {
      ChangeRecord r{c["schema"].get<std::string>(), c["table"].get<std::string>(), static_cast<ChangeKind>(c["kind"].get<int>()),
                     std::nullopt, std::nullopt};
      if (c.contains("old")) r.old_row = row_from_log_json(c["old"]);
      if (c.contains("new")) r.new_row = row_from_log_json(c["new"]);
      tx.changes.push_back(std::move(r));
    }
    out.push_back(std::move(tx));
  }
  SHAPESIM_RETURN_IF_ERROR(st.status());
  return out;
}

}  // namespace shapesim
