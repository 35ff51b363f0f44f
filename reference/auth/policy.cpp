#include "reference/auth/policy.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"

namespace shapesim::auth {

namespace {

using nlohmann::json;

// Errors carry the path of the field they are about: "tables.tasks.read[1]".
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  Status error(const std::string& path, const std::string& message) const {
    return invalid_argument(source_ + ": " + path + ": " + message);
  }

  static std::string field(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

  Status string(const json& obj, const std::string& path, const char* key, std::string& out, bool required) const {
    auto it = obj.find(key);
    if (it == obj.end()) return required ? error(field(path, key), "required") : Status::Ok();
    if (!it->is_string() || it->get<std::string>().empty()) return error(field(path, key), "must be a non-empty string");
    out = it->get<std::string>();
    return Status::Ok();
  }

  Status positive(const json& obj, const std::string& path, const char* key, int64_t& out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return Status::Ok();
    if (!it->is_number_integer() || it->get<int64_t>() <= 0) return error(field(path, key), "must be a positive integer");
    out = it->get<int64_t>();
    return Status::Ok();
  }

  Status only_keys(const json& obj, const std::string& path, std::initializer_list<const char*> keys) const {
    for (const auto& [k, _] : obj.items()) {
      bool known = false;
      for (const char* allowed : keys) known = known || k == allowed;
      if (!known) return error(path.empty() ? k : path + "." + k, "unknown field");
    }
    return Status::Ok();
  }

  Status roles(const json& obj, const std::string& path, std::set<Role>& out) const {
    if (!obj.is_array()) return error(path, "must be an array of roles (owner, member, viewer)");
    for (size_t i = 0; i < obj.size(); ++i) {
      std::string at = path + "[" + std::to_string(i) + "]";
      if (!obj[i].is_string()) return error(at, "must be a role name");
      auto r = parse_role(obj[i].get<std::string>());
      if (!r) return error(at, "unknown role '" + obj[i].get<std::string>() + "' (owner, member, viewer)");
      out.insert(*r);
    }
    return Status::Ok();
  }

  Status names(const json& obj, const std::string& path, std::vector<std::string>& out) const {
    if (!obj.is_array() || obj.empty()) return error(path, "must be a non-empty array of column names");
    for (size_t i = 0; i < obj.size(); ++i) {
      if (!obj[i].is_string() || obj[i].get<std::string>().empty()) {
        return error(path + "[" + std::to_string(i) + "]", "must be a column name");
      }
      out.push_back(obj[i].get<std::string>());
    }
    return Status::Ok();
  }

 private:
  std::string source_;
};

Status parse_table(const Reader& r, const std::string& path, const json& j, TablePolicy& t) {
  if (!j.is_object()) return r.error(path, "must be an object");
  SHAPESIM_RETURN_IF_ERROR(r.only_keys(j, path, {"scope", "read", "insert", "update", "delete", "columns"}));
  auto scope = j.find("scope");
  if (scope == j.end() || !scope->is_object() || scope->size() != 1) {
    return r.error(path + ".scope", "required: {\"organization\": COLUMN} or {\"owner\": COLUMN}");
  }
  for (auto it = scope->begin(); it != scope->end(); ++it) {
    const std::string& kind = it.key();
    if (kind != "organization" && kind != "owner") return r.error(path + ".scope." + kind, "unknown scope (organization, owner)");
    if (!it->is_string() || it->get<std::string>().empty()) return r.error(path + ".scope." + kind, "must be a column name");
    t.scope = {kind == "organization" ? RowScope::Kind::kOrganization : RowScope::Kind::kOwner, it->get<std::string>()};
  }
  for (Action a : {Action::kRead, Action::kInsert, Action::kUpdate, Action::kDelete}) {
    auto it = j.find(action_name(a));
    if (it == j.end()) continue;
    SHAPESIM_RETURN_IF_ERROR(r.roles(*it, path + "." + action_name(a), t.allowed[a]));
  }
  if (auto cols = j.find("columns"); cols != j.end()) {
    if (!cols->is_object()) return r.error(path + ".columns", "must map a role to its visible columns");
    for (const auto& [role, list] : cols->items()) {
      auto parsed = parse_role(role);
      if (!parsed) return r.error(path + ".columns." + role, "unknown role (owner, member, viewer)");
      SHAPESIM_RETURN_IF_ERROR(r.names(list, path + ".columns." + role, t.columns[*parsed]));
    }
  }
  return Status::Ok();
}

Status parse_route(const Reader& r, const std::string& path, const json& j, const Policy& p, RoutePolicy& route) {
  if (!j.is_object()) return r.error(path, "must be an object");
  SHAPESIM_RETURN_IF_ERROR(r.only_keys(j, path, {"path", "table", "where", "columns"}));
  SHAPESIM_RETURN_IF_ERROR(r.string(j, path, "path", route.path, true));
  SHAPESIM_RETURN_IF_ERROR(r.string(j, path, "table", route.table, true));
  SHAPESIM_RETURN_IF_ERROR(r.string(j, path, "where", route.where, false));
  if (auto cols = j.find("columns"); cols != j.end()) SHAPESIM_RETURN_IF_ERROR(r.names(*cols, path + ".columns", route.columns));
  if (route.path.size() < 2 || route.path[0] != '/' || route.path.back() == '/' || route.path.find("//") != std::string::npos ||
      route.path.find('%') != std::string::npos || route.path.find('?') != std::string::npos) {
    return r.error(path + ".path", "must be an absolute path without '//', '%', '?' or a trailing '/'");
  }
  if (route.path == "/v1/shape" || route.path.rfind("/api/", 0) == 0) return r.error(path + ".path", "must not shadow /v1/shape or /api/");
  const TablePolicy* table = p.table(route.table);
  if (!table) return r.error(path + ".table", "no policy for table '" + route.table + "' under \"tables\"");
  size_t start = 1;
  bool has_org = false;
  while (start <= route.path.size()) {
    size_t end = route.path.find('/', start);
    if (end == std::string::npos) end = route.path.size();
    std::string segment = route.path.substr(start, end - start);
    if (segment.find('{') != std::string::npos || segment.find('}') != std::string::npos) {
      if (segment != "{org_id}") return r.error(path + ".path", "the only placeholder is a whole segment {org_id}");
      if (has_org) return r.error(path + ".path", "{org_id} appears twice");
      has_org = true;
    }
    route.segments.push_back(segment);
    start = end + 1;
  }
  if (has_org && table->scope.kind != RowScope::Kind::kOrganization) {
    return r.error(path + ".path", "{org_id} needs a table scoped by organization");
  }
  if (!has_org && table->scope.kind != RowScope::Kind::kOwner) {
    return r.error(path + ".path", "a route to an organization-scoped table needs {org_id}");
  }
  return Status::Ok();
}

std::string line_and_column(std::string_view text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

const char* role_name(Role r) {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kMember: return "member";
    case Role::kOwner: return "owner";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "viewer") return Role::kViewer;
  if (s == "member") return Role::kMember;
  if (s == "owner") return Role::kOwner;
  return std::nullopt;
}

const char* action_name(Action a) {
  switch (a) {
    case Action::kRead: return "read";
    case Action::kInsert: return "insert";
    case Action::kUpdate: return "update";
    case Action::kDelete: return "delete";
  }
  return "?";
}

Result<Policy> load_policy_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return not_found(path + ": cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_policy(text.str(), path);
}

Result<Policy> parse_policy(std::string_view text, const std::string& source) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return invalid_argument(source + ": nested too deeply");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return invalid_argument(source + ": " + line_and_column(text, e.byte == 0 ? 0 : e.byte - 1) + ": not valid JSON");
  }
  Reader r(source);
  if (!j.is_object()) return r.error("(top level)", "must be an object");
  SHAPESIM_RETURN_IF_ERROR(r.only_keys(j, "", {"issuer", "audience", "keys", "signing_kid", "login_secret", "user_token_seconds",
                                               "shape_token_seconds", "epoch", "identity", "tables", "routes"}));
  Policy p;
  SHAPESIM_RETURN_IF_ERROR(r.string(j, "", "issuer", p.issuer, false));
  SHAPESIM_RETURN_IF_ERROR(r.string(j, "", "audience", p.audience, false));
  SHAPESIM_RETURN_IF_ERROR(r.string(j, "", "login_secret", p.login_secret, false));
  SHAPESIM_RETURN_IF_ERROR(r.positive(j, "", "user_token_seconds", p.user_token_seconds));
  SHAPESIM_RETURN_IF_ERROR(r.positive(j, "", "shape_token_seconds", p.shape_token_seconds));
  int64_t epoch = 1;
  SHAPESIM_RETURN_IF_ERROR(r.positive(j, "", "epoch", epoch));
  p.epoch = static_cast<uint64_t>(epoch);
  auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array() || keys->empty() || keys->size() > 2) {
    return r.error("keys", "required: one or two {\"kid\": ..., \"secret\": ...} (two while rotating)");
  }
  for (size_t i = 0; i < keys->size(); ++i) {
    std::string at = "keys[" + std::to_string(i) + "]";
    const json& k = (*keys)[i];
    if (!k.is_object()) return r.error(at, "must be an object");
    SHAPESIM_RETURN_IF_ERROR(r.only_keys(k, at, {"kid", "secret"}));
    JwtKey key;
    SHAPESIM_RETURN_IF_ERROR(r.string(k, at, "kid", key.kid, true));
    SHAPESIM_RETURN_IF_ERROR(r.string(k, at, "secret", key.secret, true));
    if (key.secret.size() < 32) return r.error(at + ".secret", "must be at least 32 bytes");
    p.keys.push_back(std::move(key));
  }
  p.signing_kid = p.keys[0].kid;
  SHAPESIM_RETURN_IF_ERROR(r.string(j, "", "signing_kid", p.signing_kid, false));
  if (auto checked = JwtKeys::create(p.keys, p.signing_kid); !checked.ok()) return r.error("keys", checked.status().message());
  if (auto id = j.find("identity"); id != j.end()) {
    if (!id->is_object()) return r.error("identity", "must be an object");
    SHAPESIM_RETURN_IF_ERROR(r.only_keys(*id, "identity", {"users", "organizations", "memberships"}));
    SHAPESIM_RETURN_IF_ERROR(r.string(*id, "identity", "users", p.identity.users, false));
    SHAPESIM_RETURN_IF_ERROR(r.string(*id, "identity", "organizations", p.identity.organizations, false));
    SHAPESIM_RETURN_IF_ERROR(r.string(*id, "identity", "memberships", p.identity.memberships, false));
  }
  auto tables = j.find("tables");
  if (tables == j.end() || !tables->is_object()) return r.error("tables", "required: an object of table policies");
  for (const auto& [name, tj] : tables->items()) {
    TablePolicy t;
    t.name = name;
    SHAPESIM_RETURN_IF_ERROR(parse_table(r, "tables." + name, tj, t));
    p.tables.emplace(name, std::move(t));
  }
  if (auto routes = j.find("routes"); routes != j.end()) {
    if (!routes->is_array()) return r.error("routes", "must be an array");
    for (size_t i = 0; i < routes->size(); ++i) {
      RoutePolicy route;
      std::string at = "routes[" + std::to_string(i) + "]";
      SHAPESIM_RETURN_IF_ERROR(parse_route(r, at, (*routes)[i], p, route));
      for (const auto& other : p.routes) {
        if (other.path == route.path) return r.error(at + ".path", "declared twice");
      }
      p.routes.push_back(std::move(route));
    }
  }
  return p;
}

const RoutePolicy* Policy::match_route(const std::string& path, std::optional<std::string>& organization) const {
  std::vector<std::string> segments;
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  for (const auto& r : routes) {
    if (r.segments.size() != segments.size()) continue;
    bool match = true;
    std::optional<std::string> org;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (r.segments[i] == "{org_id}") {
        org = segments[i];
      } else {
        match = r.segments[i] == segments[i];
      }
    }
    if (match) {
      organization = org;
      return &r;
    }
  }
  return nullptr;
}

}  // namespace shapesim::auth
