// HTTP request and response as plain structs, shared by the real driver (Beast) and the
// simulator (which carries them as values). Header names are stored lower-case.
//
//   auto req = HttpRequest::get("/v1/shape?table=tasks&offset=-1");
//   req->path == "/v1/shape"; req->query.at("table") == "tasks";
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "reference/common/status.h"

namespace shapesim {

using QueryParams = std::map<std::string, std::string>;
using Headers = std::map<std::string, std::string>;  // lower-case names

struct HttpRequest {
  std::string method = "GET";
  std::string path;    // decoded path without the query
  QueryParams query;   // decoded; on a repeated key the last one wins
  Headers headers;
  std::string body;
  std::string peer;    // the client's address as the network driver saw it ("" when unknown)

  // Splits and decodes a request target "path?query".
  static Result<HttpRequest> from_target(std::string method, std::string_view target);
  // Re-encodes path and query ("/v1/shape?offset=-1&table=tasks"), keys in sorted order.
  std::string target() const;
  std::optional<std::string> header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  // A stream (server-sent events): `body` is its beginning; more arrives later as stream
  // events, the last one marked `end`. A driver sends it with chunked transfer encoding.
  bool streaming = false;
  // The answer to a HEAD request: `body` is empty and the content-length header holds the
  // length the GET answer's body would have (RFC 9110 §9.3.2); a driver sends no body.
  bool head = false;

  std::optional<std::string> header(const std::string& lower_name) const;
  bool has_header(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
};

// Percent-decoding ('+' is a space in queries). Fails on a truncated or non-hex escape.
Result<std::string> url_decode(std::string_view s, bool plus_is_space);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view s);
Result<QueryParams> parse_query(std::string_view query);
std::string format_query(const QueryParams& query);
const char* http_reason(int status);
// The response as HTTP/1.1 bytes: status line, headers (CR/LF in values replaced by spaces),
// server, connection: close when not kept alive, content-length (a HEAD keeps the GET's; 204
// and 304 have none), blank line, body.
std::string serialize_response(const HttpResponse& response, bool keep_alive);

}  // namespace shapesim
