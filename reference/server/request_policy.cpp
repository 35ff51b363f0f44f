#include "reference/server/request_policy.h"

#include <algorithm>

#include "reference/server/http_responses.h"

namespace shapesim {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_loopback_address(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

}  // namespace

RequestPolicy RequestPolicy::for_listen_address(const std::string& listen_address, std::vector<std::string> write_origins,
                                                const std::vector<std::string>& extra_hosts) {
  RequestPolicy p;
  p.write_origins = std::move(write_origins);
  if (is_loopback_address(listen_address)) {
    p.allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
    if (listen_address != "localhost" && listen_address != "::1") p.allowed_hosts.push_back(listen_address);
    for (const auto& h : extra_hosts) p.allowed_hosts.push_back(lower(h));
  }
  return p;
}

std::string host_name(const std::string& host_header) {
  std::string h = lower(host_header);
  if (!h.empty() && h[0] == '[') return h.substr(0, h.find(']') == std::string::npos ? h.size() : h.find(']') + 1);
  return h.substr(0, h.find(':'));
}

std::optional<HttpResponse> check_host(const HttpRequest& request, const RequestPolicy& policy) {
  if (policy.allowed_hosts.empty()) return std::nullopt;
  auto host = request.header("host");
  if (!host) return std::nullopt;
  std::string name = host_name(*host);
  if (std::find(policy.allowed_hosts.begin(), policy.allowed_hosts.end(), name) != policy.allowed_hosts.end()) {
    return std::nullopt;
  }
  return json_error(403, "host \"" + name + "\" is not served here: this server listens on loopback and answers only "
                         "loopback names (serve --allowed-host NAME adds one)");
}

bool origin_may_write(const HttpRequest& request, const RequestPolicy& policy) {
  auto origin = request.header("origin");
  if (!origin) return true;
  auto host = request.header("host");
  if (host && (*origin == "http://" + lower(*host) || *origin == "https://" + lower(*host))) return true;
  for (const auto& allowed : policy.write_origins) {
    if (allowed == "*" || allowed == *origin) return true;
  }
  return false;
}

}  // namespace shapesim
