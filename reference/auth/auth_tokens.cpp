// AuthGate: bearer tokens, dev login and the data-version endpoint.
#include <openssl/crypto.h>

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
  return Caller{sub->get<std::string>(), std::move(v.payload)};
}

std::string AuthGate::user_token(const std::string& user, Timestamp now) const {
  return keys_.sign({{"iss", policy_.issuer}, {"aud", policy_.audience}, {"sub", user}, {"kind", "user"},
                     {"iat", seconds(now)}, {"exp", seconds(now) + policy_.user_token_seconds}});
}

Status AuthGate::rotate_keys(std::vector<JwtKey> keys, const std::string& signing_kid) {
  SHAPESIM_ASSIGN_OR_RETURN(JwtKeys fresh, JwtKeys::create(keys, signing_kid));
  keys_ = std::move(fresh);
  policy_.keys = std::move(keys);
  policy_.signing_kid = signing_kid;
  return Status::Ok();
}

HttpResponse AuthGate::login(const HttpRequest& req, Timestamp now) const {
  if (policy_.login_secret.empty()) return auth_error(403, "dev login is disabled (no login_secret in the policy)");
  auto body = parse_bounded_json(req.body);
  if (!body.ok() || !body->is_object()) return auth_error(400, "expected a JSON object {\"user_id\": ..., \"secret\": ...}");
  auto user = body->find("user_id");
  auto secret = body->find("secret");
  if (user == body->end() || !(user->is_string() || user->is_number_integer()) || secret == body->end() || !secret->is_string()) {
    return auth_error(400, "user_id (string) and secret (string) are required");
  }
  std::string user_id = user->is_string() ? user->get<std::string>() : std::to_string(user->get<int64_t>());
  const std::string& given = secret->get_ref<const std::string&>();
  bool secret_ok = given.size() == policy_.login_secret.size() &&
                   CRYPTO_memcmp(given.data(), policy_.login_secret.data(), given.size()) == 0;
  if (!secret_ok || !directory_.has_user(user_id)) return auth_error(401, "unknown user or wrong secret");
  return json_answer(200, {{"token", user_token(user_id, now)},
                           {"expires_in", policy_.user_token_seconds},
                           {"data_version", data_version(user_id)}});
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
