// AuthGate: shapes. The gatekeeper mints shape tokens, the proxy checks /v1/shape requests
// against them, and declared routes build a user's shape from the path and their membership.
#include <algorithm>
#include <set>

#include "reference/auth/auth_gate.h"
#include "reference/auth/auth_responses.h"
#include "reference/common/assert.h"
#include "reference/common/bounded_json.h"
#include "reference/common/planted_bugs.h"
#include "reference/common/sql_identifier.h"
#include "reference/server/http_responses.h"
#include "reference/server/shape.h"
#include "reference/sql/deparse.h"
#include "reference/sql/order_by.h"
#include "reference/sql/parser.h"
#include "reference/sql/where_clause.h"
#include "reference/wire/shape_request.h"

namespace shapesim::auth {

namespace {

using nlohmann::json;

constexpr const char* kNotAuthorized = "Not authorized for this data shape";

HttpResponse forbidden() { return json_answer(403, {{"error", kNotAuthorized}}); }

int64_t seconds(Timestamp t) { return t.micros / 1'000'000; }

json shape_json(const ShapeDefinition& d) {
  return {{"table", d.table}, {"where", d.where}, {"params", d.params}, {"columns", d.columns},
          {"replica", d.replica == Replica::kFull ? "full" : "default"}};
}

// 400 in the shape API's form: {"message": ..., "errors": {param: [message]}}.
HttpResponse where_refused(const std::string& param, const std::string& message) {
  ValidationErrors errors;
  errors.add(param, message);
  HttpResponse r;
  r.status = 400;
  r.headers["content-type"] = "application/json";
  r.body = errors.to_json();
  return r;
}

// The first column `where` names that is not in `visible` (nullopt: none, or the where does
// not parse, which the scoping answers).
std::optional<std::string> hidden_column_named(const std::string& where, const std::vector<std::string>& visible) {
  auto tree = sql::parse_where(where);
  if (!tree.ok()) return std::nullopt;
  for (const auto& c : sql::columns_named(**tree)) {
    if (std::find(visible.begin(), visible.end(), c) == visible.end()) return c;
  }
  return std::nullopt;
}

// 403 when a subset (GET subset__*, or the JSON body of a POST) reads a column outside the
// shape's: its filter or order would tell the hidden values. nullopt: forward (an invalid
// subset is the server's to answer).
std::optional<HttpResponse> check_subset_columns(const HttpRequest& req, const ShapeDefinition& d, const TableSchema& table) {
  if (d.columns.empty()) return std::nullopt;  // every column is the caller's
  std::optional<SubsetRequest> subset;
  if (req.method == "POST") {
    ValidationErrors errors;
    subset = parse_subset_body(req.body, errors);
  } else if (auto parsed = parse_shape_request(req.query); parsed.request) {
    subset = parsed.request->subset;
  }
  if (!subset) return std::nullopt;
  std::set<int> read;
  if (auto w = sql::WhereClause::compile(subset->where, table, subset->params); w.ok()) read = sql::columns_read(w->expression());
  if (auto o = sql::OrderBy::compile(subset->order_by, table, subset->params); o.ok()) {
    for (const auto& item : o->items()) read.merge(sql::columns_read(item.expr));
  }
  for (int c : read) {
    const std::string& name = table.columns[static_cast<size_t>(c)].name;
    if (std::find(d.columns.begin(), d.columns.end(), name) == d.columns.end()) {
      return json_answer(403, {{"error", kNotAuthorized}, {"column", name},
                               {"reason", "a subset may only filter and sort by the shape's columns, not " + name}});
    }
  }
  return std::nullopt;
}

bool is_definition_param(const std::string& key) {
  return key == "table" || key == "where" || key == "columns" || key == "replica" || key.rfind("params[", 0) == 0;
}

}  // namespace

std::variant<ShapeDefinition, HttpResponse> AuthGate::scoped_shape(const TablePolicy& t, const std::string& user,
                                                                   const std::optional<std::string>& organization,
                                                                   const std::string& where, std::vector<std::string> params,
                                                                   std::vector<std::string> columns, Replica replica) const {
  std::string scope_value;
  std::optional<Role> role;
  if (t.scope.kind == RowScope::Kind::kOrganization) {
    if (organization) {
      scope_value = *organization;
    } else {
      auto held = directory_.memberships(user);
      if (held.empty()) return forbidden();  // a member of nothing may read nothing
      if (held.size() != 1) {
        return auth_error(400, "organization required: the user belongs to " + std::to_string(held.size()) + " organizations");
      }
      scope_value = held.begin()->first;
    }
    role = directory_.role(user, scope_value);
    if (!role || !t.may(*role, Action::kRead)) return forbidden();
  } else {
    scope_value = user;  // owner-scoped: one's own rows
    if (!directory_.has_user(user)) return forbidden();
  }
  if (role) {
    if (auto visible = t.columns.find(*role); visible != t.columns.end()) {
      if (columns.empty()) columns = visible->second;
      for (const auto& c : columns) {
        if (std::find(visible->second.begin(), visible->second.end(), c) == visible->second.end()) return forbidden();
      }
      // Nor may the where test a hidden column: which rows match would tell its values.
      if (auto hidden = hidden_column_named(where, visible->second)) {
        return json_answer(403, {{"error", kNotAuthorized}, {"column", *hidden},
                                 {"reason", "a " + std::string(role_name(*role)) + " may not filter by column " + *hidden}});
      }
    }
  }
  ShapeDefinition d;
  d.table = t.name;
  const size_t bound_params = params.size();
  params.push_back(scope_value);
  // The scope is AND-ed onto the narrowing as trees (never as text): nothing in the
  // narrowing can reach outside its operand.
  auto scoped_where = sql::and_scope(where, bound_params, t.scope.column, params.size());
  if (!scoped_where.ok()) return where_refused("where", scoped_where.status().message());
  d.where = *scoped_where;
  if (planted(PlantedBug::kGatekeeperWhereAsText) && !where.empty()) {
    d.where = where + " AND " + quote_identifier(t.scope.column) + " = $" + std::to_string(params.size());
  }
  d.params = std::move(params);
  d.columns = std::move(columns);
  d.replica = replica;
  const TableSchema* table = server_.source().find_table(d.schema, d.table);
  if (!table) return auth_error(400, "Table \"" + d.schema + "." + d.table + "\" does not exist");
  std::string error_param;
  auto checked = Shape::create(ShapeHandle{"gatekeeper-check"}, d, *table, 1 << 20, error_param);
  if (!checked.ok()) return where_refused(error_param.empty() ? "where" : error_param, checked.status().message());
  return d;
}

HttpResponse AuthGate::gatekeeper(const std::string& table, const HttpRequest& req, Timestamp now) const {
  auto caller = authenticate(req, "user", now);
  if (auto* refused = std::get_if<HttpResponse>(&caller)) return std::move(*refused);
  const std::string& user = std::get<Caller>(caller).user;
  json body = json::object();
  if (!req.body.empty()) {
    auto parsed = parse_bounded_json(req.body);
    if (!parsed.ok() || !parsed->is_object()) return auth_error(400, "expected a JSON object {where, params, columns, replica, organization}");
    body = std::move(*parsed);
  }
  for (const auto& [k, _] : body.items()) {
    if (k != "where" && k != "params" && k != "columns" && k != "replica" && k != "organization") {
      return auth_error(400, "unknown field '" + k + "'");
    }
  }
  std::string where;
  std::vector<std::string> params, columns;
  std::optional<std::string> organization;
  Replica replica = Replica::kDefault;
  if (auto w = body.find("where"); w != body.end()) {
    if (!w->is_string()) return auth_error(400, "where must be a string");
    where = w->get<std::string>();
  }
  if (auto p = body.find("params"); p != body.end()) {
    if (!p->is_array()) return auth_error(400, "params must be an array of strings ($1, $2, ...)");
    for (const auto& v : *p) {
      if (!v.is_string()) return auth_error(400, "params must be an array of strings ($1, $2, ...)");
      params.push_back(v.get<std::string>());
    }
  }
  if (auto c = body.find("columns"); c != body.end()) {
    if (!c->is_array() || c->empty()) return auth_error(400, "columns must be a non-empty array of column names");
    for (const auto& v : *c) {
      if (!v.is_string()) return auth_error(400, "columns must be a non-empty array of column names");
      columns.push_back(v.get<std::string>());
    }
  }
  if (auto r = body.find("replica"); r != body.end()) {
    if (!r->is_string() || (*r != "full" && *r != "default")) return auth_error(400, "replica must be \"full\" or \"default\"");
    replica = *r == "full" ? Replica::kFull : Replica::kDefault;
  }
  if (auto o = body.find("organization"); o != body.end()) {
    if (!o->is_string()) return auth_error(400, "organization must be a string");
    organization = o->get<std::string>();
  }
  if (!server_.source().find_table("public", table)) return auth_error(400, "Table \"public." + table + "\" does not exist");
  const TablePolicy* t = policy_.table(table);
  if (!t) return forbidden();
  auto scoped = scoped_shape(*t, user, organization, where, std::move(params), std::move(columns), replica);
  if (auto* refused = std::get_if<HttpResponse>(&scoped)) return std::move(*refused);
  const ShapeDefinition& d = std::get<ShapeDefinition>(scoped);
  std::string version = data_version(user);
  std::string token = keys_.sign({{"iss", policy_.issuer}, {"aud", policy_.audience}, {"sub", user}, {"kind", "shape"},
                                  {"iat", seconds(now)}, {"exp", seconds(now) + policy_.shape_token_seconds},
                                  {"dv", version}, {"shape", shape_json(d)}});
  // The proxy reads no token longer than this: refuse here what could never be used.
  if (token.size() > kMaxTokenBytes) {
    return auth_error(400, "the shape is too large for a token (" + std::to_string(token.size()) + " bytes, at most " +
                               std::to_string(kMaxTokenBytes) + "): narrow it with fewer or shorter terms and columns");
  }
  return json_answer(200, {{"token", token},
                           {"url", "/v1/shape"},
                           {"headers", {{"Authorization", "Bearer " + token}}},
                           {"shape", shape_json(d)},
                           {"expires_in", policy_.shape_token_seconds},
                           {"data_version", version}});
}

std::optional<HttpResponse> AuthGate::check_shape_request(const HttpRequest& req, Timestamp now, std::string& user) const {
  auto caller = authenticate(req, "shape", now);
  if (auto* refused = std::get_if<HttpResponse>(&caller)) return std::move(*refused);
  const Caller& c = std::get<Caller>(caller);
  auto dv = c.claims->find("dv");
  if (dv == c.claims->end() || !dv->is_string() || *dv != data_version(c.user)) {
    return auth_error(401, "stale data version: get a new shape token");
  }
  auto bound = c.claims->find("shape");
  if (bound == c.claims->end() || !bound->is_object()) return auth_error(401, "invalid token");
  for (const auto& [key, _] : req.query) {
    if (!is_protocol_param(key) && !is_definition_param(key)) return forbidden();
  }
  ParsedShapeRequest parsed = parse_shape_request(req.query);
  // An invalid request is the server's to answer (400) once the caller is known: but only
  // if its definition fields still say what the token says.
  ShapeDefinition d;
  if (parsed.request) {
    d = parsed.request->shape;
  } else {
    auto param = [&](const char* k) { return req.query.count(k) ? req.query.at(k) : std::string(); };
    d.table = param("table");
    d.where = param("where");
  }
  if (d.schema != "public" || shape_json(d) != *bound) return forbidden();
  if (const TableSchema* table = server_.source().find_table(d.schema, d.table)) {
    if (auto refused = check_subset_columns(req, d, *table)) return refused;
  }
  user = c.user;
  return std::nullopt;
}

std::optional<ShapeDefinition> AuthGate::resolve_route(const std::string& user, const std::string& path) const {
  std::optional<std::string> organization;
  const RoutePolicy* route = policy_.match_route(path, organization);
  if (!route) return std::nullopt;
  const TablePolicy* t = policy_.table(route->table);
  auto scoped = scoped_shape(*t, user, organization, route->where, {}, route->columns, Replica::kDefault);
  if (auto* d = std::get_if<ShapeDefinition>(&scoped)) return *d;
  return std::nullopt;
}

std::optional<ShapeDefinition> AuthGate::resolve_grant(const std::string& user, const ShapeDefinition& narrowing,
                                                       const std::optional<std::string>& organization) const {
  const TablePolicy* t = narrowing.schema == "public" ? policy_.table(narrowing.table) : nullptr;
  if (!t) return std::nullopt;
  auto scoped = scoped_shape(*t, user, organization, narrowing.where, narrowing.params, narrowing.columns, narrowing.replica);
  if (auto* d = std::get_if<ShapeDefinition>(&scoped)) return *d;
  return std::nullopt;
}

std::variant<HttpRequest, HttpResponse> AuthGate::route_request(const HttpRequest& req, Timestamp now, std::string& user) const {
  std::optional<std::string> organization;
  const RoutePolicy* route = policy_.match_route(req.path, organization);
  if (!route) return json_answer(404, {{"error", "shape not found"}});
  if (req.method != "GET" && req.method != "HEAD") return auth_error(405, "method not allowed");
  auto caller = authenticate(req, "user", now);
  if (auto* refused = std::get_if<HttpResponse>(&caller)) return std::move(*refused);
  user = std::get<Caller>(caller).user;
  const TablePolicy* t = policy_.table(route->table);
  SHAPESIM_ASSERT(t != nullptr);  // parse_policy checked it
  auto scoped = scoped_shape(*t, user, organization, route->where, {}, route->columns, Replica::kDefault);
  if (auto* refused = std::get_if<HttpResponse>(&scoped)) return std::move(*refused);
  const ShapeDefinition& d = std::get<ShapeDefinition>(scoped);
  HttpRequest forwarded = req;
  forwarded.path = "/v1/shape";
  forwarded.query.clear();
  for (const auto& [k, v] : req.query) {
    if (is_protocol_param(k)) forwarded.query[k] = v;
  }
  d.to_query(forwarded.query);
  if (const TableSchema* table = server_.source().find_table(d.schema, d.table)) {
    if (auto refused = check_subset_columns(forwarded, d, *table)) return std::move(*refused);
  }
  return forwarded;
}

}  // namespace shapesim::auth
