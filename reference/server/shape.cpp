#include "reference/server/shape.h"

#include <algorithm>

#include "reference/common/json_text.h"

namespace shapesim {

namespace {
std::optional<std::string> text_of(const Row& row, const std::string& col) {
  auto it = row.find(col);
  return it == row.end() ? std::nullopt : it->second.to_pg_text();
}
}  // namespace

Result<std::unique_ptr<Shape>> Shape::create(ShapeHandle handle, ShapeDefinition definition, const TableSchema& table,
                                             size_t chunk_bytes, std::string& error_param) {
  auto where = sql::WhereClause::compile(definition.where, table, definition.params);
  if (!where.ok()) {
    error_param = "where";
    return where.status();
  }
  for (const auto& c : definition.columns) {
    if (!table.find_column(c)) {
      error_param = "columns";
      return invalid_argument("The following columns could not be found: " + c);
    }
  }
  if (!definition.columns.empty()) {
    for (const auto& pk : table.primary_key) {
      if (std::find(definition.columns.begin(), definition.columns.end(), pk) == definition.columns.end()) {
        error_param = "columns";
        return invalid_argument("The list of columns must include all primary key columns, missing: " + pk);
      }
    }
  }
  return std::unique_ptr<Shape>(
      new Shape(std::move(handle), std::move(definition), table, std::move(*where), chunk_bytes));
}

Shape::Shape(ShapeHandle h, ShapeDefinition d, TableSchema t, sql::WhereClause w, size_t chunk_bytes)
    : handle_(std::move(h)), definition_(std::move(d)), table_(std::move(t)), where_(std::move(w)), log_(chunk_bytes) {
  for (const auto& c : table_.columns) {
    std::string prefix;
    if (included(c.name)) {
      append_json_quoted(prefix, c.name);
      prefix.push_back(':');
    }
    value_prefixes_.push_back(std::move(prefix));
    sql_types_.push_back(sql::column_sql_type(c));
  }
  for (const auto& k : table_.primary_key) {
    for (size_t i = 0; i < table_.columns.size(); ++i) {
      if (table_.columns[i].name == k) pk_columns_.push_back(i);
    }
  }
  where_columns_.assign(table_.columns.size(), false);
  std::vector<const sql::BoundExpr*> pending{&where_.expression()};
  while (!pending.empty()) {
    const sql::BoundExpr* e = pending.back();
    pending.pop_back();
    if (e->kind == sql::BoundKind::kColumn) where_columns_[static_cast<size_t>(e->column)] = true;
    for (const auto& a : e->args) pending.push_back(&a);
  }
  for (size_t i = 0; i < table_.columns.size(); ++i) value_order_.push_back(i);
  std::sort(value_order_.begin(), value_order_.end(),
            [&](size_t a, size_t b) { return table_.columns[a].name < table_.columns[b].name; });
  key_prefix_ = row_key_prefix(table_.schema, table_.name);
  insert_suffix_ = "},\"headers\":{\"operation\":\"insert\",\"relation\":[";
  append_json_quoted(insert_suffix_, table_.schema);
  insert_suffix_.push_back(',');
  append_json_quoted(insert_suffix_, table_.name);
  insert_suffix_ += "]}}";
}

bool Shape::matches(const std::vector<sql::SqlValue>& row) const {
  auto r = where_.matches(row);
  return r.ok() && *r;
}

bool Shape::matches(const Row& row) const {
  if (where_.matches_everything()) return true;
  auto sql_row = sql::to_sql_row(row, table_);
  return sql_row.ok() && matches(*sql_row);
}

bool Shape::included(const std::string& column) const {
  const auto& cols = definition_.columns;
  return cols.empty() || std::find(cols.begin(), cols.end(), column) != cols.end();
}

WireRow Shape::project(const Row& row) const {
  WireRow out;
  for (const auto& c : table_.columns) {
    if (included(c.name)) out[c.name] = text_of(row, c.name);
  }
  return out;
}

std::string Shape::row_key(const Row& row) const {
  std::vector<std::optional<std::string>> pk;
  for (const auto& k : table_.primary_key) pk.push_back(text_of(row, k));
  return format_row_key(table_.schema, table_.name, pk);
}

void Shape::load_snapshot(const Snapshot& snapshot) {
  std::vector<Value> values(table_.columns.size());
  for (const auto& row : snapshot.rows) {
    for (size_t i = 0; i < values.size(); ++i) {
      auto it = row.find(table_.columns[i].name);
      values[i] = it == row.end() ? Value() : it->second;
    }
    add_snapshot_row(values);
  }
  finish_snapshot(snapshot);
}

void Shape::add_snapshot_row(const std::vector<Value>& values) {
  if (definition_.log == LogMode::kChangesOnly) return;  // rows come from subset snapshots
  if (!where_.matches_everything()) {
    sql_row_.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      if (!where_columns_[i]) continue;
      auto v = sql::from_column_value(values[i], sql_types_[i]);
      if (!v.ok()) return;  // an unreadable row is not in the shape
      sql_row_[i] = std::move(*v);
    }
    if (!matches(sql_row_)) return;
  }
  key_buffer_ = key_prefix_;
  std::string& text = text_buffer_;
  for (size_t k : pk_columns_) {
    text.clear();
    bool present = values[k].append_pg_text(text);
    append_row_key_part(key_buffer_, present ? std::optional<std::string_view>(text) : std::nullopt);
  }
  std::string& m = message_buffer_;
  m = "{\"key\":";
  append_json_quoted(m, key_buffer_);
  m += ",\"value\":{";
  bool first = true;
  for (size_t i : value_order_) {
    if (value_prefixes_[i].empty()) continue;
    if (!first) m.push_back(',');
    first = false;
    m += value_prefixes_[i];
    text.clear();
    if (values[i].append_pg_text(text)) {
      append_json_quoted(m, text);
    } else {
      m += "null";
    }
  }
  m += insert_suffix_;
  log_.add_snapshot_row(m);
}

void Shape::finish_snapshot(const Snapshot& metadata) {
  ControlMessage end{.kind = ControlKind::kSnapshotEnd, .xmin = metadata.xmin, .xmax = metadata.xmax,
                     .xip_list = metadata.xip_list};
  log_.finish_snapshot(encode_message(end));
  snapshot_lsn_ = metadata.lsn;
  xmin_ = metadata.xmin;
  xmax_ = metadata.xmax;
  xip_list_ = metadata.xip_list;
}

Shape::RoutedChange Shape::convert(size_t index, const ChangeRecord& change, const TableSchema& table,
                                   RowStorage& storage) {
  RoutedChange r{index, &change, nullptr, nullptr};
  for (auto [src, dst] : {std::pair{&change.old_row, &r.old_row}, std::pair{&change.new_row, &r.new_row}}) {
    if (!*src) continue;
    auto row = sql::to_sql_row(**src, table);
    storage.push_back(row.ok() ? std::move(*row) : std::vector<sql::SqlValue>{});
    *dst = &storage.back();
  }
  return r;
}

bool Shape::append(const CommittedTransaction& tx) {
  RowStorage storage;
  std::vector<RoutedChange> routed;
  for (size_t i = 0; i < tx.changes.size(); ++i) {
    const ChangeRecord& c = tx.changes[i];
    if (c.schema == table_.schema && c.table == table_.name) routed.push_back(convert(i, c, table_, storage));
  }
  return append(tx, routed);
}

bool Shape::append(const CommittedTransaction& tx, const std::vector<RoutedChange>& changes) {
  std::vector<ChangeMessage> out;
  std::vector<uint64_t> ops;
  auto emit = [&](Operation op, const Row& row, WireRow value, std::optional<WireRow> old_value, uint64_t op_pos) {
    ChangeMessage m{.key = row_key(row), .value = std::move(value), .old_value = std::move(old_value), .op = op,
                    .relation = {table_.schema, table_.name}, .txids = {tx.xid.value}, .lsn = tx.commit_lsn.value,
                    .op_position = op_pos};
    out.push_back(std::move(m));
    ops.push_back(op_pos);
  };
  auto key_only = [&](const Row& row) {
    if (definition_.replica == Replica::kFull) return project(row);
    WireRow v;
    for (const auto& k : table_.primary_key) v[k] = text_of(row, k);
    return v;
  };
  auto in_shape = [&](const std::vector<sql::SqlValue>* row) {
    if (!row || row->size() != table_.columns.size()) return false;
    auto m = where_.matches(*row);
    if (m.ok()) return *m;
    ++evaluation_errors_;  // the row is not in the shape; the error is reported, not thrown
    if (recent_errors_.size() < 16) recent_errors_.push_back(m.status().message());
    return false;
  };
  for (const RoutedChange& routed : changes) {
    const ChangeRecord& c = *routed.change;
    if (c.kind == ChangeKind::kTruncate) continue;  // the server retires the shape instead
    uint64_t op = 2 * routed.index;
    bool old_in = c.old_row && in_shape(routed.old_row);
    bool new_in = c.new_row && in_shape(routed.new_row);
    if (old_in && new_in) {
      const Row& o = *c.old_row;
      const Row& n = *c.new_row;
      if (row_key(o) != row_key(n)) {
        emit(Operation::kDelete, o, key_only(o), std::nullopt, op);
        emit(Operation::kInsert, n, project(n), std::nullopt, op + 1);
        continue;
      }
      WireRow changed, old_changed;
      for (const auto& col : table_.columns) {
        if (!included(col.name)) continue;
        auto ov = text_of(o, col.name), nv = text_of(n, col.name);
        if (ov != nv) {
          changed[col.name] = nv;
          old_changed[col.name] = ov;
        }
      }
      if (definition_.replica == Replica::kFull) {
        emit(Operation::kUpdate, n, project(n), std::move(old_changed), op);
      } else {
        for (const auto& k : table_.primary_key) changed[k] = text_of(n, k);
        emit(Operation::kUpdate, n, std::move(changed), std::nullopt, op);
      }
    } else if (new_in) {
      emit(Operation::kInsert, *c.new_row, project(*c.new_row), std::nullopt, op);
    } else if (old_in) {
      emit(Operation::kDelete, *c.old_row, key_only(*c.old_row), std::nullopt, op);
    }
  }
  if (out.empty()) return false;
  out.back().last = true;
  std::vector<ShapeLog::Entry> entries;
  entries.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    entries.push_back({LogOffset{tx.commit_lsn.value, ops[i]}, encode_message(out[i])});
  }
  log_.append_transaction(std::move(entries));
  return true;
}

}  // namespace shapesim
