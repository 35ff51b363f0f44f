// AuthGate: bearer tokens, dev login and the data-version endpoint.
#include <openssl/crypto.h>

#include <algorithm>

#include "reference/auth/auth_gate.h"
#include "reference/auth/auth_responses.h"
#include "reference/common/bounded_json.h"
#include "reference/server/http_responses.h"

namespace shapesim::auth {

namespace {

using nlohmann::json;

int64_t seconds(Timestamp t) { return t.micros / 1'000'000; }

}  // namespace

std::variant<AuthGate::Caller, HttpResponse> AuthGate::authenticate(const HttpRequest& req, const char* kind,
                                                                    Timestamp now) const {
  auto header = req.header("authorization");
  if (!header) return auth_error(401, "missing authorization header");
  if (header->size() > kMaxTokenBytes + 16) return auth_error(400, "authorization header too large");
  std::string_view value(*header);
  if (value.size() < 7 || (value.substr(0, 7) != "Bearer " && value.substr(0, 7) != "bearer ")) {
    return auth_error(401, "invalid token");
  }
  Verified v = keys_.verify(value.substr(7), now, {policy_.issuer, policy_.audience});
  if (!v.ok()) return auth_error(401, "invalid token");
  const auto& claims = v.claims();
  auto sub = claims.find("sub");
  auto k = claims.find("kind");
  if (sub == claims.end() || !sub->is_string() || sub->get<std::string>().empty() || k == claims.end() || *k != kind) {
    return auth_error(401, "invalid token");
  }
  std::string user = sub->get<std::string>();
  if (std::string_view(kind) == "user") {
    // A logout refuses every user token of an earlier generation.
    auto gen = claims.find("gen");
    uint64_t given = gen == claims.end() ? 0 : gen->is_number_unsigned() ? gen->get<uint64_t>() : UINT64_MAX;
    if (given != counter(token_generations_, user)) return auth_error(401, "token revoked: log in again");
  }
  return Caller{std::move(user), std::move(v.payload)};
}

std::string AuthGate::user_token(const std::string& user, Timestamp now) const {
  return keys_.sign({{"iss", policy_.issuer}, {"aud", policy_.audience}, {"sub", user}, {"kind", "user"},
                     {"iat", seconds(now)}, {"exp", seconds(now) + policy_.user_token_seconds},
                     {"gen", counter(token_generations_, user)}});
}

Status AuthGate::rotate_keys(std::vector<JwtKey> keys, const std::string& signing_kid) {
  SHAPESIM_ASSIGN_OR_RETURN(JwtKeys fresh, JwtKeys::create(keys, signing_kid));
  keys_ = std::move(fresh);
  policy_.keys = std::move(keys);
  policy_.signing_kid = signing_kid;
  return Status::Ok();
}

HttpResponse AuthGate::login(const HttpRequest& req, Timestamp now) {
  if (policy_.login_secret.empty()) return auth_error(403, "dev login is disabled (no login_secret in the policy)");
  // Strict JSON: a member given twice ({"user_id":"bob","user_id":"alice"}) is refused, not
  // read as the last one.
  auto body = parse_strict_json(req.body);
  if (!body || !body->is_object()) {
    return auth_error(400, "expected a JSON object {\"user_id\": ..., \"secret\": ...}, each member once");
  }
  auto user = body->find("user_id");
  auto secret = body->find("secret");
  if (user == body->end() || !(user->is_string() || user->is_number_integer()) || secret == body->end() || !secret->is_string()) {
    return auth_error(400, "user_id (string) and secret (string) are required");
  }
  std::string user_id = user->is_string() ? user->get<std::string>() : std::to_string(user->get<int64_t>());
  // Failed logins are limited per user and per client address.
  const std::string user_key = "user:" + user_id, peer_key = "peer:" + req.peer;
  std::optional<int64_t> wait = login_limits_.blocked(user_key, now);
  if (!req.peer.empty()) {
    if (auto peer_wait = login_limits_.blocked(peer_key, now)) wait = std::max(wait.value_or(0), *peer_wait);
  }
  if (wait) {
    HttpResponse r = auth_error(429, "too many failed logins: try again in " + std::to_string(*wait) + " s");
    r.headers["retry-after"] = std::to_string(*wait);
    return r;
  }
  const std::string& given = secret->get_ref<const std::string&>();
  bool secret_ok = given.size() == policy_.login_secret.size() &&
                   CRYPTO_memcmp(given.data(), policy_.login_secret.data(), given.size()) == 0;
  if (!secret_ok || !directory_.has_user(user_id)) {
    login_limits_.failed(user_key, now);
    if (!req.peer.empty()) login_limits_.failed(peer_key, now);
    return auth_error(401, "unknown user or wrong secret");
  }
  return json_answer(200, {{"token", user_token(user_id, now)},
                           {"expires_in", policy_.user_token_seconds},
                           {"data_version", data_version(user_id)}});
}

ServerOutput AuthGate::logout(RequestId id, const HttpRequest& req, Timestamp now) {
  ServerOutput out;
  auto caller = authenticate(req, "user", now);
  if (auto* refused = std::get_if<HttpResponse>(&caller)) {
    out.responses.emplace_back(id, std::move(*refused));
    return out;
  }
  const std::string user = std::get<Caller>(caller).user;
  Status kept = bump(token_generations_, "auth_logout:", user);
  if (kept.ok()) kept = bump(user_epochs_, "auth_epoch:", user);  // shape tokens go stale too
  if (!kept.ok()) {
    out.responses.emplace_back(id, auth_error(500, "logout not recorded: " + kept.message()));
    return out;
  }
  out.responses.emplace_back(id, json_answer(200, {{"logged_out", user}}));
  out.append(release_users({user}, now));
  return out;
}

HttpResponse AuthGate::data_version_answer(const HttpRequest& req, Timestamp now) const {
  auto caller = authenticate(req, "user", now);
  if (auto* refused = std::get_if<HttpResponse>(&caller)) return std::move(*refused);
  const std::string& user = std::get<Caller>(caller).user;
  json memberships = json::object();
  for (const auto& [org, role] : directory_.memberships(user)) memberships[org] = role_name(role);
  return json_answer(200, {{"user", user}, {"data_version", data_version(user)}, {"memberships", memberships}});
}

}  // namespace shapesim::auth
