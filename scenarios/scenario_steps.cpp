// Scenario steps: their names, fields and checks (docs/scenarios.md lists them).
#include <set>

#include "scenarios/scenario_parse.h"

namespace shapesim {

namespace {

struct StepSpec {
  const char* name;
  StepKind kind;
  std::set<std::string> keys;  // besides "step"
};

const std::vector<StepSpec>& step_specs() {
  static const std::vector<StepSpec> kSpecs = {
      {"write", StepKind::kWrite, {"client", "id", "mutations"}},
      {"wait", StepKind::kWait, {"ms"}},
      {"settle", StepKind::kSettle, {"max_ms"}},
      {"partition", StepKind::kPartition, {"isolate", "from", "to", "two_way"}},
      {"heal", StepKind::kHeal, {}},
      {"expect", StepKind::kExpect,
       {"client", "collection", "rows", "has", "values", "lacks", "refetches", "converged", "writes_acked", "pending", "visible_rows",
        "purges", "query", "token_failure", "token_requests_at_most"}},
      {"crash", StepKind::kCrash, {"node", "during_io"}},
      {"restart", StepKind::kRestart, {"node"}},
      {"clog", StepKind::kClog, {"node", "ms"}},
      {"delete_shape", StepKind::kDeleteShape, {"client"}},
      {"transact", StepKind::kTransact, {"client", "id", "mutations", "expect"}},
      {"offline", StepKind::kOffline, {"client"}},
      {"online", StepKind::kOnline, {"client"}},
      {"crash_client", StepKind::kCrashClient, {"client"}},
      {"restart_client", StepKind::kRestartClient, {"client"}},
      {"login", StepKind::kLogin, {"client", "user"}},
      {"logout", StepKind::kLogout, {"client"}},
      {"switch_org", StepKind::kSwitchOrg, {"client", "route"}},
      {"grant", StepKind::kGrant, {"user", "org", "role"}},
      {"revoke", StepKind::kRevoke, {"user", "org", "with_before", "with"}},
      {"set_role", StepKind::kSetRole, {"user", "org", "role"}},
      {"expire_tokens", StepKind::kExpireTokens, {}},
      {"gatekeeper_down", StepKind::kGatekeeperDown, {}},
      {"gatekeeper_up", StepKind::kGatekeeperUp, {}},
      {"expect_no_rows_from", StepKind::kExpectNoRowsFrom, {"client", "org", "user", "within_ms"}},
      {"live_query", StepKind::kLiveQuery, {"client", "name", "where", "order_by", "limit"}},
  };
  return kSpecs;
}

const StepSpec* find_step(const std::string& name) {
  for (const auto& spec : step_specs()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

std::string step_names() {
  std::string out;
  for (const auto& spec : step_specs()) out += (out.empty() ? "" : ", ") + std::string(spec.name);
  return out;
}

bool is_node(const Scenario& s, const nlohmann::json& j) {
  return j.is_string() && (j.get<std::string>() == "server" || s.find_client(j.get<std::string>()));
}


}  // namespace

const char* step_kind_name(StepKind k) {
  for (const auto& spec : step_specs()) {
    if (spec.kind == k) return spec.name;
  }
  return "?";
}

bool is_non_negative_int(const nlohmann::json& j) { return j.is_number_integer() && j.get<int64_t>() >= 0; }

Status parse_step(const Scenario& s, const nlohmann::json& j, ScenarioStep& step) {
  if (!j.is_object() || !j.contains("step") || !j["step"].is_string()) {
    return invalid_argument("a step must be an object with a \"step\" name");
  }
  const StepSpec* spec = find_step(j["step"].get<std::string>());
  if (!spec) return invalid_argument("unknown step \"" + j["step"].get<std::string>() + "\" (" + step_names() + ")");
  step.kind = spec->kind;
  step.args = j;
  for (const auto& [key, _] : j.items()) {
    if (key != "step" && !spec->keys.count(key)) return invalid_argument("unknown field \"" + key + "\"");
  }
  auto need_auth = [&]() -> Status {
    if (!s.auth) return invalid_argument("step \"" + std::string(spec->name) + "\" needs an \"auth\" section");
    return Status::Ok();
  };
  auto need_string = [&](const char* key) -> Status {
    if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty()) {
      return invalid_argument(std::string("\"") + key + "\" (a non-empty string) is required");
    }
    return Status::Ok();
  };
  auto need_client = [&]() -> Status {
    if (!j.contains("client") || !j["client"].is_string()) return invalid_argument("\"client\" is required");
    if (!s.find_client(j["client"].get<std::string>())) {
      return invalid_argument("unknown client \"" + j["client"].get<std::string>() + "\"");
    }
    return Status::Ok();
  };
  switch (step.kind) {
    case StepKind::kWrite:
      SHAPESIM_RETURN_IF_ERROR(need_client());
      if (!j.contains("mutations") || !j["mutations"].is_array() || j["mutations"].empty()) {
        return invalid_argument("\"mutations\" must be a non-empty array");
      }
      if (j.contains("id") && !j["id"].is_string()) return invalid_argument("\"id\" must be a string");
      break;
    case StepKind::kWait:
      if (!j.contains("ms") || !is_non_negative_int(j["ms"])) return invalid_argument("\"ms\" must be an integer >= 0");
      break;
    case StepKind::kSettle:
      if (j.contains("max_ms") && !is_non_negative_int(j["max_ms"])) {
        return invalid_argument("\"max_ms\" must be an integer >= 0");
      }
      break;
    case StepKind::kPartition:
      if (j.contains("from") || j.contains("to")) {
        if (j.contains("isolate")) return invalid_argument("give either \"isolate\" or \"from\" and \"to\"");
        for (const char* key : {"from", "to"}) {
          if (!j.contains(key) || !is_node(s, j[key])) {
            return invalid_argument(std::string("\"") + key + "\" must name \"server\" or a client");
          }
        }
        if (j["from"] == j["to"]) return invalid_argument("\"from\" and \"to\" must differ");
        if (j.contains("two_way") && !j["two_way"].is_boolean()) return invalid_argument("\"two_way\" must be a boolean");
        break;
      }
      if (!j.contains("isolate") || !j["isolate"].is_array() || j["isolate"].empty()) {
        return invalid_argument("\"isolate\" must be a non-empty array of client names (or give \"from\" and \"to\")");
      }
      for (const auto& c : j["isolate"]) {
        if (!c.is_string() || !s.find_client(c.get<std::string>())) {
          return invalid_argument("\"isolate\" names an unknown client: " + c.dump());
        }
      }
      break;
    case StepKind::kCrash:
    case StepKind::kRestart:
    case StepKind::kClog:
      if (!j.contains("node") || !is_node(s, j["node"])) return invalid_argument("\"node\" must name \"server\" or a client");
      if (step.kind == StepKind::kClog && (!j.contains("ms") || !is_non_negative_int(j["ms"]))) {
        return invalid_argument("\"ms\" must be an integer >= 0");
      }
      if (j.contains("during_io")) {
        if (j["node"] != "server") return invalid_argument("\"during_io\" applies to the server only");
        if (!j["during_io"].is_number_integer() || j["during_io"].get<int64_t>() < 1) {
          return invalid_argument("\"during_io\" must be an integer >= 1 (the disk operation the crash hits)");
        }
      }
      break;
    case StepKind::kDeleteShape:
      SHAPESIM_RETURN_IF_ERROR(need_client());
      if (!s.find_client(j["client"].get<std::string>())->shape) {
        return invalid_argument("client \"" + j["client"].get<std::string>() + "\" has no shape to delete");
      }
      break;
    case StepKind::kHeal:
      break;
    case StepKind::kLiveQuery: {
      SHAPESIM_RETURN_IF_ERROR(need_client());
      SHAPESIM_RETURN_IF_ERROR(need_string("name"));
      const ScenarioClient* c = s.find_client(j["client"].get<std::string>());
      if (!c->shape) return invalid_argument("client \"" + c->name + "\" has no shape to query");
      const TableSchema* t = s.find_table(c->shape->schema, c->shape->table);
      if (j.contains("where")) {
        if (!j["where"].is_object()) return invalid_argument("\"where\" must map columns to values (AND of equalities)");
        for (const auto& [col, v] : j["where"].items()) {
          const ColumnSchema* column = t->find_column(col);
          if (!column) return invalid_argument("\"where\": no column " + col);
          if (!v.is_null() && !Value::from_json(column->type, v).ok()) return invalid_argument("\"where\": bad value for " + col);
        }
      }
      if (j.contains("order_by") && (!j["order_by"].is_string() || !t->find_column(j["order_by"].get<std::string>()))) {
        return invalid_argument("\"order_by\" must name a column");
      }
      if (j.contains("limit") && (!is_non_negative_int(j["limit"]) || j["limit"].get<int64_t>() == 0)) {
        return invalid_argument("\"limit\" must be an integer > 0");
      }
      break;
    }
    case StepKind::kTransact:
      SHAPESIM_RETURN_IF_ERROR(need_client());
      if (!j.contains("mutations") || !j["mutations"].is_array() || j["mutations"].empty()) {
        return invalid_argument("\"mutations\" must be a non-empty array");
      }
      if (j.contains("id") && !j["id"].is_string()) return invalid_argument("\"id\" must be a string");
      if (j.contains("expect") && j["expect"] != "confirmed" && j["expect"] != "rolled_back") {
        return invalid_argument("\"expect\" must be \"confirmed\" or \"rolled_back\"");
      }
      break;
    case StepKind::kOffline:
    case StepKind::kOnline:
    case StepKind::kCrashClient:
    case StepKind::kRestartClient:
      SHAPESIM_RETURN_IF_ERROR(need_client());
      break;
    case StepKind::kLogin:
    case StepKind::kLogout:
      SHAPESIM_RETURN_IF_ERROR(need_auth());
      SHAPESIM_RETURN_IF_ERROR(need_client());
      if (step.kind == StepKind::kLogin) SHAPESIM_RETURN_IF_ERROR(need_string("user"));
      if (s.find_client(j["client"].get<std::string>())->device) {
        return invalid_argument("client \"" + j["client"].get<std::string>() + "\" shares a device: its user does not change");
      }
      break;
    case StepKind::kSwitchOrg: {
      SHAPESIM_RETURN_IF_ERROR(need_auth());
      SHAPESIM_RETURN_IF_ERROR(need_client());
      SHAPESIM_RETURN_IF_ERROR(need_string("route"));
      const ScenarioClient* c = s.find_client(j["client"].get<std::string>());
      if (!c->route) return invalid_argument("client \"" + c->name + "\" reads no route to switch");
      auto table = route_table(s.auth->policy, j["route"].get<std::string>());
      if (!table.ok()) return table.status();
      break;
    }
    case StepKind::kGrant:
    case StepKind::kSetRole:
      SHAPESIM_RETURN_IF_ERROR(need_string("role"));
      [[fallthrough]];
    case StepKind::kRevoke:
      SHAPESIM_RETURN_IF_ERROR(need_auth());
      SHAPESIM_RETURN_IF_ERROR(need_string("user"));
      SHAPESIM_RETURN_IF_ERROR(need_string("org"));
      if (j.contains("role") && !auth::parse_role(j["role"].get<std::string>())) {
        return invalid_argument("\"role\" must be owner, member or viewer");
      }
      for (const char* k : {"with_before", "with"}) {  // revoke: more mutations in the same transaction
        if (!j.contains(k)) continue;
        if (!j[k].is_array() || j[k].empty()) return invalid_argument(std::string("\"") + k + "\" must be a non-empty array of mutations");
        for (const auto& m : j[k]) {
          if (!m.is_object()) return invalid_argument(std::string("\"") + k + "\" must be a non-empty array of mutations");
        }
      }
      break;
    case StepKind::kExpireTokens:
    case StepKind::kGatekeeperDown:
    case StepKind::kGatekeeperUp:
      SHAPESIM_RETURN_IF_ERROR(need_auth());
      break;
    case StepKind::kExpectNoRowsFrom: {
      SHAPESIM_RETURN_IF_ERROR(need_auth());
      SHAPESIM_RETURN_IF_ERROR(need_client());
      if (j.contains("org") == j.contains("user")) return invalid_argument("give one of \"org\" or \"user\"");
      SHAPESIM_RETURN_IF_ERROR(need_string(j.contains("org") ? "org" : "user"));
      if (j.contains("within_ms") && !is_non_negative_int(j["within_ms"])) {
        return invalid_argument("\"within_ms\" must be an integer >= 0");
      }
      if (!s.find_client(j["client"].get<std::string>())->shape) {
        return invalid_argument("client \"" + j["client"].get<std::string>() + "\" has no shape to check");
      }
      break;
    }
    case StepKind::kExpect: {
      SHAPESIM_RETURN_IF_ERROR(need_client());
      const ScenarioClient* c = s.find_client(j["client"].get<std::string>());
      bool needs_shape = j.contains("rows") || j.contains("has") || j.contains("lacks") || j.contains("refetches") ||
                         j.contains("converged");
      if (needs_shape && !c->shape) return invalid_argument("client \"" + c->name + "\" has no shape to check");
      if (j.contains("collection")) {
        if (!j["collection"].is_string() || !c->shape_of(j["collection"].get<std::string>())) {
          return invalid_argument("client \"" + c->name + "\" syncs no collection " + j["collection"].dump());
        }
        if (j.contains("query")) return invalid_argument("live queries are over the client's first collection (\"main\")");
      }
      for (const char* key : {"rows", "refetches", "writes_acked", "pending", "visible_rows", "purges", "token_requests_at_most"}) {
        if (j.contains(key) && !is_non_negative_int(j[key])) {
          return invalid_argument(std::string("\"") + key + "\" must be an integer >= 0");
        }
      }
      for (const char* key : {"has", "lacks", "values"}) {
        if (j.contains(key) && !j[key].is_object()) return invalid_argument(std::string("\"") + key + "\" must be an object");
      }
      if (j.contains("values") && !j.contains("has")) return invalid_argument("\"values\" needs \"has\"");
      for (const char* key : {"converged", "token_failure"}) {
        if (j.contains(key) && !j[key].is_boolean()) return invalid_argument(std::string("\"") + key + "\" must be a boolean");
      }
      if ((j.contains("token_failure") || j.contains("token_requests_at_most")) && (!c->user || c->route)) {
        return invalid_argument("client \"" + c->name + "\" gets no shape token from the gatekeeper");
      }
      if (j.contains("query")) {
        const auto& q = j["query"];
        if (!q.is_object() || !q.contains("name") || !q["name"].is_string()) return invalid_argument("\"query\" needs a \"name\"");
        for (const auto& [k, v] : q.items()) {
          if (k != "name" && k != "rows" && k != "has" && k != "lacks") return invalid_argument("\"query\": unknown field \"" + k + "\"");
          if ((k == "has" || k == "lacks") && !v.is_object()) return invalid_argument("\"query\"." + k + " must be an object");
          if (k == "rows" && !is_non_negative_int(v)) return invalid_argument("\"query\".rows must be an integer >= 0");
        }
      }
      if (j.size() == 2) return invalid_argument("an expect step needs at least one check");
      break;
    }
  }
  return Status::Ok();
}

}  // namespace shapesim
