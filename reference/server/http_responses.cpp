#include "reference/server/http_responses.h"

#include <algorithm>

#include "reference/common/json_text.h"

namespace shapesim {

namespace {

constexpr const char* kExposedHeaders =
    "electric-cursor,electric-handle,electric-offset,electric-schema,electric-up-to-date,retry-after";

}  // namespace

HttpResponse bad_request(const ValidationErrors& errors) {
  HttpResponse r;
  r.status = 400;
  r.headers["content-type"] = "application/json";
  r.headers["cache-control"] = "no-store";
  r.body = errors.to_json();
  return r;
}

HttpResponse bad_request(const std::string& param, const std::string& reason) {
  ValidationErrors e;
  e.add(param, reason);
  return bad_request(e);
}

std::string schema_header(const Shape& shape) {
  std::string out = "{";
  bool first = true;
  for (const auto& c : shape.table().columns) {
    const auto& cols = shape.definition().columns;
    if (!cols.empty() && std::find(cols.begin(), cols.end(), c.name) == cols.end()) continue;
    if (!first) out.push_back(',');
    first = false;
    append_json_quoted(out, c.name);
    out += ":{\"type\":";
    append_json_quoted(out, c.schema_type_name());
    if (c.dims > 0) out += ",\"dims\":" + std::to_string(c.dims);
    if (auto pk = shape.table().pk_index(c.name)) out += ",\"pk_index\":" + std::to_string(*pk);
    if (c.not_null) out += ",\"not_null\":true";
    out.push_back('}');
  }
  return out + "}";
}

std::string shape_etag(const std::string& handle, const std::string& request_offset, const std::string& next) {
  return "\"" + handle + ":" + request_offset + ":" + next + "\"";
}

HttpResponse must_refetch_response(const std::optional<std::string>& new_handle) {
  HttpResponse r;
  r.status = 409;
  r.headers["content-type"] = "application/json";
  if (new_handle) r.headers["electric-handle"] = *new_handle;
  r.headers["cache-control"] = "public, max-age=60, must-revalidate";
  r.body = "[" + encode_message(ControlMessage{.kind = ControlKind::kMustRefetch}) + "]";
  return r;
}

void add_cors_headers(HttpResponse& response, const std::optional<std::string>& origin) {
  response.headers["access-control-allow-origin"] = origin.value_or("*");
  response.headers["access-control-expose-headers"] = kExposedHeaders;
}

HttpResponse json_error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.headers["cache-control"] = "no-store";
  r.body = "{\"message\":" + json_quote(message) + "}";
  return r;
}

}  // namespace shapesim
