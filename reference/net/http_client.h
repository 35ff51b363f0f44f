// A blocking HTTP/1.1 client for the real-network client driver (`shapesim client`): one
// request per connection, the system clock for the timeout. Asio-free header.
#pragma once

#include <cstdint>
#include <string>

#include "reference/common/status.h"
#include "reference/common/time.h"
#include "reference/wire/http.h"

namespace shapesim::net {

struct HttpEndpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;
};

// Parses "http://HOST:PORT" (no path); an error names what is wrong.
Result<HttpEndpoint> parse_http_url(const std::string& url);

// Sends `request` and waits for the whole answer (up to `timeout`). Connection errors and
// timeouts are kUnavailable; response header names come back lower-cased.
Result<HttpResponse> http_exchange(const HttpEndpoint& endpoint, const HttpRequest& request, Duration timeout);

// The real clock, for drivers.
Timestamp wall_clock_now();

}  // namespace shapesim::net
