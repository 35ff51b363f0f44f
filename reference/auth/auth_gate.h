// AuthGate: the authorization layer in front of the shape server (sans-I/O, `now` passed in).
// It is an HttpService, so every driver (serve, the simulator, test rigs) puts it where the
// ShapeServer was.
//
//   auto gate = AuthGate::create(std::move(policy), server);   // reads identity tables
//   auto out = gate->handle(id, request, now);                 // like ShapeServer::handle
//
// Endpoints (docs/auth.md):
//   POST /api/auth/login {user_id, secret}         -> user token (dev login, shared secret);
//                                                     failed logins limited per user and address (429)
//   POST /api/auth/logout (user token)             -> every token of the user refused from now on
//   GET  /api/auth/data-version                    -> the user's data version and memberships
//   POST /api/gatekeeper/:table {where,params,columns,replica,organization}
//                                                  -> shape token binding the whole definition
//   GET  /v1/shape?...  (shape token)              -> forwarded when the request's definition
//                                                     is the token's and its data version current
//   GET  <declared route> (user token)             -> the route's shape, scoped by membership
//   POST /api/mutations (user token)               -> every mutation checked; all or nothing
//   GET  /v1/health, OPTIONS                       -> forwarded
// Anything else is 404. Paths are matched after normalization ('//' collapsed, trailing '/'
// dropped, percent-decoding done by HttpRequest), and the request forwarded carries the
// normalized path, so the gate and the server always agree on the route.
//
// Permission changes: a committed transaction that changes an identity table makes the gate
// re-read the identity tables before the transaction reaches any shape (the server's
// before-fanout hook), and every user whose data version changed has their parked long-polls
// answered (at their own offset, without the transaction) and streams ended, so no answer
// built from the revoking transaction reaches them and the next request is authorized again
// (stale shape token: 401; route: membership checked anew). Output from elsewhere
// (replication) goes through observe().
//
// Every response carries `vary: authorization`; 401 and 403 are `cache-control: no-store`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "reference/auth/directory.h"
#include "reference/auth/jwt.h"
#include "reference/auth/login_limiter.h"
#include "reference/auth/policy.h"
#include "reference/server/shape_server.h"

namespace shapesim::auth {

class AuthGate : public HttpService {
 public:
  // Checks the policy against the source's tables (scoping and listed columns exist, the
  // identity tables exist) and reads the identity tables.
  static Result<std::unique_ptr<AuthGate>> create(Policy policy, ShapeServer& server);
  ~AuthGate() override;
  AuthGate(const AuthGate&) = delete;
  AuthGate& operator=(const AuthGate&) = delete;

  ServerOutput handle(RequestId id, const HttpRequest& request, Timestamp now) override;
  ServerOutput tick(Timestamp now) override;
  void cancel(RequestId id) override;
  std::optional<Timestamp> next_deadline() const override { return server_.next_deadline(); }
  // Output the shape server produced outside handle()/tick() (a replicated transaction):
  // reacts to identity changes like handle() does, and adds the gate's headers.
  ServerOutput observe(ServerOutput out, Timestamp now);

  // A user token as /api/auth/login would answer it (for tests and the simulator).
  std::string user_token(const std::string& user, Timestamp now) const;
  // Replaces the signing keys (an operator rotating the secret with no grace period): every
  // token signed before is refused from now on (401), so every client must log in again.
  Status rotate_keys(std::vector<JwtKey> keys, const std::string& signing_kid);
  std::string data_version(const std::string& user) const {
    return directory_.data_version(user, policy_.epoch, counter(user_epochs_, user));
  }
  const Directory& directory() const { return directory_; }
  const Policy& policy() const { return policy_; }
  // Parked or streaming requests the gate forwarded, with their user.
  size_t tracked_count() const { return user_of_.size(); }
  // When `user` last lost their role in `org` (revoked, or a role change), as the `now` of
  // the step that noticed it; nullopt if never. For exposure-window checks.
  std::optional<Timestamp> access_changed_at(const std::string& user, const std::string& org) const {
    auto it = access_changed_at_.find({user, org});
    return it == access_changed_at_.end() ? std::nullopt : std::optional<Timestamp>(it->second);
  }
  // The commit LSN of the transaction that last took a role in `org` from `user`, when the
  // gate saw it before its fan-out (nullopt otherwise): no row of that transaction or a later
  // one may reach the user.
  std::optional<uint64_t> access_changed_lsn(const std::string& user, const std::string& org) const {
    auto it = access_changed_lsn_.find({user, org});
    return it == access_changed_lsn_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
  }
  // The shape a declared route serves `user` now (nullopt: no such route, or refused).
  std::optional<ShapeDefinition> resolve_route(const std::string& user, const std::string& path) const;
  // Bumped whenever the identity tables are read again (a membership or user changed).
  uint64_t directory_generation() const { return directory_generation_; }
  // The shape the gatekeeper would grant `user` now for this narrowing (nullopt: refused).
  std::optional<ShapeDefinition> resolve_grant(const std::string& user, const ShapeDefinition& narrowing,
                                               const std::optional<std::string>& organization) const;
  // Whether `user` may read rows of `table` in `org` (organization-scoped tables) now.
  bool may_read(const std::string& user, const std::string& table, const std::string& org) const;

 private:
  AuthGate(Policy policy, JwtKeys keys, ShapeServer& server);

  struct Caller {
    std::string user;
    std::shared_ptr<const nlohmann::json> claims;
  };
  // The bearer token's verified claims of `kind` ("user" or "shape"), or the 401/400 answer.
  std::variant<Caller, HttpResponse> authenticate(const HttpRequest& req, const char* kind, Timestamp now) const;

  HttpResponse login(const HttpRequest& req, Timestamp now);
  // POST /api/auth/logout: every token of the caller is refused from now on (user tokens by
  // their generation, shape tokens by the data version), and their open requests released.
  ServerOutput logout(RequestId id, const HttpRequest& req, Timestamp now);
  HttpResponse data_version_answer(const HttpRequest& req, Timestamp now) const;
  HttpResponse gatekeeper(const std::string& table, const HttpRequest& req, Timestamp now) const;
  // /v1/shape: the answer when refused, or nullopt to forward (`user` set).
  std::optional<HttpResponse> check_shape_request(const HttpRequest& req, Timestamp now, std::string& user) const;
  // A declared route: the request to forward, or the answer when refused / not a route.
  std::variant<HttpRequest, HttpResponse> route_request(const HttpRequest& req, Timestamp now, std::string& user) const;
  // POST /api/mutations: the request to forward (batch id keyed per user), or the refusal.
  std::variant<HttpRequest, HttpResponse> check_writes(const HttpRequest& req, Timestamp now) const;

  // The shape a user may have of `table`: the user's narrowing plus the scope as $n params,
  // the columns their role may see. 403/400 answers as errors.
  std::variant<ShapeDefinition, HttpResponse> scoped_shape(const TablePolicy& t, const std::string& user,
                                                         const std::optional<std::string>& organization,
                                                         const std::string& where, std::vector<std::string> params,
                                                         std::vector<std::string> columns, Replica replica) const;

  ServerOutput forward(RequestId id, const HttpRequest& req, Timestamp now, const std::string& user);
  // Identity tables changed? Re-read them and release the requests of users whose data
  // version changed. Then drop tracking of answered requests and add the gate's headers.
  ServerOutput finish(ServerOutput out, Timestamp now);
  // The server's hook: a transaction that changes an identity table releases the affected
  // users' requests before any answer built from it exists.
  ServerOutput before_fanout(const CommittedTransaction& tx, Timestamp now);
  // Re-reads the identity tables; releases the requests of users whose data version moved.
  // `lsn`: the commit LSN of the transaction that changed them, when known.
  ServerOutput reload_identity(Timestamp now, std::optional<uint64_t> lsn = std::nullopt);
  Status load_directory();
  // Per-user counters kept in the server's store (they survive restarts): "auth_epoch:<user>"
  // moves the data version forward, "auth_logout:<user>" the user-token generation.
  static uint64_t counter(const std::map<std::string, uint64_t>& counters, const std::string& user) {
    auto it = counters.find(user);
    return it == counters.end() ? 0 : it->second;
  }
  Status load_counters();
  // Bumps `user`'s counter in `counters` and persists it under `prefix` + user.
  Status bump(std::map<std::string, uint64_t>& counters, const char* prefix, const std::string& user);
  // Releases the tracked requests of `users` (their permissions or tokens changed).
  ServerOutput release_users(const std::set<std::string>& users, Timestamp now);
  static void add_gate_headers(HttpResponse& r);

  Policy policy_;
  JwtKeys keys_;
  ShapeServer& server_;
  Directory directory_;
  std::map<RequestId, std::string> user_of_;  // forwarded shape requests not yet answered
  std::map<std::pair<std::string, std::string>, Timestamp> access_changed_at_;  // (user, org)
  std::map<std::pair<std::string, std::string>, uint64_t> access_changed_lsn_;   // (user, org)
  uint64_t directory_generation_ = 0;
  std::map<std::string, uint64_t> user_epochs_;        // user -> epoch (0: never bumped)
  std::map<std::string, uint64_t> token_generations_;  // user -> logouts so far
  LoginLimiter login_limits_;                          // failed logins per user and per address
};

// The id a user's write batch is stored under: batch ids are idempotency keys per user.
// "<length of user>:<user>/<id>" when that fits the store's limit (kMaxBatchIdBytes), else
// "#" and the SHA-256 of it: every id a client may send (up to kMaxBatchIdBytes) is stored,
// and two (user, id) pairs never share a stored id (the two forms start differently).
std::string stored_batch_id(const std::string& user, const std::string& id);

// '//' collapsed and a trailing '/' dropped ("/v1//shape/" -> "/v1/shape"); nullopt for a
// path with "." or ".." segments or not starting with '/'.
std::optional<std::string> normalize_path(const std::string& path);

}  // namespace shapesim::auth
