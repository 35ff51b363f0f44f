#include "tools/live_identity.h"

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "reference/common/sql_identifier.h"
#include "reference/pg/pg_admin.h"

namespace shapesim::tools {

using nlohmann::json;

std::optional<std::string> live_login(const net::HttpEndpoint& endpoint, const auth::Policy& policy, const std::string& user) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/auth/login";
  req.headers["content-type"] = "application/json";
  req.body = json({{"user_id", user}, {"secret", policy.login_secret}}).dump();
  auto r = net::http_exchange(endpoint, req, Duration::seconds(10));
  if (!r.ok() || r->status != 200) return std::nullopt;
  auto body = json::parse(r->body, nullptr, false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) return std::nullopt;
  return body["token"].get<std::string>();
}

Status write_membership(const std::string& pg_url, const auth::Policy& policy, const std::string& user,
                        const std::string& org, const std::optional<std::string>& role, bool insert) {
  const std::string table = quote_identifier(policy.identity.memberships);
  std::string sql = !role ? "DELETE FROM " + table + " WHERE user_id = $1 AND organization_id = $2"
                    : insert ? "INSERT INTO " + table + " (user_id, organization_id, role) VALUES ($1, $2, $3) "
                               "ON CONFLICT (user_id, organization_id) DO UPDATE SET role = EXCLUDED.role"
                             : "UPDATE " + table + " SET role = $3 WHERE user_id = $1 AND organization_id = $2";
  std::vector<std::optional<std::string>> params = {user, org};
  if (role) params.push_back(*role);
  auto r = pg::execute_sql(pg_url, sql, params);
  return r.ok() ? Status() : r.status();
}

bool server_sees_membership(const net::HttpEndpoint& endpoint, const auth::Policy& policy, const std::string& user,
                            const std::string& org, const std::optional<std::string>& role, Duration limit) {
  const Timestamp until = net::wall_clock_now() + limit;
  std::optional<std::string> token;  // logged in once; again only if refused
  do {
    if (!token) token = live_login(endpoint, policy, user);
    if (token) {
      HttpRequest req;
      req.method = "GET";
      req.path = "/api/auth/data-version";
      req.headers["authorization"] = "Bearer " + *token;
      auto r = net::http_exchange(endpoint, req, Duration::seconds(10));
      if (r.ok() && r->status == 401) token.reset();
      auto body = r.ok() && r->status == 200 ? json::parse(r->body, nullptr, false) : json();
      if (body.is_object() && body.contains("memberships") && body["memberships"].is_object()) {
        const json& m = body["memberships"];
        const bool present = m.contains(org) && m[org].is_string();
        if (role ? present && m[org].get<std::string>() == *role : !present) return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (net::wall_clock_now() < until);
  return false;
}

}  // namespace shapesim::tools
