// PgSource: PostgreSQL as the source of truth (ordinary SQL through libpqxx).
//
// - Tables come from the catalog (columns in attnum order, primary key in index order; a
//   table without one is keyed by all its columns, as Electric does).
// - prepare_table() adds the table to the server's publication with REPLICA IDENTITY FULL
//   (or, in manual mode, only checks both and names what is missing).
// - scan() reads a REPEATABLE READ snapshot and pg_current_snapshot() in one transaction, rows
//   in the table's physical order (no ORDER BY, as Electric).
// - apply() runs a write batch in one transaction, records its id for idempotency in
//   `shapesim_write_batches`, and answers pg_current_xact_id()::xid; the changes reach the
//   shape logs through replication.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "reference/server/source_of_truth.h"

namespace shapesim::pg {

struct PgSourceOptions {
  std::string url;
  std::string publication = "shapesim";
  bool manual_publication = false;  // verify only: never ALTER anything
};

class PgSource : public SourceOfTruth {
 public:
  static Result<std::unique_ptr<PgSource>> connect(const PgSourceOptions& options);
  ~PgSource() override;

  const TableSchema* find_table(const std::string& schema, const std::string& name) override;
  Status prepare_table(const TableSchema& table) override;
  Result<Snapshot> scan(const TableSchema& table, const std::function<void(const std::vector<Value>&)>& row) override;
  Result<WriteOutcome> apply(const WriteBatch& batch) override;
  Result<bool> has_batch(const std::string& id) override;

  // The table as last read from the catalog, without reading it (nullptr when not cached).
  const TableSchema* cached_table(const std::string& schema, const std::string& name) const;
  // Forgets a cached table definition (after a schema change): the next use reads the catalog
  // and prepares the table again.
  void forget_table(const std::string& schema, const std::string& name);
  // Forgets every cached table (a new slot, perhaps a new publication).
  void forget_all_tables();
  // Runs SQL (tests and setup).
  Status execute(const std::string& sql);

 private:
  explicit PgSource(PgSourceOptions options);
  Result<std::optional<TableSchema>> load_table(const std::string& schema, const std::string& name);

  struct Connection;  // wraps pqxx::connection (a typedef libpqxx does not let us forward-declare)
  PgSourceOptions options_;
  std::unique_ptr<Connection> conn_;
  std::map<std::pair<std::string, std::string>, TableSchema> tables_;
  std::map<std::pair<std::string, std::string>, bool> prepared_;
};

// "xmin:xmax:xip,xip" (pg_current_snapshot()) -> snapshot bounds.
Status parse_pg_snapshot(const std::string& text, Snapshot& out);

}  // namespace shapesim::pg
