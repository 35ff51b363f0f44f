// AuthGate: routing, forwarding, identity reloads and the release of affected requests.
// Tokens and login: auth_tokens.cpp; shapes (gatekeeper, proxy, routes): auth_shapes.cpp;
// writes: auth_writes.cpp.
#include "reference/auth/auth_gate.h"

#include "reference/common/planted_bugs.h"
#include "reference/auth/auth_responses.h"

#include "reference/common/assert.h"
#include "reference/server/http_responses.h"
#include "reference/sql/deparse.h"
#include "reference/sql/parser.h"

namespace shapesim::auth {

namespace {

bool is_identity_table(const Policy& p, const std::string& qualified) {
  for (const std::string* t : {&p.identity.users, &p.identity.organizations, &p.identity.memberships}) {
    if (qualified == "public." + *t) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> normalize_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::string out;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start + 1);
    if (end == std::string::npos) end = path.size();
    std::string segment = path.substr(start + 1, end - start - 1);
    if (segment == "." || segment == "..") return std::nullopt;
    if (!segment.empty()) out += "/" + segment;
    start = end;
  }
  return out.empty() ? "/" : out;
}

AuthGate::AuthGate(Policy policy, JwtKeys keys, ShapeServer& server)
    : policy_(std::move(policy)), keys_(std::move(keys)), server_(server) {
  server_.set_before_fanout(this, [this](const CommittedTransaction& tx, Timestamp now) { return before_fanout(tx, now); });
}

AuthGate::~AuthGate() { server_.clear_before_fanout(this); }

Result<std::unique_ptr<AuthGate>> AuthGate::create(Policy policy, ShapeServer& server) {
  SHAPESIM_ASSIGN_OR_RETURN(JwtKeys keys, JwtKeys::create(policy.keys, policy.signing_kid));
  SourceOfTruth& source = server.source();
  for (const std::string* name : {&policy.identity.users, &policy.identity.memberships}) {
    const TableSchema* t = source.find_table("public", *name);
    if (!t) return invalid_argument("identity table '" + *name + "' does not exist (create it, e.g. in --schema)");
    SHAPESIM_RETURN_IF_ERROR(source.prepare_table(*t));  // so its changes replicate
  }
  const TableSchema* m = source.find_table("public", policy.identity.memberships);
  for (const char* c : {"user_id", "organization_id", "role"}) {
    if (!m->find_column(c)) return invalid_argument("identity table '" + m->name + "' needs a column " + c);
  }
  for (const auto& [name, t] : policy.tables) {
    const TableSchema* table = source.find_table("public", name);
    if (!table) return invalid_argument("policy: tables." + name + ": no such table");
    if (!table->find_column(t.scope.column)) {
      return invalid_argument("policy: tables." + name + ".scope: table has no column '" + t.scope.column + "'");
    }
    for (const auto& [role, columns] : t.columns) {
      for (const auto& c : columns) {
        if (!table->find_column(c)) {
          return invalid_argument("policy: tables." + name + ".columns." + role_name(role) + ": no column '" + c + "'");
        }
      }
      for (const auto& pk : table->primary_key) {
        if (std::find(columns.begin(), columns.end(), pk) == columns.end()) {
          return invalid_argument("policy: tables." + name + ".columns." + role_name(role) + ": must include the primary key column '" + pk + "'");
        }
      }
    }
  }
  // A route's where is a narrowing like any other: one complete expression, naming no column
  // a role that reads the route may not see.
  for (const auto& route : policy.routes) {
    if (route.where.empty()) continue;
    auto tree = sql::parse_where(route.where);
    if (!tree.ok()) return invalid_argument("policy: route " + route.path + ": where: " + tree.status().message());
    const TablePolicy* t = policy.table(route.table);
    for (const auto& [role, visible] : t ? t->columns : std::map<Role, std::vector<std::string>>{}) {
      for (const auto& c : sql::columns_named(**tree)) {
        if (std::find(visible.begin(), visible.end(), c) == visible.end()) {
          return invalid_argument("policy: route " + route.path + ": where names column '" + c + "', which a " +
                                  role_name(role) + " may not read");
        }
      }
    }
  }
  auto gate = std::unique_ptr<AuthGate>(new AuthGate(std::move(policy), std::move(keys), server));
  SHAPESIM_RETURN_IF_ERROR(gate->load_directory());
  SHAPESIM_RETURN_IF_ERROR(gate->load_counters());
  return gate;
}

Status AuthGate::load_directory() {
  ++directory_generation_;
  SourceOfTruth& source = server_.source();
  Directory fresh;
  const TableSchema* users = source.find_table("public", policy_.identity.users);
  const TableSchema* memberships = source.find_table("public", policy_.identity.memberships);
  if (!users || !memberships) return failed_precondition("an identity table was dropped");
  SHAPESIM_ASSIGN_OR_RETURN(Snapshot u, source.snapshot(*users));
  for (const auto& row : u.rows) {
    if (auto id = row.find("id"); id != row.end()) fresh.add_user(id_text(id->second));
  }
  SHAPESIM_ASSIGN_OR_RETURN(Snapshot m, source.snapshot(*memberships));
  for (const auto& row : m.rows) {
    auto role = parse_role(id_text(row.at("role")));
    if (!role) continue;  // an unknown role grants nothing
    fresh.add_membership(id_text(row.at("user_id")), id_text(row.at("organization_id")), *role);
  }
  directory_ = std::move(fresh);
  return Status::Ok();
}

Status AuthGate::load_counters() {
  for (auto [prefix, counters] : {std::pair{"auth_epoch:", &user_epochs_}, std::pair{"auth_logout:", &token_generations_}}) {
    SHAPESIM_ASSIGN_OR_RETURN(auto stored, server_.store().meta_with_prefix(prefix));
    counters->clear();
    for (const auto& [key, value] : stored) (*counters)[key.substr(std::string_view(prefix).size())] = value;
  }
  return Status::Ok();
}

Status AuthGate::bump(std::map<std::string, uint64_t>& counters, const char* prefix, const std::string& user) {
  uint64_t next = ++counters[user];
  return server_.store().set_meta(prefix + user, next);
}

ServerOutput AuthGate::release_users(const std::set<std::string>& users, Timestamp now) {
  ServerOutput out;
  std::vector<RequestId> release;
  for (const auto& [id, user] : user_of_) {
    if (users.count(user)) release.push_back(id);
  }
  if (planted(PlantedBug::kRevocationLeavesPollsOpen)) release.clear();
  for (RequestId id : release) out.append(server_.release_now(id, now));
  return out;
}

void AuthGate::add_gate_headers(HttpResponse& r) {
  auto vary = r.headers.find("vary");
  if (vary == r.headers.end()) {
    r.headers["vary"] = "authorization";
  } else if (vary->second.find("uthorization") == std::string::npos) {
    vary->second += ", authorization";
  }
  if (r.status == 401 || r.status == 403) r.headers["cache-control"] = "no-store";
}

ServerOutput AuthGate::handle(RequestId id, const HttpRequest& request, Timestamp now) {
  auto answer = [&](HttpResponse r) {
    // A refused origin is not told it may read the answer.
    if (origin_may_write(request, server_.config().policy)) add_cors_headers(r, request.header("origin"));
    ServerOutput out;
    out.responses.emplace_back(id, std::move(r));
    return finish(std::move(out), now);
  };
  auto path = normalize_path(request.path);
  if (!path) return answer(auth_error(400, "bad path"));
  HttpRequest req = request;
  req.path = *path;
  // One Host and origin policy for every endpoint: every one of them reads or acts with a
  // credential, so a browser page of another origin gets nothing (not even a preflight, a
  // login or a gatekeeper answer) unless serve --cors-origin lists it.
  const RequestPolicy& policy = server_.config().policy;
  if (auto refused = check_host(req, policy)) return answer(std::move(*refused));
  if (!origin_may_write(req, policy)) {
    return answer(auth_error(403, "origin " + *req.header("origin") +
                                      " may not call this server (serve --cors-origin ORIGIN allows a cross-origin app)"));
  }
  if (req.method == "OPTIONS" || req.path == "/v1/health") return forward(id, req, now, "");
  if (req.path == "/api/auth/login") {
    return answer(req.method == "POST" ? login(req, now) : auth_error(405, "method not allowed"));
  }
  if (req.path == "/api/auth/logout") {
    if (req.method != "POST") return answer(auth_error(405, "method not allowed"));
    ServerOutput out = logout(id, req, now);
    for (auto& [rid, r] : out.responses) {
      if (rid == id) add_cors_headers(r, request.header("origin"));
    }
    return finish(std::move(out), now);
  }
  if (req.path == "/api/auth/data-version") {
    return answer(req.method == "GET" ? data_version_answer(req, now) : auth_error(405, "method not allowed"));
  }
  static constexpr std::string_view kGatekeeper = "/api/gatekeeper/";
  if (req.path.rfind(kGatekeeper, 0) == 0) {
    if (req.method != "POST") return answer(auth_error(405, "method not allowed"));
    return answer(gatekeeper(req.path.substr(kGatekeeper.size()), req, now));
  }
  if (req.path == "/v1/shape") {
    std::string user;
    if (auto refused = check_shape_request(req, now, user)) return answer(std::move(*refused));
    return forward(id, req, now, user);
  }
  if (req.path == "/api/mutations") {
    if (req.method != "POST") return answer(auth_error(405, "method not allowed"));
    auto checked = check_writes(req, now);
    if (auto* refused = std::get_if<HttpResponse>(&checked)) return answer(std::move(*refused));
    return forward(id, std::get<HttpRequest>(checked), now, "");
  }
  std::string user;
  auto routed = route_request(req, now, user);
  if (auto* refused = std::get_if<HttpResponse>(&routed)) return answer(std::move(*refused));
  return forward(id, std::get<HttpRequest>(routed), now, user);
}

ServerOutput AuthGate::forward(RequestId id, const HttpRequest& req, Timestamp now, const std::string& user) {
  SHAPESIM_ASSERT(!user_of_.count(id));
  if (!user.empty()) user_of_[id] = user;
  return finish(server_.handle(id, req, now), now);
}

bool AuthGate::may_read(const std::string& user, const std::string& table, const std::string& org) const {
  const TablePolicy* t = policy_.table(table);
  auto role = directory_.role(user, org);
  return t && role && t->may(*role, Action::kRead);
}

ServerOutput AuthGate::tick(Timestamp now) { return finish(server_.tick(now), now); }

void AuthGate::cancel(RequestId id) {
  user_of_.erase(id);
  server_.cancel(id);
}

ServerOutput AuthGate::observe(ServerOutput out, Timestamp now) { return finish(std::move(out), now); }

ServerOutput AuthGate::before_fanout(const CommittedTransaction& tx, Timestamp now) {
  for (const auto& c : tx.changes) {
    if (is_identity_table(policy_, c.schema + "." + c.table)) return reload_identity(now, tx.commit_lsn.value);
  }
  return {};
}

ServerOutput AuthGate::reload_identity(Timestamp now, std::optional<uint64_t> lsn) {
  ServerOutput out;
  Directory previous = directory_;
  Status loaded = load_directory();
  if (!loaded.ok()) out.notices.push_back("auth: cannot re-read the identity tables: " + loaded.message());
  std::set<std::string> affected;  // users whose rights moved (new, gone or changed)
  std::set<std::string> everyone = previous.users();
  everyone.merge(directory_.users());
  for (const auto& user : everyone) {
    if (!loaded.ok() || previous.data_version(user, policy_.epoch) != directory_.data_version(user, policy_.epoch)) {
      affected.insert(user);
    }
    for (const auto& [org, role] : previous.memberships(user)) {
      if (directory_.role(user, org) != role) {
        access_changed_at_[{user, org}] = now;
        if (lsn) access_changed_lsn_[{user, org}] = *lsn;
      }
    }
  }
  // Their data version moves forward: a token minted before stays refused, even once the
  // same rights are given back.
  for (const auto& user : affected) {
    Status kept = bump(user_epochs_, "auth_epoch:", user);
    if (!kept.ok()) out.notices.push_back("auth: cannot persist the data version of " + user + ": " + kept.message());
  }
  if (!loaded.ok()) {  // release everyone's: nothing can be authorized until the tables read again
    for (const auto& [id, user] : user_of_) affected.insert(user);
  }
  out.append(release_users(affected, now));
  return out;
}

ServerOutput AuthGate::finish(ServerOutput out, Timestamp now) {
  // Transactions that changed identity tables were handled before their fan-out
  // (before_fanout); a change that reached the tables another way is caught here.
  bool identity_changed = false;
  for (const auto& t : out.changed_tables) identity_changed = identity_changed || is_identity_table(policy_, t);
  // The store's last LSN is at or after the change: the checkers' bound stays safe.
  if (identity_changed) out.append(reload_identity(now, server_.durable_lsn().value));
  // Answered requests are no longer tracked (a stream is, until its end event).
  for (const auto& [id, r] : out.responses) {
    if (!r.streaming) user_of_.erase(id);
  }
  for (const auto& shared : out.shared_responses) {
    for (RequestId id : shared.ids) user_of_.erase(id);
  }
  for (const auto& e : out.stream_events) {
    if (e.end) user_of_.erase(e.id);
  }
  for (auto& [id, r] : out.responses) add_gate_headers(r);
  for (auto& shared : out.shared_responses) add_gate_headers(shared.response);
  return out;
}

}  // namespace shapesim::auth
