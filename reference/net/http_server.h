// The real-network driver for the shape server: HTTP/1.1 on TCP with Boost.Beast, the
// system clock, one thread. Beast and Asio stay inside http_server.cpp; this header is
// Asio-free so cores and tools never compile them.
//
//   ShapeServer core(config, std::move(store));
//   ServeOptions opts{.port = 3000, .on_listening = [](uint16_t p) { print p; }};
//   Status st = serve_http(core, opts);   // returns after SIGTERM/SIGINT or request_stop()
//
// Contract: every request is handed to ShapeServer::handle with the current time; a parked
// long-poll is answered when the core releases it (data, timeout via next_deadline()) or
// cancelled when its client disconnects. Keep-alive connections are served in order.
// Requests larger than max_request_bytes get 413; malformed requests get 400; neither
// reaches the core.
//
// Exhaustion: at start the soft RLIMIT_NOFILE is raised to the hard limit. Past
// max_connections open connections, a new one is answered 503 (retry-after: 1) and closed;
// when the process runs out of descriptors (EMFILE/ENFILE) a reserve descriptor is given up to
// answer one pending connection 503, and accepting resumes after a short back-off, so the
// server never stops accepting. A connection must deliver a request's header within
// header_timeout (and its body within body_timeout); an idle keep-alive connection is closed
// after idle_timeout. A parked long-poll or open SSE stream is not idle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "reference/common/status.h"
#include "reference/server/shape_server.h"

namespace shapesim::net {

struct ServeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;  // 0: an ephemeral port, reported through on_listening
  size_t max_request_bytes = 1 << 20;
  size_t max_connections = 10000;  // clamped below the descriptor limit
  Duration header_timeout = Duration::seconds(10);
  Duration body_timeout = Duration::seconds(30);
  Duration idle_timeout = Duration::seconds(60);
  std::function<void(uint16_t port)> on_listening;
  std::function<void(const std::string& notice)> on_notice;  // ServerOutput::notices, to log

  // Another input on the same loop (the PostgreSQL replication stream). `socket()` names the
  // descriptor to watch (fd -1: none, e.g. while reconnecting; a new generation: a new
  // connection, possibly reusing the number); `poll(now)` runs when it is readable and at
  // least every `poll_interval`, and its output is dispatched like the core's. An error stops
  // the server: serve_http returns it.
  struct SourceSocket {
    int fd = -1;
    uint64_t generation = 0;
  };
  struct ExtraSource {
    std::function<SourceSocket()> socket;
    std::function<Result<ServerOutput>(Timestamp now)> poll;
    Duration poll_interval = Duration::seconds(1);
  };
  std::optional<ExtraSource> extra_source;
};

// `service`: a ShapeServer, or an auth::AuthGate in front of one.
Status serve_http(HttpService& service, const ServeOptions& options);


// Asks a running serve_http to shut down gracefully (safe from a signal-free context).
void request_stop();

// Parses one complete HTTP/1.1 request from raw bytes with the same parser and conversion the
// server uses (Beast, limits, lower-cased header names). For fuzzing and tests.
Result<HttpRequest> parse_http_request(std::string_view bytes, size_t max_request_bytes);

}  // namespace shapesim::net
