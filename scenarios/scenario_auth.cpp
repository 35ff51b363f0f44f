// The scenario's "auth" section: a policy, token lifetimes, who exists and who belongs where.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenarios/scenario_parse.h"

namespace shapesim {

namespace {

TableSchema text_table(const std::string& name, std::vector<std::string> columns, std::vector<std::string> key) {
  TableSchema t{"public", name, {}, std::move(key)};
  for (auto& c : columns) t.columns.push_back({std::move(c), ColumnType::kText, false});
  for (auto& c : t.columns) {
    for (const auto& k : t.primary_key) c.not_null = c.not_null || c.name == k;
  }
  return t;
}

// Appends rows to seed_rows[table].
void seed(Scenario& s, const std::string& table, const nlohmann::json& row) {
  if (!s.seed_rows.contains(table)) s.seed_rows[table] = nlohmann::json::array();
  s.seed_rows[table].push_back(row);
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

Result<std::string> route_table(const auth::Policy& policy, const std::string& route) {
  std::optional<std::string> organization;
  if (const auth::RoutePolicy* r = policy.match_route(route, organization)) return r->table;
  return invalid_argument("route \"" + route + "\" matches no route of the policy");
}

Status parse_auth(const nlohmann::json& j, const std::string& base_dir, Scenario& s) {
  if (!j.is_object()) return invalid_argument("\"auth\" must be an object");
  static const std::set<std::string> kKeys = {"policy", "user_token_seconds", "shape_token_seconds", "exposure_ms",
                                              "users", "organizations", "memberships"};
  for (const auto& [key, _] : j.items()) {
    if (!kKeys.count(key)) return invalid_argument("unknown field auth." + key);
  }
  if (!j.contains("policy")) return invalid_argument("auth.policy (an object, or a path to a policy file) is required");
  std::string text, source = "auth.policy";
  if (j["policy"].is_string()) {
    std::filesystem::path path = j["policy"].get<std::string>();
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    SHAPESIM_ASSIGN_OR_RETURN(text, read_text(path.string()));
    source = path.string();
  } else if (j["policy"].is_object()) {
    text = j["policy"].dump();
  } else {
    return invalid_argument("auth.policy must be an object or a path");
  }
  ScenarioAuth a;
  SHAPESIM_ASSIGN_OR_RETURN(a.policy, auth::parse_policy(text, source));
  for (const char* key : {"user_token_seconds", "shape_token_seconds", "exposure_ms"}) {
    if (j.contains(key) && (!is_non_negative_int(j[key]) || j[key].get<int64_t>() == 0)) {
      return invalid_argument(std::string("auth.") + key + " must be an integer > 0");
    }
  }
  if (j.contains("user_token_seconds")) a.policy.user_token_seconds = j["user_token_seconds"].get<int64_t>();
  if (j.contains("shape_token_seconds")) a.policy.shape_token_seconds = j["shape_token_seconds"].get<int64_t>();
  if (j.contains("exposure_ms")) a.exposure_bound = Duration::millis(j["exposure_ms"].get<int64_t>());
  for (const auto& [table, _] : a.policy.tables) {
    if (!s.find_table("public", table)) return invalid_argument("auth.policy covers table \"" + table + "\", which the scenario does not declare");
  }
  const auto& id = a.policy.identity;
  // The identity tables, unless the scenario declares its own.
  if (!s.find_table("public", id.users)) s.tables.push_back(text_table(id.users, {"id", "name"}, {"id"}));
  if (!s.find_table("public", id.organizations)) s.tables.push_back(text_table(id.organizations, {"id", "name"}, {"id"}));
  if (!s.find_table("public", id.memberships)) {
    s.tables.push_back(text_table(id.memberships, {"user_id", "organization_id", "role"}, {"user_id", "organization_id"}));
  }
  for (const char* key : {"users", "organizations"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_array()) return invalid_argument(std::string("auth.") + key + " must be an array of ids");
    for (const auto& v : j[key]) {
      if (!v.is_string() || v.get<std::string>().empty()) return invalid_argument(std::string("auth.") + key + " must be an array of ids");
      seed(s, key == std::string("users") ? id.users : id.organizations, {{"id", v}, {"name", v}});
    }
  }
  if (j.contains("memberships")) {
    if (!j["memberships"].is_array()) return invalid_argument("auth.memberships must be an array of {user, org, role}");
    for (const auto& m : j["memberships"]) {
      bool ok = m.is_object() && m.size() == 3 && m.contains("user") && m["user"].is_string() && m.contains("org") &&
                m["org"].is_string() && m.contains("role") && m["role"].is_string() &&
                auth::parse_role(m["role"].get<std::string>());
      if (!ok) return invalid_argument("auth.memberships: each is {\"user\", \"org\", \"role\": owner|member|viewer}: " + m.dump());
      seed(s, id.memberships, {{"user_id", m["user"]}, {"organization_id", m["org"]}, {"role", m["role"]}});
    }
  }
  s.auth = std::move(a);
  return Status::Ok();
}

}  // namespace shapesim
