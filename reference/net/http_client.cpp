// The blocking client side (Boost.Beast): only drivers use it.
#include "reference/net/http_client.h"

#include <chrono>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace shapesim::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Timestamp wall_clock_now() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  return Timestamp{us.count()};
}

Result<HttpEndpoint> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return invalid_argument("the server URL must start with http:// (got \"" + url + "\")");
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return invalid_argument("the server URL has no path: http://HOST:PORT");
  size_t colon = rest.rfind(':');
  HttpEndpoint e;
  if (colon == std::string::npos) {
    e.host = rest;
    e.port = 80;
  } else {
    e.host = rest.substr(0, colon);
    char* end = nullptr;
    long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) return invalid_argument("bad port in \"" + url + "\"");
    e.port = static_cast<uint16_t>(port);
  }
  if (e.host.empty()) return invalid_argument("no host in \"" + url + "\"");
  return e;
}

Result<HttpResponse> http_exchange(const HttpEndpoint& endpoint, const HttpRequest& request, Duration timeout) {
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::microseconds(timeout.micros));
    tcp::resolver resolver(ioc);
    stream.connect(resolver.resolve(endpoint.host, std::to_string(endpoint.port)));
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target(), 11};
    req.set(http::field::host, endpoint.host);
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto& res = parser.get();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
  } catch (const std::exception& e) {  // the library boundary: Beast reports errors by throwing
    return unavailable(std::string("cannot reach ") + endpoint.host + ":" + std::to_string(endpoint.port) + ": " + e.what());
  }
}

}  // namespace shapesim::net
