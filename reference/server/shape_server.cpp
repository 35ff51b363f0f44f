// ShapeServer: construction and the router (see shape_server.h for the contract). The shape
// API is in shape_server_shapes.cpp, the write API and transaction ingest in
// shape_server_writes.cpp, live streams, parking, eviction and restore in their own files.
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
    SHAPESIM_ASSERT(response.status >= 100 && response.status <= 599);
    add_cors_headers(response, req.header("origin"));
    out.responses.emplace_back(id, std::move(response));
  }
  // At most one answer to this request now (a parked one is answered later, exactly once).
  SHAPESIM_ASSERT(std::count_if(out.responses.begin(), out.responses.end(), [&](const auto& r) { return r.first == id; }) <= 1);
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
