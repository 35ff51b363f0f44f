// Who may ask what, checked before a request reaches a route (pure; no I/O):
//
// - Host (DNS rebinding): a server bound to loopback answers only requests whose Host names
//   loopback (or a name allowed explicitly); a page on evil.example that resolves its own
//   name to 127.0.0.1 is refused with 403. Requests without a Host header (non-browser
//   clients) pass.
// - Writes across origins (CSRF): a browser request that changes data (POST /api/mutations,
//   DELETE /v1/shape) carries an Origin; it passes only from the server's own origin or an
//   allow-listed one. Requests without Origin (non-browser clients) pass. Reads stay open to
//   every origin, as Electric's shape API is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/wire/http.h"

namespace shapesim {

struct RequestPolicy {
  std::vector<std::string> write_origins;  // cross-origin writers ("https://app.example"; "*": any)
  std::vector<std::string> allowed_hosts;  // empty: any Host; else the names Host may carry (port ignored)

  // The policy for a server listening on `listen_address`: loopback addresses accept only
  // loopback names (localhost, 127.0.0.1, [::1]) and `extra_hosts`.
  static RequestPolicy for_listen_address(const std::string& listen_address, std::vector<std::string> write_origins,
                                          const std::vector<std::string>& extra_hosts);
};

// The host name of a Host header value, lower-cased, without the port ("[::1]:3000" -> "[::1]").
std::string host_name(const std::string& host_header);

// 403 when the Host is not allowed; nullopt to go on.
std::optional<HttpResponse> check_host(const HttpRequest& request, const RequestPolicy& policy);
// Whether a request may change data given its Origin (see above).
bool origin_may_write(const HttpRequest& request, const RequestPolicy& policy);

}  // namespace shapesim
