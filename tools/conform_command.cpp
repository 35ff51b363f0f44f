// `shapesim conform`: the scenarios against a live deployment, in real time, with the reference
// client engine over real HTTP and the wall clock (a driver, like `shapesim client`).
//
// Each scenario gets its clients (a local file each, in a temporary directory), plays its steps
// in real time, and is held to the same expectations as in simulation: `expect` steps,
// `transact` outcomes, and at every settle and at the end, convergence of every client with a
// fresh read of its shape from the target, and the local-transactions promises (every
// committed transaction acknowledged or rolled back, nothing pending, what is shown is what
// was synced). Steps a live deployment cannot be made to do (partitions, clogs, server
// crashes, shape deletion, token expiry, membership changes) make the scenario skipped, with
// the reason. Clients take turns on one thread: the target's long-poll timeout should be short
// (`shapesim serve --long-poll-ms 300`).
#include "tools/conform_command.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "reference/client/client_engine.h"
#include "reference/client/write_mutations.h"
#include "reference/net/http_client.h"
#include "scenarios/scenario.h"
#include "sim/client_queries.h"

namespace shapesim::tools {

namespace {

using nlohmann::json;

struct ConformArgs {
  std::string target;
  std::optional<std::string> junit;
  std::optional<std::string> print_schema;
  bool list = false;
  int64_t max_wait_s = 30;
  std::vector<std::string> paths;
  bool help = false;
};

void print_help(std::ostream& out) {
  out << "usage: shapesim conform --target URL [--junit FILE] [--max-wait-s N] SCENARIO|DIR...\n"
         "       shapesim conform --list SCENARIO|DIR...\n"
         "       shapesim conform --print-schema SCENARIO\n"
         "\n"
         "Runs scenario files (docs/scenarios.md) against a live deployment in real time with the\n"
         "reference client engine, and checks the same expectations as the simulator: expect steps,\n"
         "transact outcomes, convergence with a fresh read of each shape, and that every committed\n"
         "transaction was acknowledged or rolled back. Scenarios with steps a live deployment cannot\n"
         "be made to do (partition, heal, clog, crash/restart of the server, delete_shape,\n"
         "expire_tokens, grant/revoke/set_role), or waiting longer than --max-wait-s (30) in total,\n"
         "are skipped and listed. The target must hold the scenario's tables and seed rows (a fresh\n"
         "`shapesim serve --schema` per scenario: --print-schema writes that file; under auth, serve\n"
         "it with --auth and the scenario's policy). Exit 0 if nothing failed, 1 otherwise.\n"
         "\n"
         "  --target URL        the deployment, e.g. http://127.0.0.1:3000\n"
         "  --junit FILE        also write JUnit XML (one testcase per scenario) for CI systems\n"
         "  --max-wait-s N      skip scenarios whose wait steps add up to more than N seconds\n"
         "  --list              print PLAY or SKIP (with the reason) for each scenario; run nothing\n"
         "  --print-schema F    print the `serve --schema` file for scenario F (tables, seed rows)\n";
}

std::optional<std::string> parse(const std::vector<std::string>& args, ConformArgs& a) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& f = args[i];
    auto value = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)what;
      return args[++i];
    };
    if (f == "--help" || f == "-h") {
      a.help = true;
    } else if (f == "--target") {
      auto v = value("URL");
      if (!v) return "--target needs a URL";
      a.target = *v;
    } else if (f == "--junit") {
      auto v = value("FILE");
      if (!v) return "--junit needs a file";
      a.junit = *v;
    } else if (f == "--print-schema") {
      auto v = value("FILE");
      if (!v) return "--print-schema needs a scenario file";
      a.print_schema = *v;
    } else if (f == "--list") {
      a.list = true;
    } else if (f == "--max-wait-s") {
      auto v = value("N");
      if (!v || v->empty() || v->find_first_not_of("0123456789") != std::string::npos) return "--max-wait-s needs a number";
      a.max_wait_s = std::stoll(*v);
    } else if (!f.empty() && f[0] == '-') {
      return "unknown option " + f;
    } else {
      a.paths.push_back(f);
    }
  }
  if (a.help || a.print_schema) return std::nullopt;
  if (a.target.empty() && !a.list) return "--target is required";
  if (a.paths.empty()) return "give at least one scenario file or directory";
  return std::nullopt;
}

// Why a scenario cannot run against a live deployment ("" if it can).
std::string unsupported(const Scenario& s, int64_t max_wait_s) {
  static const std::set<StepKind> kLiveSteps = {StepKind::kWrite,       StepKind::kTransact,     StepKind::kWait,
                                                StepKind::kSettle,      StepKind::kExpect,       StepKind::kOffline,
                                                StepKind::kOnline,      StepKind::kCrashClient,  StepKind::kRestartClient,
                                                StepKind::kLogin,       StepKind::kLogout,       StepKind::kSwitchOrg,
                                                StepKind::kExpectNoRowsFrom, StepKind::kLiveQuery};
  std::set<std::string> missing;
  int64_t waited_ms = 0;
  for (const auto& step : s.steps) {
    if (!kLiveSteps.count(step.kind)) missing.insert(step_kind_name(step.kind));
    if (step.kind == StepKind::kWait) waited_ms += step.args["ms"].get<int64_t>();
    if (step.kind == StepKind::kExpectNoRowsFrom) waited_ms += step.args.value("within_ms", int64_t{0});
  }
  if (s.keep_unsynced != 0.5 || s.client_crash_points > 0) missing.insert("disk faults");
  if (s.network.loss > 0 || s.network.duplicate > 0 || s.network.tail_probability > 0 || s.network.response_loss > 0) {
    missing.insert("network faults");
  }
  for (const auto& c : s.clients) {
    if (c.clock_skew_ms != 0 || c.clock_drift_ppm != 0 || c.slow_ms != 0) missing.insert("client clocks and slowness");
  }
  std::string why;
  for (const auto& m : missing) why += (why.empty() ? "" : ", ") + m;
  if (!why.empty()) return "cannot be injected live: " + why;
  if (waited_ms > max_wait_s * 1000) return "waits " + std::to_string(waited_ms / 1000) + " s (over --max-wait-s)";
  return "";
}

// One live application: the engine over its own local file.
struct LiveClient {
  const ScenarioClient* spec = nullptr;
  std::string file;
  std::optional<std::string> user;
  std::optional<std::string> route;
  bool up = true;
  bool online = true;
  bool signed_out = false;
  uint64_t incarnation = 0;
  std::unique_ptr<ClientStore> store;
  std::unique_ptr<ClientEngine> engine;
  std::unique_ptr<sim::ClientQueries> queries;  // the application's live queries
  std::vector<std::string> committed;
  std::map<std::string, uint64_t> acked;
  std::map<std::string, std::string> rejected;
};

class LiveRun {
 public:
  LiveRun(const Scenario& s, net::HttpEndpoint endpoint, std::string dir) : s_(s), endpoint_(endpoint), dir_(std::move(dir)) {}

  // Plays every step; returns the failures.
  std::vector<std::string> play() {
    for (const auto& c : s_.clients) {
      LiveClient& lc = clients_[c.name];
      lc.spec = &c;
      lc.file = dir_ + "/" + c.name + ".db";
      lc.user = c.user;
      lc.route = c.route;
      open(lc);
    }
    for (size_t i = 0; i < s_.steps.size(); ++i) step(i);
    if (!settle(s_.settle_limit, "the end")) failures_.push_back("the end: not settled within " + std::to_string(s_.settle_limit.as_millis()) + " ms");
    for (auto& [name, c] : clients_) check_promises(name, c);
    for (const auto& [label, client, id, expect] : transacts_) {
      LiveClient& c = clients_.at(client);
      std::string actual = c.acked.count(id) ? "confirmed" : c.rejected.count(id) ? "rolled_back" : "neither confirmed nor rolled back";
      if (actual != expect) failures_.push_back(label + " [" + client + "]: transaction " + id + " expected " + expect + ", was " + actual);
    }
    return failures_;
  }

 private:
  Timestamp now() const { return net::wall_clock_now(); }

  std::optional<std::string> login(const std::string& user) {
    if (!s_.auth) return std::nullopt;
    HttpRequest req;
    req.method = "POST";
    req.path = "/api/auth/login";
    req.headers["content-type"] = "application/json";
    req.body = json({{"user_id", user}, {"secret", s_.auth->policy.login_secret}}).dump();
    auto r = net::http_exchange(endpoint_, req, Duration::seconds(10));
    if (!r.ok() || r->status != 200) return std::nullopt;
    auto body = json::parse(r->body, nullptr, false);
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) return std::nullopt;
    return body["token"].get<std::string>();
  }

  void open(LiveClient& c) {
    c.engine.reset();
    c.store.reset();
    auto store = ClientStore::open(c.file);
    if (!store.ok()) {
      failures_.push_back(c.spec->name + ": " + store.status().message());
      return;
    }
    c.store = std::move(*store);
    ClientEngineOptions options{.collection = "main",
                                .shape = c.spec->shape.value_or(ShapeDefinition{}),
                                .sync = c.spec->shape.has_value(),
                                .user = c.signed_out ? "" : c.user.value_or(""),
                                .route = c.route,
                                .organization = c.spec->org,
                                .table = c.route ? std::nullopt : table_of(c)};
    if (c.user && !c.signed_out) options.user_token = login(*c.user);
    auto engine = ClientEngine::open(std::move(options), c.store.get(), Random(static_cast<uint64_t>(now().micros) + ++c.incarnation));
    if (!engine.ok()) {
      failures_.push_back(c.spec->name + ": " + engine.status().message());
      return;
    }
    c.engine = std::move(*engine);
    c.engine->set_online(c.online && !c.signed_out);
    (void)c.engine->state().take_changes();
    if (c.queries) (void)c.queries->reset(c.engine->state().visible("main"));
  }

  std::optional<TableSchema> table_of(const LiveClient& c) const {
    if (!c.spec->shape) return std::nullopt;
    const TableSchema* t = s_.find_table(c.spec->shape->schema, c.spec->shape->table);
    return t ? std::optional<TableSchema>(*t) : std::nullopt;
  }

  void record(LiveClient& c) {
    for (auto& o : c.engine->take_write_outcomes()) {
      if (o.verdict == Outbox::Verdict::kAcknowledged) c.acked[o.batch_id] = o.txid.value_or(0);
      else c.rejected[o.batch_id] = o.error;
    }
    auto changes = c.engine->state().take_changes();
    if (c.queries) (void)c.queries->apply(changes);
    (void)c.engine->state().take_events();
  }

  // Up to a few exchanges for one client; returns whether it did anything.
  bool pump(LiveClient& c) {
    if (!c.up || !c.engine) return false;
    bool moved = false;
    for (int i = 0; i < 4; ++i) {
      Timestamp t = now();
      c.engine->tick(t);
      if (c.engine->needs_user_token() && c.user && !c.signed_out) {
        if (auto token = login(*c.user)) c.engine->set_user_token(*token);
      }
      auto out = c.engine->poll(t);
      if (!out) break;
      moved = true;
      auto response = net::http_exchange(endpoint_, out->request, Duration::seconds(30));
      if (!response.ok()) {
        c.engine->on_network_error(out->kind, out->batch_id, now(), out->generation);
      } else {
        c.engine->on_response(out->kind, out->batch_id, *response, now(), out->generation);
      }
      record(c);
    }
    record(c);
    return moved;
  }

  void run_for(Duration d) {
    Timestamp until = now() + d;
    while (now() < until) {
      bool moved = false;
      for (auto& [_, c] : clients_) moved = pump(c) || moved;
      if (!moved) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The rows a fresh reader of the client's shape gets from the target now.
  std::optional<std::map<std::string, WireRow>> fresh_rows(const LiveClient& c) {
    ClientEngineOptions options = c.engine->options();
    options.table.reset();
    auto reader = ClientEngine::open(options, nullptr, Random(7));
    if (!reader.ok()) return std::nullopt;
    ClientEngine& r = **reader;
    for (int i = 0; i < 200 && !r.stream().up_to_date(); ++i) {
      auto out = r.poll(now());
      if (!out) {
        if (r.denied()) return std::map<std::string, WireRow>{};
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      auto response = net::http_exchange(endpoint_, out->request, Duration::seconds(30));
      if (!response.ok()) return std::nullopt;
      r.on_response(out->kind, out->batch_id, *response, now(), out->generation);
    }
    if (!r.stream().up_to_date()) return std::nullopt;
    return r.state().synced("main");
  }

  bool settled(LiveClient& c) {
    if (!c.up || !c.online || c.signed_out || !c.engine) return true;
    const ClientEngine& e = *c.engine;
    if (e.outbox().size() > 0 || !e.state().pending().empty()) return false;
    if (!c.spec->shape || e.denied()) return true;
    return e.stream().state() == StreamState::kLive && e.stream().up_to_date() && !e.checking_data_version();
  }

  std::vector<std::string> differences(LiveClient& c) {
    std::vector<std::string> out;
    if (!c.up || !c.online || c.signed_out || !c.spec->shape || !c.engine || c.engine->denied()) return out;
    auto expected = fresh_rows(c);
    if (!expected) return {"cannot read the shape fresh from the target"};
    const auto& actual = c.engine->state().synced("main");
    for (const auto& [k, row] : *expected) {
      auto it = actual.find(k);
      if (it == actual.end()) out.push_back("missing row " + k);
      else if (it->second != row) out.push_back("row " + k + " differs from a fresh read");
    }
    for (const auto& [k, _] : actual) {
      if (!expected->count(k)) out.push_back("extra row " + k);
    }
    return out;
  }

  bool settle(Duration limit, const std::string& label) {
    Timestamp until = now() + limit;
    while (now() < until) {
      bool all = true;
      for (auto& [_, c] : clients_) all = all && settled(c);
      if (all) {
        bool converged = true;
        for (auto& [_, c] : clients_) converged = converged && differences(c).empty();
        if (converged) return true;
      }
      run_for(Duration::millis(50));
    }
    for (auto& [name, c] : clients_) {
      for (const auto& d : differences(c)) failures_.push_back(label + " [" + name + "]: " + d);
    }
    return false;
  }

  void check_promises(const std::string& name, LiveClient& c) {
    if (!c.engine) return;
    for (const auto& id : c.committed) {
      if (!c.acked.count(id) && !c.rejected.count(id)) {
        failures_.push_back("local-transactions [" + name + "]: " + id + " neither reached the server nor was rolled back");
      }
    }
    if (!c.engine->state().pending().empty()) failures_.push_back("local-transactions [" + name + "]: transactions still pending");
    if (c.spec->shape && !c.engine->denied()) {
      const auto& synced = c.engine->state().synced("main");
      for (const auto& [k, v] : c.engine->state().visible("main")) {
        auto s = synced.find(k);
        if (s == synced.end() || !v.synced || s->second != v.row) failures_.push_back("local-transactions [" + name + "]: shows " + k + " other than synced");
      }
    }
  }

  void expect(const std::string& label, LiveClient& c, const json& a) {
    const std::string name = c.spec->name;
    auto fail = [&](const std::string& what) { failures_.push_back(label + " [" + name + "]: " + what); };
    if (!c.engine) return fail("the client is not running");
    const auto& rows = c.engine->state().synced("main");
    if (a.contains("rows") && rows.size() != a["rows"].get<size_t>()) {
      fail("expected " + std::to_string(a["rows"].get<size_t>()) + " rows, has " + std::to_string(rows.size()));
    }
    const TableSchema* table = c.spec->shape ? s_.find_table(c.spec->shape->schema, c.spec->shape->table) : nullptr;
    if (a.contains("has") && table) {
      auto key = row_key_of(*table, a["has"]);
      auto it = key.ok() ? rows.find(*key) : rows.end();
      if (it == rows.end()) {
        fail("expected row " + (key.ok() ? *key : a["has"].dump()) + " to be present");
      } else if (a.contains("values")) {
        for (const auto& [col, v] : a["values"].items()) {
          const ColumnSchema* column = table->find_column(col);
          auto want = column ? Value::from_json(column->type, v) : Result<Value>(invalid_argument("no such column"));
          auto got = it->second.find(col);
          if (!want.ok() || got == it->second.end() || got->second != want->to_pg_text()) fail("row " + *key + " column " + col + " differs");
        }
      }
    }
    if (a.contains("lacks") && table) {
      auto key = row_key_of(*table, a["lacks"]);
      if (key.ok() && rows.count(*key)) fail("expected row " + *key + " to be absent");
    }
    if (a.contains("pending") && c.engine->state().pending().size() != a["pending"].get<size_t>()) {
      fail("expected " + a["pending"].dump() + " pending transactions, has " + std::to_string(c.engine->state().pending().size()));
    }
    if (a.contains("visible_rows") && c.engine->state().visible_count("main") != a["visible_rows"].get<size_t>()) {
      fail("expected " + a["visible_rows"].dump() + " visible rows, shows " + std::to_string(c.engine->state().visible_count("main")));
    }
    if (a.contains("writes_acked") && c.acked.size() != a["writes_acked"].get<size_t>()) {
      fail("expected " + a["writes_acked"].dump() + " acknowledged writes, has " + std::to_string(c.acked.size()));
    }
    if (a.contains("refetches") && c.engine->stream().refetches() != a["refetches"].get<uint64_t>()) {
      fail("expected " + a["refetches"].dump() + " refetches, saw " + std::to_string(c.engine->stream().refetches()));
    }
    if (a.value("converged", false)) {
      for (const auto& d : differences(c)) fail("not converged: " + d);
    }
    if (a.contains("query") && table) {
      for (const auto& f : sim::check_query(c.queries.get(), *table, a["query"])) fail(f);
    }
  }

  void no_rows_from(const std::string& label, LiveClient& c, const json& a) {
    if (!c.engine || !s_.auth || !c.spec->shape) return;
    const auth::TablePolicy* t = s_.auth->policy.table(c.spec->shape->table);
    if (!t) return;
    std::string who = a.contains("org") ? a["org"].get<std::string>() : a["user"].get<std::string>();
    auto scoped = [&](const WireRow& row) {
      auto it = row.find(t->scope.column);
      return it != row.end() && it->second && *it->second == who;
    };
    for (const auto& [k, row] : c.engine->state().synced("main")) {
      if (scoped(row)) failures_.push_back(label + " [" + c.spec->name + "]: still holds " + k + " of " + who);
    }
    auto saved = c.store ? c.store->load_shape("main") : Result<ClientStore::SavedShape>(ClientStore::SavedShape{});
    if (saved.ok()) {
      for (const auto& [k, row] : saved->rows) {
        if (scoped(row)) failures_.push_back(label + " [" + c.spec->name + "]: its local file still holds " + k + " of " + who);
      }
    }
  }

  void step(size_t i) {
    const ScenarioStep& st = s_.steps[i];
    const json& a = st.args;
    const std::string label = "step " + std::to_string(i + 1) + " (" + step_kind_name(st.kind) + ")";
    LiveClient* c = a.contains("client") ? &clients_.at(a["client"].get<std::string>()) : nullptr;
    switch (st.kind) {
      case StepKind::kWrite:
      case StepKind::kTransact: {
        std::string id = a.value("id", s_.name + "/" + std::to_string(i + 1)) + "-" + std::to_string(now().micros);
        json body = {{"id", id}, {"mutations", a["mutations"]}};
        if (!c->up || c->signed_out || !c->engine) break;
        std::vector<LocalMutation> local;
        if (auto t = table_of(*c)) {
          auto m = local_mutations_for(a["mutations"], *t, "main");
          if (m.ok()) local = std::move(*m);
        }
        auto seq = c->engine->transact(id, local, body.dump());
        if (!seq.ok()) seq = c->engine->transact(id, {}, body.dump());
        if (!seq.ok()) {
          failures_.push_back(label + ": " + seq.status().message());
          break;
        }
        c->committed.push_back(id);
        record(*c);  // shown at once (the live queries see it), sent when time passes
        if (a.contains("expect")) transacts_.push_back({label, c->spec->name, id, a["expect"].get<std::string>()});
        break;  // sent when time passes (wait, settle), as in simulation
      }
      case StepKind::kWait:
        run_for(Duration::millis(a["ms"].get<int64_t>()));
        break;
      case StepKind::kSettle:
        if (!settle(a.contains("max_ms") ? Duration::millis(a["max_ms"].get<int64_t>()) : s_.settle_limit, label)) {
          failures_.push_back(label + ": not settled in time");
        }
        break;
      case StepKind::kExpect:
        expect(label, *c, a);
        break;
      case StepKind::kOffline:
      case StepKind::kOnline:
        c->online = st.kind == StepKind::kOnline;
        if (c->engine) c->engine->set_online(c->online && !c->signed_out);
        break;
      case StepKind::kCrashClient:
        c->up = false;
        c->engine.reset();
        c->store.reset();
        break;
      case StepKind::kRestartClient:
        c->up = true;
        open(*c);
        break;
      case StepKind::kLogin: {
        c->user = a["user"].get<std::string>();
        c->signed_out = false;
        if (c->engine) {
          (void)c->engine->switch_user(*c->user, login(*c->user));
          record(*c);
          c->engine->set_online(c->online);
        }
        break;
      }
      case StepKind::kLogout:
        c->signed_out = true;
        if (c->engine) {
          (void)c->engine->switch_user("", std::nullopt);
          record(*c);
          c->engine->set_online(false);
        }
        break;
      case StepKind::kSwitchOrg:
        c->route = a["route"].get<std::string>();
        if (c->engine) (void)c->engine->set_route(c->route);
        break;
      case StepKind::kLiveQuery: {
        auto t = table_of(*c);
        if (!t) break;
        sim::ClientQueries::Spec spec;
        const json where = a.contains("where") ? a["where"] : json::object();
        for (const auto& [col, v] : where.items()) {
          spec.equals[col] = v.is_null() ? std::nullopt : Value::from_json(t->find_column(col)->type, v)->to_pg_text();
        }
        if (a.contains("order_by")) spec.order_by = a["order_by"].get<std::string>();
        if (a.contains("limit")) spec.limit = a["limit"].get<size_t>();
        bool first = !c->queries;
        if (first) c->queries = std::make_unique<sim::ClientQueries>("main", *t);
        if (Status st = c->queries->declare(a["name"].get<std::string>(), spec); !st.ok()) failures_.push_back(label + ": " + st.message());
        if (first && c->engine) (void)c->queries->reset(c->engine->state().visible("main"));
        break;
      }
      case StepKind::kExpectNoRowsFrom:
        if (a.contains("within_ms")) run_for(Duration::millis(a["within_ms"].get<int64_t>()));
        no_rows_from(label, *c, a);
        break;
      default:
        failures_.push_back(label + ": not playable live");
        break;
    }
  }

  const Scenario& s_;
  net::HttpEndpoint endpoint_;
  std::string dir_;
  std::map<std::string, LiveClient> clients_;
  std::vector<std::string> failures_;
  struct Transact {
    std::string label, client, id, expect;
  };
  std::vector<Transact> transacts_;
};

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

struct CaseResult {
  std::string name;
  std::string path;
  double seconds = 0;
  std::vector<std::string> failures;
  std::string skipped;
};

void write_junit(const std::string& file, const std::vector<CaseResult>& cases, const std::string& target) {
  size_t failures = 0, skipped = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += !c.failures.empty();
    skipped += !c.skipped.empty();
    total += c.seconds;
  }
  std::ofstream out(file);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites><testsuite name=\"shapesim conform " << xml_escape(target) << "\" tests=\"" << cases.size() << "\" failures=\""
      << failures << "\" skipped=\"" << skipped << "\" time=\"" << total << "\">\n";
  for (const auto& c : cases) {
    out << "  <testcase classname=\"scenarios\" name=\"" << xml_escape(c.name) << "\" file=\"" << xml_escape(c.path) << "\" time=\""
        << c.seconds << "\">";
    if (!c.skipped.empty()) out << "<skipped message=\"" << xml_escape(c.skipped) << "\"/>";
    for (const auto& f : c.failures) out << "<failure message=\"" << xml_escape(f) << "\"/>";
    out << "</testcase>\n";
  }
  out << "</testsuite></testsuites>\n";
}

}  // namespace

int conform_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ConformArgs a;
  if (auto e = parse(args, a)) {
    err << "shapesim conform: " << *e << "\n\n";
    print_help(err);
    return 2;
  }
  if (a.help) {
    print_help(out);
    return 0;
  }
  if (a.print_schema) {
    auto s = load_scenario_file(*a.print_schema);
    if (!s.ok()) {
      err << "shapesim conform: " << s.status().message() << "\n";
      return 2;
    }
    out << scenario_schema_file(*s).dump(1) << "\n";
    return 0;
  }
  auto endpoint = net::parse_http_url(a.list ? std::string("http://127.0.0.1:1") : a.target);
  if (!endpoint.ok()) {
    err << "shapesim conform: " << endpoint.status().message() << "\n";
    return 2;
  }
  std::vector<std::string> files;
  for (const auto& p : a.paths) {
    if (std::filesystem::is_directory(p)) {
      std::vector<std::string> in_dir;
      for (const auto& e : std::filesystem::directory_iterator(p)) {
        if (e.path().extension() == ".json") in_dir.push_back(e.path().string());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(p);
    }
  }
  std::vector<CaseResult> cases;
  for (const auto& file : files) {
    CaseResult r;
    r.path = file;
    auto s = load_scenario_file(file);
    if (!s.ok()) {
      r.name = file;
      r.failures.push_back(s.status().message());
      cases.push_back(r);
      out << "FAIL " << file << ": " << s.status().message() << std::endl;
      continue;
    }
    r.name = s->name;
    r.skipped = unsupported(*s, a.max_wait_s);
    if (a.list) {
      out << (r.skipped.empty() ? "PLAY " + s->name : "SKIP " + s->name + ": " + r.skipped) << std::endl;
      continue;
    }
    if (!r.skipped.empty()) {
      out << "SKIP " << s->name << ": " << r.skipped << std::endl;
      cases.push_back(r);
      continue;
    }
    auto dir = std::filesystem::temp_directory_path() / ("shapesim-conform-" + std::to_string(net::wall_clock_now().micros));
    std::filesystem::create_directories(dir);
    Timestamp start = net::wall_clock_now();
    LiveRun run(*s, *endpoint, dir.string());
    r.failures = run.play();
    r.seconds = static_cast<double>((net::wall_clock_now() - start).micros) / 1e6;
    std::filesystem::remove_all(dir);
    if (r.failures.empty()) {
      out << "PASS " << s->name << " (" << r.seconds << " s)" << std::endl;
    } else {
      out << "FAIL " << s->name << " (" << r.seconds << " s):" << std::endl;
      for (const auto& f : r.failures) out << "  " << f << std::endl;
    }
    cases.push_back(r);
  }
  if (a.list) return 0;
  size_t passed = 0, failed = 0, skipped = 0;
  for (const auto& c : cases) {
    if (!c.skipped.empty()) ++skipped;
    else if (c.failures.empty()) ++passed;
    else ++failed;
  }
  out << cases.size() << " scenarios against " << a.target << ": " << passed << " passed, " << failed << " failed, " << skipped
      << " skipped" << std::endl;
  if (a.junit) write_junit(*a.junit, cases, a.target);
  return failed > 0 ? 1 : 0;
}

}  // namespace shapesim::tools
