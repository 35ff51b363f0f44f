// ShapeServer: the shape API: GET (snapshot, log, long-poll parking, etags, SSE start), subset
// snapshots and DELETE. See shape_server.h for the contract.
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

namespace {

constexpr int64_t kCursorBucketSeconds = 20;

}  // namespace

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

}  // namespace shapesim
