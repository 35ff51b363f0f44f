// The authorization policy: who may read and write which rows, as data (docs/auth.md).
//
//   auto policy = parse_policy(text, "policy.json");   // errors name the field or line
//   const TablePolicy* t = policy->table("tasks");
//   t->may(Role::kMember, Action::kInsert);
//
// Identity (users, organizations, memberships with a role) lives in tables of the source of
// truth, named by `identity`; the policy says, per table, how a row is scoped to a user
// (its organization column, or its owner column), which roles may read and write it, which
// columns a role may see, and which route-scoped shape URLs exist.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reference/auth/jwt.h"
#include "reference/common/status.h"

namespace shapesim::auth {

enum class Role { kViewer, kMember, kOwner };
enum class Action { kRead, kInsert, kUpdate, kDelete };
const char* role_name(Role r);
std::optional<Role> parse_role(std::string_view s);
const char* action_name(Action a);

// How a row belongs to users.
struct RowScope {
  enum class Kind { kOrganization, kOwner } kind = Kind::kOrganization;
  std::string column;  // organization id column, or owner (user id) column
};

struct TablePolicy {
  std::string name;
  RowScope scope;
  std::map<Action, std::set<Role>> allowed;
  // A role listed here sees only these columns (they include the primary key); others see all.
  std::map<Role, std::vector<std::string>> columns;

  bool may(Role r, Action a) const {
    auto it = allowed.find(a);
    return it != allowed.end() && it->second.count(r) > 0;
  }
};

// GET <path> serves one shape of `table`, scoped by the route: `{org_id}` in the path names
// the organization (the user must be a member who may read); without it the table must be
// owner-scoped and the shape is the user's own rows.
struct RoutePolicy {
  std::string path;                    // e.g. /v1/shape/org/{org_id}/tasks
  std::vector<std::string> segments;   // split on '/', placeholders kept as "{org_id}"
  std::string table;
  std::string where;                   // optional narrowing, ANDed before the scope
  std::vector<std::string> columns;    // optional
};

struct IdentityTables {
  std::string users = "users";                  // id
  std::string organizations = "organizations";  // id
  std::string memberships = "memberships";      // user_id, organization_id, role
};

struct Policy {
  std::string issuer = "shapesim";
  std::string audience = "shapesim";
  std::vector<JwtKey> keys;
  std::string signing_kid;
  std::string login_secret;  // dev login: POST /api/auth/login {user_id, secret}
  int64_t user_token_seconds = 3600;
  int64_t shape_token_seconds = 3600;
  uint64_t epoch = 1;  // bump to invalidate every data_version (a policy change)
  IdentityTables identity;
  std::map<std::string, TablePolicy> tables;
  std::vector<RoutePolicy> routes;

  const TablePolicy* table(const std::string& name) const {
    auto it = tables.find(name);
    return it == tables.end() ? nullptr : &it->second;
  }
  // The declared route `path` names (null if none), with the organization its {org_id}
  // segment holds.
  const RoutePolicy* match_route(const std::string& path, std::optional<std::string>& organization) const;
};

// Parses and validates a policy file; `source` names it in errors ("policy.json: line 3,
// column 7: ..." for syntax, "policy.json: tables.tasks.read[1]: unknown role 'admin'").
Result<Policy> parse_policy(std::string_view text, const std::string& source);
// Reads and parses a policy file (errors name the file).
Result<Policy> load_policy_file(const std::string& path);

}  // namespace shapesim::auth
