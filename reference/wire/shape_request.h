// The parameters of GET/DELETE /v1/shape (protocol.md §1) as a struct, with Electric's
// validation rules and error messages.
//
//   auto parsed = parse_shape_request(req.query);
//   if (!parsed.ok()) respond 400 with parsed.errors_json();
//   const ShapeRequest& r = *parsed.request;
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reference/common/log_offset.h"
#include "reference/wire/http.h"

namespace shapesim {

enum class Replica { kDefault, kFull };
// `log=full` (default): the shape log starts with a snapshot of every matching row.
// `log=changes_only`: no initial rows; clients load what they need with subset snapshots.
enum class LogMode { kFull, kChangesOnly };

// What identifies one shape: a new definition means a new handle.
struct ShapeDefinition {
  std::string schema = "public";
  std::string table;
  std::string where;                 // empty: every row
  std::vector<std::string> params;   // params[1..n], 0-based here
  std::vector<std::string> columns;  // empty: every column
  Replica replica = Replica::kDefault;
  LogMode log = LogMode::kFull;

  // A canonical text form: equal definitions give equal strings.
  std::string canonical() const;
  // Adds this definition's parameters to a request query (table, where, params, ...).
  void to_query(QueryParams& query) const;
  friend bool operator==(const ShapeDefinition&, const ShapeDefinition&) = default;
};

// A subset snapshot (`subset__*` query parameters, or the JSON body of a POST): the rows of
// the shape that also match `where`, ordered by `order_by`, then `offset` and `limit`.
struct SubsetRequest {
  std::string where;
  std::vector<std::string> params;  // $1..$n of the subset's where
  std::string order_by;             // empty: primary-key order
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
};

enum class OffsetKind { kBeforeAll /* -1 */, kNow /* now */, kAt /* <tx>_<op> */ };

struct ShapeRequest {
  ShapeDefinition shape;
  OffsetKind offset_kind = OffsetKind::kBeforeAll;
  LogOffset offset;                   // meaningful when offset_kind == kAt
  std::optional<std::string> handle;  // required when offset_kind == kAt
  bool live = false;
  std::optional<std::string> cursor;
  bool sse = false;                     // live_sse=true: a server-sent-event stream
  std::optional<SubsetRequest> subset;  // present: answer a subset snapshot, not the log

  QueryParams to_query() const;
};

// param name -> reasons, serialized in Electric's 400 body format.
struct ValidationErrors {
  std::map<std::string, std::vector<std::string>> errors;

  void add(const std::string& param, std::string reason) { errors[param].push_back(std::move(reason)); }
  bool empty() const { return errors.empty(); }
  // {"message":"Invalid request","errors":{"<param>":["<reason>"]}}
  std::string to_json() const;
};

struct ParsedShapeRequest {
  std::optional<ShapeRequest> request;
  ValidationErrors errors;
  bool ok() const { return request.has_value(); }
};

// Validates every parameter; unknown parameters are ignored (clients add cache-busters).
ParsedShapeRequest parse_shape_request(const QueryParams& query);

// Parses the JSON body of POST /v1/shape (a subset snapshot):
// {"where": "...", "params": {"1": "..."} | [...], "order_by": "...", "limit": n, "offset": n}.
// Errors are added under the matching `subset__*` parameter name.
std::optional<SubsetRequest> parse_subset_body(std::string_view body, ValidationErrors& errors);

// Query parameters a client chooses freely under a shape token or a route (offset, handle,
// live, cursor, log, subset__*, ...): everything else is the shape's definition.
bool is_protocol_param(const std::string& key);

// Parses "tbl", "schema.tbl" or quoted forms into (schema, table). Unquoted names fold to
// lower case, as in PostgreSQL.
Result<std::pair<std::string, std::string>> parse_table_name(std::string_view text);
// Parses a comma-separated column list (quoted identifiers allowed).
Result<std::vector<std::string>> parse_column_list(std::string_view text);

}  // namespace shapesim
