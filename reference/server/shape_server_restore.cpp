// Restart recovery for ShapeServer: persisted shapes are reloaded with their handles and
// snapshot chunks, and the logged transactions after the oldest snapshot are replayed into
// their logs, so every client resumes at its offset. See shape_server.h for the contract.
#include "reference/server/shape_server.h"

#include <algorithm>
#include <set>

#include "reference/common/coverage.h"
#include "reference/common/table_schema_json.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

Status ShapeServer::restore_shapes() {
  SHAPESIM_ASSIGN_OR_RETURN(auto stored, store_->load_shapes());
  if (stored.empty()) return Status::Ok();
  Lsn oldest{UINT64_MAX};
  for (auto& s : stored) {
    QueryParams q;
    auto parsed_query = parse_query(s.definition);
    if (parsed_query.ok()) q = std::move(*parsed_query);
    q["offset"] = "-1";
    auto parsed = parse_shape_request(q);
    const TableSchema* table = parsed.ok() ? source_->find_table(parsed.request->shape.schema, parsed.request->shape.table) : nullptr;
    // The table changed while the server was down (its log may mix both forms): retire.
    if (table && table_schema_to_json(*table).dump() != s.table_schema) table = nullptr;
    std::string error_param;
    auto shape = table ? Shape::create(ShapeHandle{s.handle}, parsed.request->shape, *table, config_.chunk_bytes, error_param)
                       : Result<std::unique_ptr<Shape>>(not_found("table"));
    if (!shape.ok()) {
      // The table is gone or changed, or the definition no longer fits it: retire the shape
      // (its clients will refetch).
      SHAPESIM_RETURN_IF_ERROR(store_->forget_shape(s.handle));
      continue;
    }
    (*shape)->restore_snapshot(std::move(s.chunks), s.snapshot_lsn, s.xmin, s.xmax, std::move(s.xip_list));
    oldest = std::min(oldest, s.snapshot_lsn);
    registry_.add(std::move(*shape));
  }
  if (registry_.size() == 0) return Status::Ok();
  sometimes(Probe::kShapesRestoredAtStartup);
  SHAPESIM_ASSIGN_OR_RETURN(auto transactions, store_->transactions_after(oldest));
  for (const auto& tx : transactions) {
    std::set<std::pair<std::string, std::string>> tables;
    for (const auto& c : tx.changes) tables.insert({c.schema, c.table});
    for (const auto& [schema, table] : tables) {
      for (Shape* s : registry_.shapes_on(schema, table)) {
        if (tx.commit_lsn > s->snapshot_lsn() && !s->in_snapshot(tx.xid)) s->append(tx);
      }
    }
  }
  return Status::Ok();
}

}  // namespace shapesim
