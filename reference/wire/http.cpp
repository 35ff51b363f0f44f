#include "reference/wire/http.h"

#include "reference/common/assert.h"

namespace shapesim {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::string> url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return invalid_argument("truncated percent escape");
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return invalid_argument("invalid percent escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<QueryParams> parse_query(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq), true);
    if (!key.ok()) return key.status();
    std::string value;
    if (eq != std::string_view::npos) {
      auto v = url_decode(pair.substr(eq + 1), true);
      if (!v.ok()) return v.status();
      value = std::move(*v);
    }
    params[std::move(*key)] = std::move(value);
  }
  return params;
}

std::string format_query(const QueryParams& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out.push_back('&');
    out += url_encode(k);
    out.push_back('=');
    out += url_encode(v);
  }
  return out;
}

Result<HttpRequest> HttpRequest::from_target(std::string method, std::string_view target) {
  HttpRequest req;
  req.method = std::move(method);
  auto q = target.find('?');
  auto path = url_decode(target.substr(0, q), false);
  if (!path.ok()) return path.status();
  req.path = std::move(*path);
  if (q != std::string_view::npos) {
    auto params = parse_query(target.substr(q + 1));
    if (!params.ok()) return params.status();
    req.query = std::move(*params);
  }
  return req;
}

std::string HttpRequest::target() const {
  if (query.empty()) return path;
  return path + "?" + format_query(query);
}

std::optional<std::string> HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

const char* http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string serialize_response(const HttpResponse& r, bool keep_alive) {
  SHAPESIM_ASSERT(!r.streaming);
  const bool bodyless = r.head || r.status == 204 || r.status == 304;
  std::string out;
  out.reserve(256 + r.body.size() + 64 * r.headers.size());
  out += "HTTP/1.1 " + std::to_string(r.status) + " " + http_reason(r.status) + "\r\n";
  for (const auto& [name, value] : r.headers) {
    if (name == "content-length" && !r.head) continue;  // computed below
    out += name;
    out += ": ";
    for (char c : value) out.push_back(c == '\r' || c == '\n' ? ' ' : c);  // never split a header
    out += "\r\n";
  }
  out += "server: shapesim\r\n";
  if (!keep_alive) out += "connection: close\r\n";
  if (!bodyless) out += "content-length: " + std::to_string(r.body.size()) + "\r\n";
  out += "\r\n";
  if (!bodyless) out += r.body;
  return out;
}

}  // namespace shapesim
