// ShapeServer: the write API (POST /api/mutations) and transaction ingest: routing a committed
// transaction into shape logs, replicated transactions, table and source invalidation.
#include "reference/server/shape_server.h"

#include <algorithm>
#include <set>

#include "reference/common/assert.h"
#include "reference/common/coverage.h"
#include "reference/common/planted_bugs.h"
#include "reference/common/table_schema_json.h"
#include "reference/server/http_responses.h"
#include "reference/server/subset_snapshot.h"
#include "reference/server/write_batch_json.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

HttpResponse ShapeServer::handle_mutations(const HttpRequest& req, Timestamp now, ServerOutput& out) {
  auto batch = parse_write_batch(req.body, *source_);
  if (!batch.ok()) return json_error(400, batch.status().message());
  auto outcome = source_->apply(*batch);
  if (!outcome.ok()) {
    ErrorCode code = outcome.status().code();
    int status = code == ErrorCode::kInternal ? 500 : code == ErrorCode::kAlreadyExists ? 409 : 400;
    return json_error(status, outcome.status().message());
  }
  if (outcome->committed) {
    out.append(on_transaction(*outcome->committed, now));
  } else {
    sometimes(Probe::kDuplicateBatchAnswered);  // a retried batch: answered with its first txid
  }
  HttpResponse r;
  r.headers["content-type"] = "application/json";
  r.headers["cache-control"] = "no-store";
  // The commit LSN, when this answer committed it: a client whose shape the write did not touch
  // confirms it once an up-to-date's global_last_seen_lsn passes it (docs/client.md).
  // A replay answers the LSN of its first commit, when the source kept it.
  std::optional<Lsn> lsn = outcome->committed ? std::optional<Lsn>(outcome->committed->commit_lsn) : outcome->replayed_commit_lsn;
  if (!outcome->committed && planted(PlantedBug::kReplayAnswersNoLsn)) lsn.reset();
  r.body = "{\"txid\":" + std::to_string(outcome->txid.value) + (lsn ? ",\"lsn\":\"" + std::to_string(lsn->value) + "\"" : "") + "}";
  return r;
}

ServerOutput ShapeServer::on_transaction(const CommittedTransaction& tx, Timestamp now) {
  ServerOutput out = before_fanout_ && !planted(PlantedBug::kRevocationAfterFanout) ? before_fanout_(tx, now) : ServerOutput{};
  for (const auto& c : tx.changes) out.changed_tables.insert(c.schema + "." + c.table);
  // Convert each changed row once; ask the table's routing index which shapes may care
  // about the old or the new row; hand each shape its changes in transaction order.
  Shape::RowStorage storage;
  struct ByHandle {
    bool operator()(const Shape* a, const Shape* b) const { return a->handle().value < b->handle().value; }
  };
  std::map<Shape*, std::vector<Shape::RoutedChange>, ByHandle> per_shape;  // handle order: deterministic
  std::vector<Shape*> candidates;
  bool retired = false;
  for (size_t i = 0; i < tx.changes.size(); ++i) {
    const ChangeRecord& c = tx.changes[i];
    if (c.kind == ChangeKind::kTruncate) {
      // TRUNCATE: every shape on the table gets a new handle (clients see 409 and refetch).
      for (Shape* s : registry_.shapes_on(c.schema, c.table)) {
        per_shape.erase(s);
        retire(s->handle().value);
      }
      retired = true;
      continue;
    }
    if (!registry_.has_shapes_on(c.schema, c.table)) continue;
    const TableSchema* table = source_->find_table(c.schema, c.table);
    if (!table) continue;
    Shape::RoutedChange routed = Shape::convert(i, c, *table, storage);
    candidates.clear();
    for (const auto* row : {routed.old_row, routed.new_row}) {
      if (row && row->size() == table->columns.size()) registry_.candidates(c.schema, c.table, *row, candidates);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (Shape* s : candidates) {
      if (!s->in_snapshot(tx.xid)) per_shape[s].push_back(routed);
    }
  }
  for (auto& [shape, changes] : per_shape) {
    if (planted(PlantedBug::kDropLastChangeOfTransaction) && tx.changes.size() > 1 && changes.size() > 1 &&
        changes.back().index + 1 == tx.changes.size()) {
      changes.pop_back();
    }
    if (shape->append(tx, changes)) {
      release_parked(shape->handle().value, now, out);
      push_streams(shape->handle().value, out);
    }
    for (auto& error : shape->take_evaluation_errors()) {
      out.notices.push_back("shape " + shape->handle().value + ": a row of transaction " + std::to_string(tx.xid.value) +
                            " is left out, its where clause failed: " + error);
    }
  }
  if (retired) release_retired(out);
  return out;
}

Result<ServerOutput> ShapeServer::on_replicated(const CommittedTransaction& tx, Timestamp now) {
  if (tx.commit_lsn <= store_->last_lsn()) return ServerOutput{};  // already logged: a replay
  SHAPESIM_RETURN_IF_ERROR(store_->log_replicated(tx));
  return on_transaction(tx, now);
}

ServerOutput ShapeServer::invalidate_table(const std::string& schema, const std::string& table) {
  ServerOutput out;
  std::vector<std::string> handles;
  for (Shape* s : registry_.shapes_on(schema, table)) handles.push_back(s->handle().value);
  for (auto& h : handles) retire(h);
  release_retired(out);
  return out;
}

ServerOutput ShapeServer::invalidate_all() {
  ServerOutput out;
  for (auto& h : registry_.handles()) retire(h);
  release_retired(out);
  return out;
}

}  // namespace shapesim
