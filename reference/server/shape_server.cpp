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

void ServerOutput::expand_shared() {
  for (auto& shared : shared_responses) {
    for (RequestId id : shared.ids) responses.emplace_back(id, shared.response);
  }
  shared_responses.clear();
}

namespace {

constexpr int64_t kCursorBucketSeconds = 20;

}  // namespace

ShapeServer::ShapeServer(ServerConfig config, std::unique_ptr<EmbeddedStore> store)
    : config_(config), store_(std::move(store)), source_(store_.get()) {
  startup_status_ = restore_shapes();
}

ShapeServer::ShapeServer(ServerConfig config, std::unique_ptr<EmbeddedStore> storage,
                         std::unique_ptr<SourceOfTruth> source)
    : config_(config), store_(std::move(storage)), external_source_(std::move(source)), source_(external_source_.get()) {
  startup_status_ = restore_shapes();
}

void ShapeServer::retire(std::string handle) {
  usage_.forget(handle);
  registry_.remove(handle);
  (void)store_->forget_shape(handle);  // a failure only means a stale entry, retired again at restart
}

ServerOutput ShapeServer::handle(RequestId id, const HttpRequest& req, Timestamp now) {
  if (req.method == "HEAD") return handle_head(id, req, now);
  start_usage(now);
  ServerOutput out;
  HttpResponse response;
  bool parked = false;
  // A write is POST /api/mutations or DELETE /v1/shape (a subset POST /v1/shape only reads).
  const bool write = (req.path == "/api/mutations" && req.method == "POST") || (req.path == "/v1/shape" && req.method == "DELETE");
  const bool write_preflight = req.method == "OPTIONS" && (req.path == "/api/mutations" ||
                                                          req.header("access-control-request-method") == "DELETE");
  if (auto refused = check_host(req, config_.policy)) {
    response = std::move(*refused);
  } else if ((write || write_preflight) && !origin_may_write(req, config_.policy)) {
    response = json_error(403, "origin " + *req.header("origin") +
                                   " may not write here (serve --cors-origin ORIGIN allows a cross-origin writer)");
  } else if (req.method == "OPTIONS") {
    response.status = 204;
    response.headers["access-control-allow-methods"] = "GET, POST, DELETE, OPTIONS";
    response.headers["access-control-allow-headers"] = req.header("access-control-request-headers").value_or("*");
    response.headers["access-control-max-age"] = "86400";
  } else if (req.path == "/v1/health") {
    response.status = req.method == "GET" ? 200 : 405;
    response.headers["content-type"] = "application/json";
    response.body = response.status == 200 ? "{\"status\":\"active\"}" : "";
  } else if (req.path == "/v1/shape") {
    if (req.method == "GET" || req.method == "POST") {
      response = handle_get_shape(id, req, now, parked);
    } else if (req.method == "DELETE") {
      response = handle_delete_shape(req);
      release_retired(out);
    } else {
      response = json_error(405, "method not allowed");
    }
  } else if (req.path == "/api/mutations") {
    response = req.method == "POST" ? handle_mutations(req, now, out) : json_error(405, "method not allowed");
  } else {
    response = json_error(404, "not found: " + req.path);
  }
  if (!parked) {
    add_cors_headers(response, req.header("origin"));
    out.responses.emplace_back(id, std::move(response));
  }
  return out;
}

ServerOutput ShapeServer::handle_head(RequestId id, const HttpRequest& req, Timestamp now) {
  // The GET answer without its body. A HEAD never waits: live parameters are dropped.
  HttpRequest get = req;
  get.method = "GET";
  for (const char* k : {"live", "live_sse", "experimental_live_sse"}) get.query.erase(k);
  ServerOutput out = handle(id, get, now);
  SHAPESIM_ASSERT(out.responses.size() == 1 && out.responses[0].first == id && !out.responses[0].second.streaming);
  HttpResponse& r = out.responses[0].second;
  r.headers["content-length"] = std::to_string(r.body.size());
  r.body.clear();
  r.head = true;
  return out;
}

Result<ShapeLog::ReadResult> ShapeServer::read_after(const Shape& shape, LogOffset offset) const {
  return shape.log().read_after(offset, LogOffset{end_lsn(), 0});
}

Result<Shape*> ShapeServer::get_or_create(const ShapeDefinition& d, std::string& error_param) {
  if (Shape* s = registry_.find_by_definition(d)) return s;
  const TableSchema* table = source_->find_table(d.schema, d.table);
  if (!table) {
    error_param = "table";
    return invalid_argument("Table \"" + d.schema + "." + d.table + "\" does not exist");
  }
  SHAPESIM_RETURN_IF_ERROR(make_room());
  SHAPESIM_ASSIGN_OR_RETURN(uint64_t seq, store_->next_sequence());
  ShapeHandle handle{ShapeRegistry::make_handle(d, seq)};
  SHAPESIM_ASSIGN_OR_RETURN(std::unique_ptr<Shape> shape,
                            Shape::create(handle, d, *table, config_.chunk_bytes, error_param));
  // The table may have been dropped since it was read (a source such as PostgreSQL then says
  // kNotFound, and the 400 names `table`).
  Status prepared = source_->prepare_table(*table);
  if (prepared.code() == ErrorCode::kNotFound) error_param = "table";
  SHAPESIM_RETURN_IF_ERROR(prepared);
  Shape& building = *shape;
  auto snap = source_->scan(*table, [&](const std::vector<Value>& row) { building.add_snapshot_row(row); });
  if (!snap.ok()) {
    if (snap.status().code() == ErrorCode::kNotFound) error_param = "table";
    return snap.status();
  }
  snap->lsn = store_->last_lsn();  // every transaction logged so far committed before the snapshot
  shape->finish_snapshot(*snap);
  if (shape->log().snapshot_chunks().size() > 1) sometimes(Probe::kSnapshotInManyChunks);
  QueryParams definition;
  d.to_query(definition);
  SHAPESIM_RETURN_IF_ERROR(store_->save_shape({handle.value, format_query(definition), snap->lsn,
                                               shape->log().snapshot_chunks(), snap->xmin, snap->xmax, snap->xip_list,
                                               table_schema_to_json(*table).dump()}));
  return registry_.add(std::move(shape));
}

std::string ShapeServer::live_cursor(const std::optional<std::string>& client_cursor, Timestamp now) const {
  uint64_t bucket = static_cast<uint64_t>(now.micros / 1000000 / kCursorBucketSeconds) + 1;
  uint64_t client = 0;
  if (client_cursor && parse_uint64(*client_cursor, client) && client >= bucket) bucket = client + 1;
  return std::to_string(bucket);
}

HttpResponse ShapeServer::shape_response(const Shape& shape, const ShapeLog::ReadResult& read, bool live,
                                         const std::string& request_offset,
                                         const std::optional<std::string>& cursor, Timestamp now) const {
  HttpResponse r;
  r.headers["content-type"] = "application/json";
  r.headers["electric-handle"] = shape.handle().value;
  r.headers["electric-offset"] = read.next.to_string();
  bool up_to_date = read.reached_end && !read.snapshot;
  std::string body = "[";
  for (size_t i = 0; i < read.messages.size(); ++i) {
    if (i) body.push_back(',');
    body += read.messages[i];
  }
  if (up_to_date) {
    if (!read.messages.empty()) body.push_back(',');
    body += encode_message(ControlMessage{.kind = ControlKind::kUpToDate, .global_last_seen_lsn = end_lsn()});
    r.headers["electric-up-to-date"] = "";
  }
  body.push_back(']');
  r.body = std::move(body);
  if (live) {
    r.headers["electric-cursor"] = live_cursor(cursor, now);
    r.headers["cache-control"] = "public, max-age=5, stale-while-revalidate=5";
  } else {
    r.headers["electric-schema"] = schema_header(shape);
    r.headers["cache-control"] = request_offset == "-1"
                                     ? "public, max-age=604800, s-maxage=3600, stale-while-revalidate=2629746"
                                     : "public, max-age=" + std::to_string(config_.max_age_seconds) +
                                           ", stale-while-revalidate=" + std::to_string(config_.stale_age_seconds);
  }
  r.headers["etag"] = shape_etag(shape.handle().value, request_offset, read.next.to_string());
  return r;
}

HttpResponse ShapeServer::handle_get_shape(RequestId id, const HttpRequest& req, Timestamp now, bool& parked) {
  // POST /v1/shape is a subset snapshot whose parameters travel in the JSON body.
  const bool post = req.method == "POST";
  QueryParams query = req.query;
  if (post) {
    for (const char* k : {"live", "live_sse", "experimental_live_sse"}) query.erase(k);
  }
  auto parsed = parse_shape_request(query);
  if (!parsed.ok()) return bad_request(parsed.errors);
  ShapeRequest r = std::move(*parsed.request);
  if (post) {
    ValidationErrors errors;
    r.subset = parse_subset_body(req.body, errors);
    if (!r.subset) return bad_request(errors);
  }
  std::string error_param;
  Shape* current = registry_.find_by_definition(r.shape);
  // A shape that cannot be made: 503 when the server is full of shapes in use, else 400.
  auto not_created = [&](const Status& st) {
    if (st.code() != ErrorCode::kUnavailable) return bad_request(error_param.empty() ? "shape" : error_param, st.message());
    HttpResponse busy = json_error(503, st.message());
    busy.headers["retry-after"] = "5";
    return busy;
  };

  if (r.offset_kind == OffsetKind::kAt && (!current || current->handle().value != *r.handle)) {
    // Unknown, rotated or deleted handle: send the client to the definition's active handle.
    auto created = get_or_create(r.shape, error_param);
    if (!created.ok()) return not_created(created.status());
    usage_.touch((*created)->handle().value, now);
    return must_refetch_response((*created)->handle().value);
  }

  auto shape = get_or_create(r.shape, error_param);
  if (!shape.ok()) return not_created(shape.status());
  Shape& s = **shape;
  usage_.touch(s.handle().value, now);
  const std::string request_offset = query.at("offset");
  if (r.subset) return handle_subset(s, r, request_offset);

  ShapeLog::ReadResult read;
  if (r.offset_kind == OffsetKind::kBeforeAll) {
    read = s.log().read_initial();
  } else if (r.offset_kind == OffsetKind::kNow) {
    read.next = s.log().head();
    read.reached_end = true;
  } else {
    auto after = read_after(s, r.offset);
    if (!after.ok()) return bad_request("offset", after.status().message());
    read = std::move(*after);
  }
  if (r.sse) return start_stream(id, s, r.offset_kind == OffsetKind::kAt ? r.offset : read.next, r.cursor, now);

  if (r.live && read.messages.empty() && read.reached_end) {
    parked = true;
    park(id, Parked{s.handle().value, read.next, now + config_.long_poll_timeout, r.cursor, req.header("origin"),
                    request_offset});
    return {};
  }
  HttpResponse response = shape_response(s, read, r.live, request_offset, r.cursor, now);
  auto if_none_match = req.header("if-none-match");
  if (if_none_match && *if_none_match == response.headers["etag"]) {
    HttpResponse not_modified;
    not_modified.status = 304;
    for (const char* h : {"etag", "electric-handle", "electric-offset", "electric-schema", "electric-cursor",
                          "cache-control", "electric-up-to-date"}) {
      if (response.has_header(h)) not_modified.headers[h] = response.headers[h];
    }
    return not_modified;
  }
  return response;
}

HttpResponse ShapeServer::handle_subset(const Shape& shape, const ShapeRequest& r, const std::string& request_offset) {
  auto snapshot = source_->snapshot(shape.table());
  if (!snapshot.ok() && snapshot.status().code() == ErrorCode::kNotFound) {
    return bad_request("table", snapshot.status().message());
  }
  if (!snapshot.ok()) return json_error(500, "snapshot failed: " + snapshot.status().message());
  auto mark = store_->next_sequence();
  if (!mark.ok()) return json_error(500, "snapshot failed: " + mark.status().message());
  SubsetError error;
  auto body = subset_snapshot_body(shape, *r.subset, *snapshot, *mark, error);
  if (!body.ok()) return bad_request(error.param, error.message);
  HttpResponse response;
  response.headers["content-type"] = "application/json";
  response.headers["cache-control"] = "no-store";
  response.headers["electric-handle"] = shape.handle().value;
  response.headers["electric-schema"] = schema_header(shape);
  // Where the client's stream continues: its own position if it has one (it must not skip
  // changes to rows outside the subset), otherwise the log's head at the snapshot.
  response.headers["electric-offset"] = r.offset_kind == OffsetKind::kAt ? request_offset : shape.log().head().to_string();
  response.body = std::move(*body);
  return response;
}

HttpResponse ShapeServer::handle_delete_shape(const HttpRequest& req) {
  if (!config_.allow_delete) return json_error(405, "shape deletion is disabled");
  Shape* target = nullptr;
  auto handle = req.query.find("handle");
  if (handle != req.query.end()) {
    target = registry_.find_by_handle(handle->second);
  } else {
    QueryParams q = req.query;
    q.try_emplace("offset", "-1");
    auto parsed = parse_shape_request(q);
    if (!parsed.ok()) return bad_request(parsed.errors);
    target = registry_.find_by_definition(parsed.request->shape);
  }
  if (!target) return json_error(404, "shape not found");
  retire(target->handle().value);
  HttpResponse r;
  r.status = 202;
  return r;
}

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
  r.body = "{\"txid\":" + std::to_string(outcome->txid.value) + "}";
  return r;
}

ServerOutput ShapeServer::on_transaction(const CommittedTransaction& tx, Timestamp now) {
  ServerOutput out;
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

Result<std::map<std::string, WireRow>> ShapeServer::evaluate_from_scratch(const ShapeDefinition& d) {
  const TableSchema* table = source_->find_table(d.schema, d.table);
  if (!table) return not_found("table " + d.schema + "." + d.table);
  std::string error_param;
  SHAPESIM_ASSIGN_OR_RETURN(std::unique_ptr<Shape> shape,
                            Shape::create(ShapeHandle{"scratch"}, d, *table, config_.chunk_bytes, error_param));
  SHAPESIM_ASSIGN_OR_RETURN(Snapshot snap, source_->snapshot(*table));
  std::map<std::string, WireRow> rows;
  for (const auto& row : snap.rows) {
    if (shape->matches(row)) rows[shape->row_key(row)] = shape->project(row);  // errors: not in shape
  }
  return rows;
}

}  // namespace shapesim
