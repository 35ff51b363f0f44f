#include "tools/serve_command.h"

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/common/log_offset.h"
#include "reference/common/table_schema_json.h"
#include "reference/net/http_server.h"
#include "tools/cli.h"
#include "reference/pg/pg_source.h"
#include "reference/pg/replication_feed.h"
#include "reference/auth/auth_gate.h"
#include "reference/server/schema_file.h"

namespace shapesim::tools {

namespace {

struct ServeArgs {
  std::string store;
  std::string host = "127.0.0.1";
  uint64_t port = 3000;
  uint64_t chunk_bytes = 10000;
  uint64_t long_poll_ms = 20000;
  uint64_t sse_timeout_ms = 60000;
  bool allow_delete = false;
  std::vector<std::string> cors_origins;   // cross-origin writers
  std::vector<std::string> allowed_hosts;  // more Host names for a loopback server
  uint64_t max_connections = 10000;
  uint64_t max_shapes = 10000;
  uint64_t shape_idle_seconds = 24 * 3600;
  uint64_t header_timeout_ms = 10000;
  uint64_t body_timeout_ms = 30000;
  uint64_t idle_timeout_ms = 60000;
  uint64_t cache_max_age = 5;     // catch-up responses, as ELECTRIC_CACHE_MAX_AGE
  uint64_t cache_stale_age = 300;  // as ELECTRIC_CACHE_STALE_AGE
  std::optional<std::string> schema;
  std::optional<std::string> pg_url;
  std::optional<std::string> auth_policy;
  std::string publication = "shapesim";
  std::string slot = "shapesim";
  bool manual_publication = false;
  bool help = false;
};

std::optional<std::string> parse(const std::vector<std::string>& args, ServeArgs& a) {
  CLI::App app{"shapesim serve"};
  app.set_help_flag();  // its own --help text
  app.add_flag("-h,--help", a.help);
  std::optional<std::string> store, schema, host, pg, publication, slot, auth;
  app.add_option("--store", store);
  app.add_option("--schema", schema);
  app.add_option("--host", host);
  app.add_option("--pg", pg);
  app.add_option("--publication", publication);
  app.add_option("--slot", slot);
  app.add_option("--auth", auth);
  app.add_option("--cors-origin", a.cors_origins)->allow_extra_args(false);
  app.add_option("--allowed-host", a.allowed_hosts)->allow_extra_args(false);
  app.add_flag("--manual-publication", a.manual_publication);
  app.add_flag("--allow-delete", a.allow_delete);
  // Numbers are read as text and checked here, so every error names the flag the same way.
  const std::vector<std::pair<const char*, uint64_t*>> numeric = {
      {"--max-shapes", &a.max_shapes},         {"--shape-idle-seconds", &a.shape_idle_seconds},
      {"--max-connections", &a.max_connections}, {"--header-timeout-ms", &a.header_timeout_ms},
      {"--body-timeout-ms", &a.body_timeout_ms}, {"--idle-timeout-ms", &a.idle_timeout_ms},
      {"--cache-max-age", &a.cache_max_age},   {"--cache-stale-age", &a.cache_stale_age},
      {"--port", &a.port},                     {"--chunk-bytes", &a.chunk_bytes},
      {"--long-poll-ms", &a.long_poll_ms},     {"--sse-timeout-ms", &a.sse_timeout_ms}};
  std::map<std::string, std::optional<std::string>> numbers;
  std::map<std::string, std::string> value_errors = {
      {"--store", "--store needs a path (or :memory:)"},
      {"--schema", "--schema needs a file"},
      {"--host", "--host needs an address (127.0.0.1, 0.0.0.0, ::)"},
      {"--cors-origin", "--cors-origin needs an origin (https://app.example, or *)"},
      {"--allowed-host", "--allowed-host needs a host name"},
      {"--pg", "--pg needs a connection URL"},
      {"--publication", "--publication needs a name"},
      {"--slot", "--slot needs a name"},
      {"--auth", "--auth needs a policy file"}};
  for (const auto& [flag, _] : numeric) {
    app.add_option(flag, numbers[flag]);
    value_errors[flag] = std::string(flag) + " needs a non-negative integer";
  }
  if (auto e = parse_cli(app, args, value_errors)) return e;
  for (const auto& [flag, target] : numeric) {
    const auto& text = numbers[flag];
    if (text && !parse_uint64(*text, *target)) return std::string(flag) + " needs a non-negative integer";
  }
  if (host && host->empty()) return value_errors["--host"];
  for (const auto& o : a.cors_origins) {
    if (o.empty()) return value_errors["--cors-origin"];
  }
  for (const auto& h : a.allowed_hosts) {
    if (h.empty()) return value_errors["--allowed-host"];
  }
  if (store) a.store = *store;
  if (schema) a.schema = *schema;
  if (host) a.host = *host;
  if (pg) a.pg_url = *pg;
  if (publication) a.publication = *publication;
  if (slot) a.slot = *slot;
  if (auth) a.auth_policy = *auth;
  if (a.shape_idle_seconds > 100LL * 365 * 24 * 3600) return "--shape-idle-seconds is too large";
  if (numbers["--max-connections"] && a.max_connections == 0) return "--max-connections must be positive";
  for (const char* flag : {"--header-timeout-ms", "--body-timeout-ms", "--idle-timeout-ms"}) {
    uint64_t v = flag == std::string("--header-timeout-ms") ? a.header_timeout_ms
                 : flag == std::string("--body-timeout-ms") ? a.body_timeout_ms
                                                            : a.idle_timeout_ms;
    if (numbers[flag] && (v == 0 || v > 86400000)) return std::string(flag) + " must be between 1 and 86400000";
  }
  if (a.cache_max_age > INT32_MAX) return "--cache-max-age is too large";
  if (a.cache_stale_age > INT32_MAX) return "--cache-stale-age is too large";
  if (a.port > 65535) return "--port must be at most 65535";
  if (numbers["--sse-timeout-ms"] && a.sse_timeout_ms == 0) return "--sse-timeout-ms must be positive";
  if (!a.help && a.store.empty()) return "--store is required";
  if (a.pg_url && a.schema) return "--schema creates tables in the embedded store; with --pg the tables are PostgreSQL's";
  return std::nullopt;
}

}  // namespace

void print_serve_help(std::ostream& out) {
  out << "usage: shapesim serve --store PATH [--schema FILE] [--host ADDR] [--port N] [--chunk-bytes B]\n"
         "                      [--long-poll-ms MS] [--sse-timeout-ms MS] [--allow-delete]\n"
         "                      [--cache-max-age S] [--cache-stale-age S] [--max-connections N]\n"
         "                      [--header-timeout-ms MS] [--body-timeout-ms MS] [--idle-timeout-ms MS]\n"
         "                      [--cors-origin ORIGIN]... [--allowed-host NAME]... [--max-shapes N]\n"
         "                      [--shape-idle-seconds S]\n"
         "                      [--pg URL [--publication NAME] [--slot NAME] [--manual-publication]]\n"
         "\n"
         "Serves the Electric-compatible shape API (GET/POST/DELETE/OPTIONS /v1/shape, GET /v1/health) and\n"
         "the write endpoint (POST /api/mutations) over HTTP, from the embedded store or PostgreSQL.\n"
         "\n"
         "  --store PATH        SQLite file holding tables, rows and counters (':memory:' for a throwaway)\n"
         "  --schema FILE       create these tables if missing: a JSON array of tables, or a scenario file;\n"
         "                      a table's \"rows\" are inserted when it is empty\n"
         "  --host ADDR         address to listen on (default 127.0.0.1; 0.0.0.0 or :: to be reached\n"
         "                      from containers and other machines)\n"
         "  --port N            TCP port (default 3000; 0 picks a free one and prints it)\n"
         "  --chunk-bytes B     shape log chunk size in bytes (default 10000)\n"
         "  --long-poll-ms MS   how long a live request waits for data (default 20000)\n"
         "  --sse-timeout-ms MS how long a live_sse=true stream stays open before the client reconnects\n"
         "                      (default 60000)\n"
         "  --allow-delete      enable DELETE /v1/shape (405 otherwise)\n"
         "  --auth POLICY.json  require tokens: users log in, a gatekeeper issues shape tokens, every\n"
         "                      shape request and write is checked against the policy (docs/auth.md)\n"
         "  --cache-max-age S   cache-control max-age of catch-up responses (default 5; Electric's\n"
         "                      ELECTRIC_CACHE_MAX_AGE). Initial snapshots and live responses keep\n"
         "                      Electric's fixed values.\n"
         "  --cache-stale-age S stale-while-revalidate of catch-up responses (default 300;\n"
         "                      ELECTRIC_CACHE_STALE_AGE)\n"
         "  --cors-origin ORIGIN  a browser origin allowed to write (POST /api/mutations, DELETE\n"
         "                      /v1/shape) across origins; repeatable; '*' allows any. Default: none\n"
         "                      (same-origin and non-browser writers only). Reads are open to all;\n"
         "                      under --auth every endpoint (login, gatekeeper, reads) refuses\n"
         "                      other origins unless listed here.\n"
         "  --allowed-host NAME a Host name a loopback server also answers (default: localhost,\n"
         "                      127.0.0.1, [::1]; other names are refused, against DNS rebinding)\n"
         "  --max-shapes N      shapes held at most (default 10000; 0: no limit); one more evicts the\n"
         "                      least recently read shape nobody waits on (its clients get 409 and\n"
         "                      refetch), or answers 503 when all are in use\n"
         "  --shape-idle-seconds S  a shape nobody reads for S seconds is retired (default 86400;\n"
         "                      0: never)\n"
         "  --max-connections N open connections at most (default 10000, and below the descriptor\n"
         "                      limit, whose soft value is raised to the hard one); more get 503\n"
         "  --header-timeout-ms MS  a request's header must arrive within this (default 10000; 408)\n"
         "  --body-timeout-ms MS    its body within this after the header (default 30000; 408)\n"
         "  --idle-timeout-ms MS    an idle keep-alive connection is closed after this (default 60000;\n"
         "                      parked long-polls and SSE streams are not idle)\n"
         "  --pg URL            serve from PostgreSQL through logical replication (wal_level=logical);\n"
         "                      --store then keeps the shape logs and the replicated transactions\n"
         "  --publication NAME  the publication shapes' tables are added to (default shapesim)\n"
         "  --slot NAME         the replication slot (default shapesim; one server per slot)\n"
         "  --manual-publication  never ALTER: only check each table is published with REPLICA\n"
         "                      IDENTITY FULL, and refuse shapes on tables that are not\n"
         "\n"
         "Prints 'shapesim serve: listening on http://HOST:PORT' when ready; SIGTERM or SIGINT stops it.\n";
}

int serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ServeArgs a;
  if (auto e = parse(args, a)) {
    err << "shapesim serve: " << *e << "\n\n";
    print_serve_help(err);
    return 2;
  }
  if (a.help) {
    print_serve_help(out);
    return 0;
  }
  auto store = EmbeddedStore::open(a.store);
  if (!store.ok()) {
    err << "shapesim serve: " << store.status().message() << "\n";
    return 1;
  }
  size_t created = 0;
  if (a.schema) {
    Status st = load_schema_file(*a.schema, **store, created);
    if (!st.ok()) {
      err << "shapesim serve: " << st.message() << "\n";
      return 2;
    }
  }
  size_t tables = (*store)->tables().size();
  ServerConfig config{.chunk_bytes = static_cast<size_t>(a.chunk_bytes),
                      .long_poll_timeout = Duration::millis(static_cast<int64_t>(a.long_poll_ms)),
                      .allow_delete = a.allow_delete,
                      .max_age_seconds = static_cast<int>(a.cache_max_age),
                      .stale_age_seconds = static_cast<int>(a.cache_stale_age),
                      .sse_timeout = Duration::millis(static_cast<int64_t>(a.sse_timeout_ms))};
  config.policy = RequestPolicy::for_listen_address(a.host, a.cors_origins, a.allowed_hosts);
  config.max_shapes = static_cast<size_t>(a.max_shapes);
  config.shape_idle_timeout = Duration::seconds(static_cast<int64_t>(a.shape_idle_seconds));
  std::unique_ptr<ShapeServer> server;
  pg::PgSource* pg_source = nullptr;
  if (a.pg_url) {
    auto source = pg::PgSource::connect({*a.pg_url, a.publication, a.manual_publication});
    if (!source.ok()) {
      err << "shapesim serve: " << source.status().message() << "\n";
      return 1;
    }
    pg_source = source->get();
    server = std::make_unique<ShapeServer>(config, std::move(*store), std::move(*source));
  } else {
    server = std::make_unique<ShapeServer>(config, std::move(*store));
  }
  if (!server->startup_status().ok()) {
    err << "shapesim serve: cannot restore shapes from " << a.store << ": " << server->startup_status().message() << "\n";
    return 1;
  }
  std::unique_ptr<auth::AuthGate> gate;
  if (a.auth_policy) {
    auto policy = auth::load_policy_file(*a.auth_policy);
    if (!policy.ok()) {
      err << "shapesim serve: " << policy.status().message() << "\n";
      return 2;
    }
    auto created_gate = auth::AuthGate::create(std::move(*policy), *server);
    if (!created_gate.ok()) {
      err << "shapesim serve: " << *a.auth_policy << ": " << created_gate.status().message() << "\n";
      return 2;
    }
    gate = std::move(*created_gate);
  }
  std::unique_ptr<pg::ReplicationFeed> feed;
  if (a.pg_url) {
    auto started = pg::ReplicationFeed::start({.stream = {*a.pg_url, a.publication, a.slot}}, *pg_source, *server);
    if (!started.ok()) {
      err << "shapesim serve: " << started.status().message() << "\n";
      return 1;
    }
    feed = std::move(*started);
    for (const auto& notice : feed->take_notices()) err << "shapesim serve: " << notice << "\n";
  }
  net::ServeOptions options;
  options.host = a.host;
  options.on_notice = [&](const std::string& notice) { err << "shapesim serve: " << notice << std::endl; };
  options.max_connections = static_cast<size_t>(a.max_connections);
  options.header_timeout = Duration::millis(static_cast<int64_t>(a.header_timeout_ms));
  options.body_timeout = Duration::millis(static_cast<int64_t>(a.body_timeout_ms));
  options.idle_timeout = Duration::millis(static_cast<int64_t>(a.idle_timeout_ms));
  options.port = static_cast<uint16_t>(a.port);
  options.on_listening = [&](uint16_t port) {
    std::string host = a.host.find(':') == std::string::npos ? a.host : "[" + a.host + "]";  // IPv6 in a URL
    out << "shapesim serve: listening on http://" << host << ":" << port << " (store " << a.store << ", ";
    if (a.pg_url) {
      out << "source PostgreSQL, slot " << a.slot << ")" << std::endl;
    } else {
      out << tables << " tables" << (gate ? ", auth " + *a.auth_policy : "") << ")" << std::endl;
    }
  };
  if (feed) {
    options.extra_source = net::ServeOptions::ExtraSource{
        .socket = [&] { return net::ServeOptions::SourceSocket{feed->socket(), feed->generation()}; },
        .poll =
            [&](Timestamp now) {
              auto polled = feed->poll(now);
              for (const auto& notice : feed->take_notices()) err << "shapesim serve: " << notice << std::endl;
              if (gate && polled.ok()) return Result<ServerOutput>(gate->observe(std::move(*polled), now));
              return polled;
            },
        // Often enough to reconnect promptly after a lost connection (the backoff starts at 100 ms).
        .poll_interval = Duration::millis(100)};
  }
  HttpService& service = gate ? static_cast<HttpService&>(*gate) : *server;
  Status st = net::serve_http(service, options);
  if (!st.ok()) {
    err << "shapesim serve: " << st.message() << "\n";
    return 1;
  }
  out << "shapesim serve: stopped" << std::endl;
  return 0;
}

}  // namespace shapesim::tools
