#include "reference/pg/pg_source.h"

#include <algorithm>

#include <pqxx/pqxx>

#include "reference/common/log_offset.h"
#include "reference/common/sql_identifier.h"
#include "reference/pg/pg_session.h"
#include "reference/pg/pg_types.h"

namespace shapesim::pg {

namespace {

std::string qualified(const TableSchema& t) { return quote_identifier(t.schema) + "." + quote_identifier(t.name); }

// Electric's wording for a table that does not exist (the 400 names the `table` parameter).
Status table_missing(const TableSchema& t) {
  return not_found("Table \"" + t.schema + "." + t.name + "\" does not exist");
}

// Text for a parameter: NULL stays a null pointer (libpqxx sends SQL NULL).
struct Params {
  std::vector<std::string> storage;
  std::vector<bool> nulls;
  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    for (size_t i = 0; i < storage.size(); ++i) out.push_back(nulls[i] ? nullptr : storage[i].c_str());
    return out;
  }
  std::string add(const Value& v, const ColumnSchema& c) {
    auto text = v.to_pg_text();
    storage.push_back(text.value_or(""));
    nulls.push_back(!text);
    // A type PostgreSQL names itself (enum, composite, domain, ...): no cast, the parameter
    // takes the column's type from its place (text has no assignment cast to an enum).
    if (!c.pg_type.empty()) return "$" + std::to_string(storage.size());
    std::string type = column_type_name(c.type);
    std::string brackets;
    for (int i = 0; i < c.dims; ++i) brackets += "[]";
    return "$" + std::to_string(storage.size()) + "::" + type + brackets;
  }
};

}  // namespace

Status parse_pg_snapshot(const std::string& text, Snapshot& out) {
  auto c1 = text.find(':');
  auto c2 = c1 == std::string::npos ? c1 : text.find(':', c1 + 1);
  if (c2 == std::string::npos) return invalid_argument("malformed pg_current_snapshot: " + text);
  if (!parse_uint64(std::string_view(text).substr(0, c1), out.xmin) ||
      !parse_uint64(std::string_view(text).substr(c1 + 1, c2 - c1 - 1), out.xmax)) {
    return invalid_argument("malformed pg_current_snapshot: " + text);
  }
  out.xip_list.clear();
  std::string_view rest = std::string_view(text).substr(c2 + 1);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    uint64_t x = 0;
    if (!parse_uint64(rest.substr(0, comma), x)) return invalid_argument("malformed pg_current_snapshot: " + text);
    out.xip_list.push_back(x);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return Status::Ok();
}

struct PgSource::Connection {
  explicit Connection(const std::string& url) : c(url) {}
  pqxx::connection c;
};

PgSource::PgSource(PgSourceOptions options) : options_(std::move(options)) {}
PgSource::~PgSource() = default;

Result<std::unique_ptr<PgSource>> PgSource::connect(const PgSourceOptions& options) {
  std::unique_ptr<PgSource> source(new PgSource(options));
  try {
    source->conn_ = std::make_unique<Connection>(connection_string(options.url, false));
    pqxx::work w(source->conn_->c);
    w.exec("CREATE TABLE IF NOT EXISTS shapesim_write_batches (id text PRIMARY KEY, txid bigint NOT NULL)");
    // Older servers kept no digest: their ids answer as replays.
    w.exec("ALTER TABLE shapesim_write_batches ADD COLUMN IF NOT EXISTS digest text NOT NULL DEFAULT ''");
    w.commit();
  } catch (const std::exception& e) {
    return unavailable(std::string("cannot connect to PostgreSQL: ") + e.what());
  }
  return source;
}

Status PgSource::execute(const std::string& sql) {
  try {
    pqxx::work w(conn_->c);
    w.exec(sql);
    w.commit();
  } catch (const std::exception& e) {
    return invalid_argument(e.what());
  }
  return Status::Ok();
}

Result<std::optional<TableSchema>> PgSource::load_table(const std::string& schema, const std::string& name) {
  try {
    pqxx::read_transaction r(conn_->c);
    auto rows = r.exec_params(
        "SELECT a.attname, a.atttypid::int8, a.attnotnull, "
        "  coalesce((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "            WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum), 0), a.attndims "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
        "  AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        schema, name);
    if (rows.empty()) return std::optional<TableSchema>();
    // Columns share types (and element and base types): read each pg_type row once per load.
    std::map<uint32_t, std::optional<PgTypeRow>> types;
    auto lookup = [&](uint32_t oid) -> std::optional<PgTypeRow> {
      if (auto known = types.find(oid); known != types.end()) return known->second;
      auto& row = types[oid];
      auto t = r.exec_params("SELECT typname, typtype, typelem::int8, typbasetype::int8, "
                             "  typtype = 'b' AND typelem <> 0 AND typlen = -1 FROM pg_type WHERE oid = $1",
                             static_cast<int64_t>(oid));
      if (!t.empty()) {
        row = PgTypeRow{t[0][0].as<std::string>(), t[0][1].as<std::string>().front(),
                        static_cast<uint32_t>(t[0][2].as<int64_t>()), static_cast<uint32_t>(t[0][3].as<int64_t>()),
                        t[0][4].as<bool>()};
      }
      return row;
    };
    TableSchema t{schema, name, {}, {}};
    std::map<int, std::string> pk;
    for (const auto& row : rows) {
      CatalogColumn catalog = column_from_catalog(static_cast<uint32_t>(row[1].as<int64_t>()), row[4].as<int>(), lookup);
      ColumnSchema c = std::move(catalog.column);
      c.name = row[0].as<std::string>();
      c.not_null = row[2].as<bool>();
      if (catalog.dims_from_values) {
        // attndims is 0: count the dimensions of a stored value (Electric reports 0 here).
        auto ndims = r.exec("SELECT array_ndims(" + quote_identifier(c.name) + ") FROM " +
                            quote_identifier(schema) + "." + quote_identifier(name) + " WHERE " +
                            quote_identifier(c.name) + " IS NOT NULL LIMIT 1");
        if (!ndims.empty() && !ndims[0][0].is_null()) c.dims = std::max(1, ndims[0][0].as<int>());
      }
      int pos = row[3].as<int>();
      if (pos > 0) pk[pos] = c.name;
      t.columns.push_back(std::move(c));
    }
    for (auto& [_, col] : pk) t.primary_key.push_back(col);
    if (t.primary_key.empty()) {
      for (const auto& c : t.columns) t.primary_key.push_back(c.name);
    }
    return std::optional<TableSchema>(std::move(t));
  } catch (const std::exception& e) {
    return unavailable(std::string("catalog query failed: ") + e.what());
  }
}

const TableSchema* PgSource::find_table(const std::string& schema, const std::string& name) {
  auto key = std::make_pair(schema, name);
  auto it = tables_.find(key);
  if (it != tables_.end()) return &it->second;
  auto loaded = load_table(schema, name);
  if (!loaded.ok() || !*loaded) return nullptr;
  return &tables_.emplace(key, std::move(**loaded)).first->second;
}

const TableSchema* PgSource::cached_table(const std::string& schema, const std::string& name) const {
  auto it = tables_.find({schema, name});
  return it == tables_.end() ? nullptr : &it->second;
}

void PgSource::forget_all_tables() {
  tables_.clear();
  prepared_.clear();
}

void PgSource::forget_table(const std::string& schema, const std::string& name) {
  tables_.erase({schema, name});
  prepared_.erase({schema, name});
}

Status PgSource::prepare_table(const TableSchema& t) {
  auto key = std::make_pair(t.schema, t.name);
  if (prepared_[key]) return Status::Ok();
  try {
    pqxx::work w(conn_->c);
    auto identity = w.exec_params1(
        "SELECT c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2", t.schema, t.name)[0].as<std::string>();
    bool published = !w.exec_params("SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 "
                                    "AND tablename = $3", options_.publication, t.schema, t.name).empty();
    if (options_.manual_publication) {
      if (identity != "f") return failed_precondition("table " + qualified(t) + " needs REPLICA IDENTITY FULL");
      if (!published) {
        return failed_precondition("table " + qualified(t) + " is not in publication " + options_.publication);
      }
    } else {
      if (identity != "f") w.exec("ALTER TABLE " + qualified(t) + " REPLICA IDENTITY FULL");
      // A table prepared before replication starts (the auth gate's identity tables, at
      // startup on a fresh database) creates the publication the stream would create.
      if (!published && w.exec_params("SELECT 1 FROM pg_publication WHERE pubname = $1", options_.publication).empty()) {
        w.exec("CREATE PUBLICATION " + quote_identifier(options_.publication));
      }
      if (!published) w.exec("ALTER PUBLICATION " + quote_identifier(options_.publication) + " ADD TABLE " + qualified(t));
    }
    w.commit();
  } catch (const pqxx::undefined_table&) {
    Status missing = table_missing(t);
    forget_table(t.schema, t.name);  // dropped since it was read: `t` is gone after this
    return missing;
  } catch (const std::exception& e) {
    return unavailable(std::string("cannot prepare table ") + qualified(t) + ": " + e.what());
  }
  prepared_[key] = true;
  return Status::Ok();
}

Result<Snapshot> PgSource::scan(const TableSchema& t, const std::function<void(const std::vector<Value>&)>& fn) {
  Snapshot snap;
  try {
    pqxx::work w(conn_->c);
    w.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    auto position = w.exec1("SELECT pg_current_snapshot()::text, (pg_current_wal_lsn() - '0/0')::text");
    SHAPESIM_RETURN_IF_ERROR(parse_pg_snapshot(position[0].as<std::string>(), snap));
    // The WAL position at the snapshot (subset answers report it as database_lsn).
    if (!parse_uint64(position[1].as<std::string>(), snap.lsn.value)) {
      return internal_error("pg_current_wal_lsn() is not a number: " + position[1].as<std::string>());
    }
    std::string sql = "SELECT ";
    for (size_t i = 0; i < t.columns.size(); ++i) sql += (i ? ", " : "") + quote_identifier(t.columns[i].name) + "::text";
    // No ORDER BY, as Electric's snapshot query: clients see the table's physical order, which
    // for a table only inserted into is the order rows were written.
    sql += " FROM " + qualified(t);
    std::vector<Value> values(t.columns.size());
    // libpqxx 6.4's stream_from takes only fixed tuples: read the result set instead.
    auto result = w.exec(sql);
    for (const auto& row : result) {
      for (size_t i = 0; i < t.columns.size(); ++i) {
        const auto& field = row[static_cast<int>(i)];
        if (field.is_null()) {
          values[i] = Value();
          continue;
        }
        ColumnType type = t.columns[i].dims > 0 ? ColumnType::kText : t.columns[i].type;
        auto v = Value::from_pg_text(type, std::string_view(field.c_str(), field.size()));
        if (!v.ok()) return internal_error("snapshot value of " + t.columns[i].name + ": " + v.status().message());
        values[i] = std::move(*v);
      }
      fn(values);
    }
    w.commit();
  } catch (const pqxx::undefined_table&) {
    Status missing = table_missing(t);
    forget_table(t.schema, t.name);  // dropped since it was read: `t` is gone after this
    return missing;
  } catch (const std::exception& e) {
    return unavailable(std::string("snapshot of ") + qualified(t) + " failed: " + e.what());
  }
  return snap;
}

Result<bool> PgSource::has_batch(const std::string& id) {
  try {
    pqxx::work w(conn_->c);
    return !w.exec_params("SELECT 1 FROM shapesim_write_batches WHERE id = $1", id).empty();
  } catch (const std::exception& e) {
    return unavailable(e.what());
  }
}

Result<WriteOutcome> PgSource::apply(const WriteBatch& batch) {
  if (batch.id.empty()) return invalid_argument("a write batch needs a non-empty id");
  try {
    pqxx::work w(conn_->c);
    const std::string digest = batch.digest();
    auto seen = w.exec_params("SELECT txid, digest FROM shapesim_write_batches WHERE id = $1", batch.id);
    if (!seen.empty()) {
      std::string stored = seen[0][1].as<std::string>();
      if (!stored.empty() && stored != digest) return already_exists(reused_batch_id_message(batch.id));
      return WriteOutcome{Xid{seen[0][0].as<uint64_t>()}, std::nullopt};
    }
    for (const Mutation& m : batch.mutations) {
      const TableSchema* t = find_table(m.schema, m.table);
      if (!t) return invalid_argument("relation \"" + m.schema + "." + m.table + "\" does not exist");
      Params p;
      std::string sql;
      auto column = [&](const std::string& name) -> Result<const ColumnSchema*> {
        const ColumnSchema* c = t->find_column(name);
        if (!c) return invalid_argument("column \"" + name + "\" of relation \"" + t->name + "\" does not exist");
        return c;
      };
      auto where_key = [&]() -> Result<std::string> {
        std::string where;
        for (const auto& k : t->primary_key) {
          auto it = m.key.find(k);
          if (it == m.key.end()) return invalid_argument("missing primary key column \"" + k + "\"");
          SHAPESIM_ASSIGN_OR_RETURN(const ColumnSchema* c, column(k));
          where += (where.empty() ? "" : " AND ") + quote_identifier(k) + " = " + p.add(it->second, *c);
        }
        return where;
      };
      switch (m.kind) {
        case ChangeKind::kInsert: {
          std::string cols, vals;
          for (const auto& [name, v] : m.value) {
            SHAPESIM_ASSIGN_OR_RETURN(const ColumnSchema* c, column(name));
            cols += (cols.empty() ? "" : ", ") + quote_identifier(name);
            vals += (vals.empty() ? "" : ", ") + p.add(v, *c);
          }
          sql = "INSERT INTO " + qualified(*t) + " (" + cols + ") VALUES (" + vals + ")";
          break;
        }
        case ChangeKind::kUpdate: {
          std::string sets;
          for (const auto& [name, v] : m.value) {
            SHAPESIM_ASSIGN_OR_RETURN(const ColumnSchema* c, column(name));
            sets += (sets.empty() ? "" : ", ") + quote_identifier(name) + " = " + p.add(v, *c);
          }
          if (sets.empty()) continue;
          SHAPESIM_ASSIGN_OR_RETURN(std::string where, where_key());
          sql = "UPDATE " + qualified(*t) + " SET " + sets + " WHERE " + where;
          break;
        }
        case ChangeKind::kDelete: {
          SHAPESIM_ASSIGN_OR_RETURN(std::string where, where_key());
          sql = "DELETE FROM " + qualified(*t) + " WHERE " + where;
          break;
        }
        case ChangeKind::kTruncate: sql = "TRUNCATE " + qualified(*t); break;
      }
      auto pointers = p.pointers();
      auto result = w.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
      if ((m.kind == ChangeKind::kUpdate || m.kind == ChangeKind::kDelete) && result.affected_rows() == 0) {
        return failed_precondition(std::string(m.kind == ChangeKind::kUpdate ? "update" : "delete") +
                                   " of a missing row in relation \"" + t->name + "\"");
      }
    }
    uint64_t txid = w.exec1("SELECT pg_current_xact_id()::xid::text::int8")[0].as<uint64_t>();
    w.exec_params("INSERT INTO shapesim_write_batches (id, txid, digest) VALUES ($1, $2, $3)", batch.id, txid, digest);
    w.commit();
    return WriteOutcome{Xid{txid}, std::nullopt};
  } catch (const pqxx::sql_error& e) {
    // Constraint violations and bad values are the client's; PostgreSQL's message says which.
    std::string state = e.sqlstate();
    if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state.rfind("42", 0) == 0) {
      return invalid_argument(e.what());
    }
    return internal_error(e.what());
  } catch (const std::exception& e) {
    return unavailable(e.what());
  }
}

}  // namespace shapesim::pg
