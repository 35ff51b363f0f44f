#include "tools/client_command.h"


#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "reference/client/client_engine.h"
#include "reference/common/bounded_json.h"
#include "reference/common/sql_identifier.h"
#include "reference/net/http_client.h"
#include "tools/cli.h"

namespace shapesim::tools {

namespace {

struct ClientArgs {
  std::string url = "http://127.0.0.1:3000";
  std::string table;
  std::string where;
  std::string file;
  std::string key = "id";
  std::vector<std::string> inserts;
  bool offline = false;
  bool follow = false;
  uint64_t timeout_s = 60;
  std::optional<std::string> user_token;
  std::optional<std::string> route;
  std::optional<std::string> organization;
  bool help = false;
};

void print_client_help(std::ostream& out) {
  out << "usage: shapesim client --table T --file LOCAL.db [--url http://127.0.0.1:3000] [--where W]\n"
         "                       [--insert JSON]... [--key COLUMN] [--offline] [--follow] [--timeout-s N]\n"
         "                       [--user-token TOKEN [--route PATH | --organization ORG]]\n"
         "\n"
         "Syncs one shape of a running `shapesim serve` into a local SQLite file with the reference client\n"
         "engine (docs/client.md) and exits once it is up to date with nothing queued. A second run resumes\n"
         "from the file (no refetch); queued writes survive the process being killed.\n"
         "\n"
         "  --insert JSON       a row to insert, as a local transaction: persisted in the file's outbox,\n"
         "                      shown at once, sent, confirmed by its txid (repeatable)\n"
         "  --key COLUMN        the primary-key column of the rows --insert writes (default id)\n"
         "  --offline           queue the writes in the file and exit without contacting the server\n"
         "  --follow            keep syncing (long-polls) until interrupted or --timeout-s\n"
         "  --timeout-s N       give up after N seconds (default 60): exit status 1\n"
         "  --user-token TOKEN  under `serve --auth`: a user token (the gatekeeper issues shape tokens)\n"
         "  --route PATH        under `serve --auth`: read a declared route (e.g. /v1/shape/org/acme/tasks)\n"
         "                      with the user token instead of asking the gatekeeper; the route decides\n"
         "                      the shape (--table names the table it serves)\n"
         "  --organization ORG  under the gatekeeper: the organization to scope the shape to (a user of\n"
         "                      several must say)\n"
         "\n"
         "Prints how it started (resumed at an offset, or from scratch), then rows, queued and confirmed\n"
         "writes. Exit status: 0 done, 1 failed (unreachable, refused, timed out), 2 bad usage.\n";
}

std::optional<std::string> parse(const std::vector<std::string>& args, ClientArgs& a) {
  CLI::App app{"shapesim client"};
  app.set_help_flag();  // its own --help text
  std::optional<std::string> url, table, where, file, key, user_token, timeout, route, organization;
  app.add_flag("-h,--help", a.help);
  app.add_option("--url", url);
  app.add_option("--table", table);
  app.add_option("--where", where);
  app.add_option("--file", file);
  app.add_option("--key", key);
  app.add_option("--insert", a.inserts)->allow_extra_args(false);
  app.add_option("--user-token", user_token);
  app.add_option("--route", route);
  app.add_option("--organization", organization);
  app.add_option("--timeout-s", timeout);
  app.add_flag("--offline", a.offline);
  app.add_flag("--follow", a.follow);
  std::map<std::string, std::string> value_errors;
  for (const char* f : {"--url", "--table", "--where", "--file", "--key", "--insert", "--user-token", "--route", "--organization",
                        "--timeout-s"}) {
    value_errors[f] = std::string(f) + " needs a value";
  }
  if (auto e = parse_cli(app, args, value_errors)) return e;
  if (url) a.url = *url;
  if (table) a.table = *table;
  if (where) a.where = *where;
  if (file) a.file = *file;
  if (key) a.key = *key;
  if (user_token) a.user_token = *user_token;
  a.route = route;
  a.organization = organization;
  if (timeout) {
    char* end = nullptr;
    a.timeout_s = std::strtoull(timeout->c_str(), &end, 10);
    if (timeout->empty() || *end != '\0' || a.timeout_s == 0) return "--timeout-s needs a positive number of seconds";
  }
  if (a.help) return std::nullopt;
  if (a.table.empty()) return "--table is required";
  if (a.file.empty()) return "--file is required (the local SQLite file)";
  if ((a.route || a.organization) && !a.user_token) {
    return std::string(a.route ? "--route" : "--organization") + " needs --user-token (it is read as that user)";
  }
  if (a.route && a.organization) return "--route and --organization cannot be used together (the route names its scope)";
  if (a.route && !a.where.empty()) return "--where cannot be used with --route (the route decides the shape)";
  if (a.route && (a.route->empty() || a.route->front() != '/')) return "--route must be a path (e.g. /v1/shape/org/acme/tasks)";
  return std::nullopt;
}

// A JSON scalar as the wire's PostgreSQL text (what the optimistic row shows until confirmed).
std::optional<std::string> wire_text(const nlohmann::json& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "t" : "f";
  return v.dump();
}

}  // namespace

int client_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ClientArgs a;
  if (auto e = parse(args, a)) {
    err << "shapesim client: " << *e << "\n\n";
    print_client_help(err);
    return 2;
  }
  if (a.help) {
    print_client_help(out);
    return 0;
  }
  auto endpoint = net::parse_http_url(a.url);
  if (!endpoint.ok()) {
    err << "shapesim client: " << endpoint.status().message() << "\n";
    return 2;
  }
  auto store = ClientStore::open(a.file);
  if (!store.ok()) {
    err << "shapesim client: " << store.status().message() << "\n";
    return 1;
  }
  ClientEngineOptions options{.collection = a.table,
                              .shape = {.table = a.table, .where = a.where},
                              .user_token = a.user_token,
                              .route = a.route,
                              .organization = a.organization};
  Timestamp now = net::wall_clock_now();
  auto engine = ClientEngine::open(options, store->get(), Random(static_cast<uint64_t>(now.micros)));
  if (!engine.ok()) {
    err << "shapesim client: " << engine.status().message() << "\n";
    return 1;
  }
  ClientEngine& e = **engine;
  if (auto p = e.stream().position()) {
    out << "shapesim client: resumed " << a.table << " at offset " << p->offset.to_string() << " (handle " << p->handle << ", "
        << e.state().visible(a.table).size() << " rows from " << a.file << ")" << std::endl;
  } else {
    out << "shapesim client: syncing " << a.table << (a.route ? " through route " + *a.route : std::string()) << " from scratch"
        << std::endl;
  }
  std::map<uint64_t, std::string> mine;  // this run's transactions
  for (size_t i = 0; i < a.inserts.size(); ++i) {
    auto row = parse_bounded_json(a.inserts[i]);
    if (!row.ok() || !row->is_object() || !row->contains(a.key)) {
      err << "shapesim client: --insert needs a JSON object with the key column \"" << a.key << "\"\n";
      return 2;
    }
    WireRow value;
    for (const auto& [k, v] : row->items()) value[k] = wire_text(v);
    std::string key = quote_identifier("public") + "." + quote_identifier(a.table) + "/\"" + wire_text((*row)[a.key]).value_or("") + "\"";
    std::string id = "cli-" + std::to_string(now.micros) + "-" + std::to_string(i);
    nlohmann::json body = {{"id", id}, {"mutations", {{{"op", "insert"}, {"table", a.table}, {"value", *row}}}}};
    auto seq = e.transact(id, {{LocalMutation::Op::kInsert, a.table, key, value}}, body.dump());
    if (!seq.ok()) {
      err << "shapesim client: " << seq.status().message() << "\n";
      return 1;
    }
    mine[*seq] = id;
    out << "shapesim client: queued " << id << std::endl;
  }
  if (a.offline) {
    out << "shapesim client: offline: " << e.outbox().size() << " queued writes kept in " << a.file << std::endl;
    return 0;
  }
  Timestamp deadline = now + Duration::seconds(static_cast<int64_t>(a.timeout_s));
  int confirmed = 0, failed = 0;
  for (;;) {
    now = net::wall_clock_now();
    e.tick(now);
    for (const auto& ev : e.state().take_events()) {
      if (ev.status == TxStatus::kCompleted) ++confirmed;
      if (ev.status == TxStatus::kFailed) {
        ++failed;
        err << "shapesim client: write " << ev.id << " rolled back: " << ev.error << std::endl;
      }
    }
    (void)e.state().take_changes();
    bool settled = e.stream().up_to_date() && e.outbox().size() == 0 && e.state().pending().empty();
    if (e.denied()) {
      err << "shapesim client: " << (a.route ? "the server refused route " + *a.route : std::string("the gatekeeper refused this shape"))
          << "; local rows purged" << std::endl;
      return 1;
    }
    if (settled && !a.follow) break;
    if (now >= deadline) {
      if (a.follow) break;
      err << "shapesim client: timed out after " << a.timeout_s << " s (" << e.outbox().size() << " writes still queued)\n";
      return 1;
    }
    auto next = e.poll(now);
    if (!next) {
      auto wake = e.wake_at();
      int64_t wait = wake ? std::max<int64_t>(0, (*wake - now).micros) : 100'000;
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(wait, 100'000)));
      continue;
    }
    auto response = net::http_exchange(*endpoint, next->request, Duration::seconds(40));
    now = net::wall_clock_now();
    if (!response.ok()) {
      err << "shapesim client: " << response.status().message() << std::endl;
      e.on_network_error(next->kind, next->batch_id, now, next->generation);
      continue;
    }
    e.on_response(next->kind, next->batch_id, *response, now, next->generation);
    if (next->kind == ClientEngine::Kind::kStream && e.stream().state() == StreamState::kFailed) {
      err << "shapesim client: " << e.stream().last_error() << std::endl;
      return 1;
    }
  }
  out << "shapesim client: " << e.state().visible(a.table).size() << " rows, " << e.outbox().size() << " queued, " << confirmed
      << " confirmed, " << failed << " rolled back" << std::endl;
  return failed > 0 ? 1 : 0;
}

}  // namespace shapesim::tools
