#include "tools/live_run.h"

#include <chrono>
#include <future>
#include <thread>

#include "reference/client/write_mutations.h"
#include "tools/live_checks.h"
#include "tools/live_identity.h"

namespace shapesim::tools {

namespace {

using nlohmann::json;

class LiveRun {
 public:
  LiveRun(const Scenario& s, net::HttpEndpoint endpoint, std::string dir, std::optional<std::string> pg_url)
      : s_(s), endpoint_(endpoint), dir_(std::move(dir)), pg_url_(std::move(pg_url)) {}

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
    for (auto& [name, c] : clients_) check_live_promises(name, c, failures_);
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
    return s_.auth ? live_login(endpoint_, s_.auth->policy, user) : std::nullopt;
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
    for (const auto& more : c.spec->collections) {
      options.more_collections.push_back({.collection = more.name,
                                          .shape = more.shape,
                                          .table = more.route ? std::nullopt : table_of(c, more.name),
                                          .route = more.route,
                                          .organization = more.route ? std::nullopt : c.spec->org});
    }
    if (c.spec->device && c.user && !c.route) {
      // The clients of one device share its token cache (as the simulator's do).
      auto& shared = device_tokens_[*c.spec->device];
      if (!shared) shared = std::make_shared<ShapeTokens>(ShapeTokensOptions{}, Random(static_cast<uint64_t>(now().micros)));
      options.shared_tokens = shared;
    }
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

  // The table of the shape of c's `collection`, if it has one.
  std::optional<TableSchema> table_of(const LiveClient& c, const std::string& collection = "main") const {
    const ShapeDefinition* shape = c.spec->shape_of(collection);
    const TableSchema* t = shape ? s_.find_table(shape->schema, shape->table) : nullptr;
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
      // Everything the engine asks for now goes out at once, as from a real application: with
      // several collections their long-polls are in flight together (one at a time, the
      // first stream's long-poll would starve the others).
      std::vector<ClientEngine::Outgoing> outs;
      while (auto out = c.engine->poll(t)) outs.push_back(std::move(*out));
      if (outs.empty()) break;
      moved = true;
      std::vector<std::future<Result<HttpResponse>>> answers;
      for (const auto& out : outs) {
        if (out.kind == ClientEngine::Kind::kToken) ++c.token_requests;
        answers.push_back(std::async(outs.size() == 1 ? std::launch::deferred : std::launch::async,
                                     [this, &out] { return net::http_exchange(endpoint_, out.request, Duration::seconds(30)); }));
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        auto response = answers[k].get();
        const auto& out = outs[k];
        if (!response.ok()) {
          c.engine->on_network_error(out.kind, out.batch_id, now(), out.generation);
        } else {
          c.engine->on_response(out.kind, out.batch_id, *response, now(), out.generation);
        }
        record(c);
      }
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

  // The rows a fresh reader of the shape of the client's `collection` gets from the target now.
  std::optional<std::map<std::string, WireRow>> fresh_rows(const LiveClient& c, const std::string& collection) {
    ClientEngineOptions options = c.engine->options();
    for (const auto& more : options.more_collections) {
      if (more.collection != collection) continue;
      options.shape = more.shape;
      options.route = more.route;
      options.organization = more.organization;
    }
    options.collection = collection;
    options.more_collections.clear();
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
    return r.state().synced(collection);
  }

  bool settled(LiveClient& c) {
    if (!c.up || !c.online || c.signed_out || !c.engine) return true;
    const ClientEngine& e = *c.engine;
    if (e.outbox().size() > 0 || !e.state().pending().empty()) return false;
    if (!c.spec->shape || e.denied()) return true;
    for (const auto& coll : collections_of(c)) {
      const ShapeStream& s = e.stream(coll);
      if (s.state() != StreamState::kLive || !s.up_to_date()) return false;
    }
    return !e.checking_data_version();
  }

  // The clients on c's device (c alone without one).
  std::vector<LiveClient*> device_of(LiveClient& c) {
    if (!c.spec->device) return {&c};
    std::vector<LiveClient*> out;
    for (auto& [_, d] : clients_) {
      if (d.spec->device == c.spec->device) out.push_back(&d);
    }
    return out;
  }

  // How the client's collections differ from a fresh read (only `only` when given).
  std::vector<std::string> differences(LiveClient& c, const std::optional<std::string>& only = std::nullopt) {
    std::vector<std::string> out;
    if (!c.up || !c.online || c.signed_out || !c.spec->shape || !c.engine || c.engine->denied()) return out;
    for (const auto& coll : collections_of(c)) {
      if (only && coll != *only) continue;
      const std::string in = coll == "main" ? "" : " in " + coll;
      auto expected = fresh_rows(c, coll);
      if (!expected) {
        out.push_back("cannot read the shape" + in + " fresh from the target");
        continue;
      }
      const auto& actual = c.engine->state().synced(coll);
      for (const auto& [k, row] : *expected) {
        auto it = actual.find(k);
        if (it == actual.end()) out.push_back("missing row " + k + in);
        else if (it->second != row) out.push_back("row " + k + in + " differs from a fresh read");
      }
      for (const auto& [k, _] : actual) {
        if (!expected->count(k)) out.push_back("extra row " + k + in);
      }
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

  void expect(const std::string& label, LiveClient& c, const json& a) {
    uint64_t device_token_requests = 0;
    for (const LiveClient* d : device_of(c)) device_token_requests += d->token_requests;
    check_live_expect(s_, label, c, a, device_token_requests,
                      [&](const std::string& coll) { return differences(c, coll); }, failures_);
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
        for (const auto& coll : collections_of(*c)) {
          auto t = table_of(*c, coll);
          if (!t) continue;
          auto m = local_mutations_for(a["mutations"], *t, coll);
          if (m.ok()) local.insert(local.end(), m->begin(), m->end());
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
        for (LiveClient* d : device_of(*c)) {  // a device loses its network as a whole
          d->online = st.kind == StepKind::kOnline;
          if (d->engine) d->engine->set_online(d->online && !d->signed_out);
        }
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
      case StepKind::kGrant:
      case StepKind::kRevoke:
      case StepKind::kSetRole: {
        if (!pg_url_ || !s_.auth) {
          failures_.push_back(label + ": membership changes need --pg");
          break;
        }
        const std::string user = a["user"].get<std::string>(), org = a["org"].get<std::string>();
        std::optional<std::string> role;
        if (st.kind != StepKind::kRevoke) role = a["role"].get<std::string>();
        if (Status w = write_membership(*pg_url_, s_.auth->policy, user, org, role, st.kind == StepKind::kGrant); !w.ok()) {
          failures_.push_back(label + ": " + w.message());
          break;
        }
        // The server learns of the change through replication, a moment later: the steps after
        // this one start from a server that has it, as they do in simulation.
        if (!server_sees_membership(endpoint_, s_.auth->policy, user, org, role, s_.settle_limit)) {
          failures_.push_back(label + ": the server did not show the membership change within " +
                              std::to_string(s_.settle_limit.as_millis()) + " ms");
        }
        break;
      }
      case StepKind::kExpectNoRowsFrom:
        if (a.contains("within_ms")) run_for(Duration::millis(a["within_ms"].get<int64_t>()));
        check_live_no_rows_from(s_, label, *c, a, failures_);
        break;
      default:
        failures_.push_back(label + ": not playable live");
        break;
    }
  }

  const Scenario& s_;
  net::HttpEndpoint endpoint_;
  std::string dir_;
  std::optional<std::string> pg_url_;
  std::map<std::string, LiveClient> clients_;
  std::map<std::string, std::shared_ptr<ShapeTokens>> device_tokens_;  // by device
  std::vector<std::string> failures_;
  struct Transact {
    std::string label, client, id, expect;
  };
  std::vector<Transact> transacts_;
};

}  // namespace

std::vector<std::string> play_live(const Scenario& scenario, const net::HttpEndpoint& endpoint, const std::string& dir,
                                   const std::optional<std::string>& pg_url) {
  LiveRun run(scenario, endpoint, dir, pg_url);
  return run.play();
}

}  // namespace shapesim::tools
