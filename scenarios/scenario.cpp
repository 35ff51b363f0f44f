#include "scenarios/scenario.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "reference/common/table_schema_json.h"
#include "scenarios/scenario_parse.h"

namespace shapesim {

namespace {


// A probability knob in [0, 1), or [0, 1] when `one_allowed`.
Status read_probability(const nlohmann::json& obj, const char* key, const std::string& where, bool one_allowed,
                        double& out) {
  if (!obj.contains(key)) return Status::Ok();
  const auto& v = obj[key];
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1 || (!one_allowed && v.get<double>() == 1)) {
    return invalid_argument(where + "." + key + " must be a number in [0, " + (one_allowed ? "1]" : "1)"));
  }
  out = v.get<double>();
  return Status::Ok();
}

Status read_millis(const nlohmann::json& obj, const char* key, const std::string& where, Duration& out) {
  if (!obj.contains(key)) return Status::Ok();
  const auto& v = obj[key];
  if (!v.is_number() || v.get<double>() < 0) return invalid_argument(where + "." + key + " must be a number >= 0");
  out = Duration{static_cast<int64_t>(v.get<double>() * 1000)};
  return Status::Ok();
}

Result<ShapeDefinition> parse_shape(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("\"shape\" must be an object");
  QueryParams q;
  q["offset"] = "-1";
  for (const char* key : {"table", "where", "columns", "replica"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_string()) return invalid_argument(std::string("shape \"") + key + "\" must be a string");
    q[key] = j[key].get<std::string>();
  }
  if (j.contains("params")) {
    if (!j["params"].is_array()) return invalid_argument("shape \"params\" must be an array of strings");
    for (size_t i = 0; i < j["params"].size(); ++i) {
      if (!j["params"][i].is_string()) return invalid_argument("shape \"params\" must be an array of strings");
      q["params[" + std::to_string(i + 1) + "]"] = j["params"][i].get<std::string>();
    }
  }
  auto parsed = parse_shape_request(q);
  if (!parsed.ok()) return invalid_argument("invalid shape: " + parsed.errors.to_json());
  return parsed.request->shape;
}


// A client's "collections": [{"name", "shape" | "route"}], synced besides its first.
Status parse_collections(const Scenario& s, const nlohmann::json& j, ScenarioClient& client) {
  const std::string where = "client \"" + client.name + "\": ";
  if (!j.is_array()) return invalid_argument(where + "collections must be an array");
  if (!client.shape) return invalid_argument(where + "collections need the client's own shape or route first");
  if (client.device) return invalid_argument(where + "a device's clients sync one collection each");
  for (const auto& c : j) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || c["name"].get<std::string>().empty()) {
      return invalid_argument(where + "each collection needs a non-empty \"name\"");
    }
    ScenarioCollection coll{c["name"].get<std::string>(), {}, std::nullopt};
    for (const auto& [key, _] : c.items()) {
      if (key != "name" && key != "shape" && key != "route") {
        return invalid_argument(where + "collection \"" + coll.name + "\": unknown field \"" + key + "\"");
      }
    }
    if (coll.name == "main" || client.shape_of(coll.name)) {
      return invalid_argument(where + "collection name \"" + coll.name + "\" is used twice (\"main\" is the client's own)");
    }
    if (c.contains("shape") == c.contains("route")) {
      return invalid_argument(where + "collection \"" + coll.name + "\": give a shape or a route");
    }
    if (c.contains("shape")) {
      auto shape = parse_shape(c["shape"]);
      if (!shape.ok()) return invalid_argument(where + "collection \"" + coll.name + "\": " + shape.status().message());
      if (!s.find_table(shape->schema, shape->table)) {
        return invalid_argument(where + "collection \"" + coll.name + "\": shape table \"" + shape->table + "\" is not declared");
      }
      coll.shape = std::move(*shape);
    } else {
      if (!client.user || !c["route"].is_string()) {
        return invalid_argument(where + "collection \"" + coll.name + "\": a route is a string and needs the client's user");
      }
      coll.route = c["route"].get<std::string>();
      auto table = route_table(s.auth->policy, *coll.route);
      if (!table.ok()) return invalid_argument(where + "collection \"" + coll.name + "\": " + table.status().message());
      coll.shape = ShapeDefinition{.table = *table};
    }
    client.collections.push_back(std::move(coll));
  }
  return Status::Ok();
}

Status parse_body(const nlohmann::json& j, const std::string& base_dir, Scenario& s) {
  if (!j.is_object()) return invalid_argument("a scenario must be a JSON object");
  if (!j.contains("name") || !j["name"].is_string()) return invalid_argument("\"name\" (a string) is required");
  s.name = j["name"].get<std::string>();
  if (j.contains("description") && j["description"].is_string()) s.description = j["description"].get<std::string>();
  if (!j.contains("tables") || !j["tables"].is_array() || j["tables"].empty()) {
    return invalid_argument("\"tables\" must be a non-empty array");
  }
  for (const auto& t : j["tables"]) {
    SHAPESIM_ASSIGN_OR_RETURN(TableSchema table, table_schema_from_json(t));
    s.tables.push_back(std::move(table));
  }
  if (j.contains("auth")) SHAPESIM_RETURN_IF_ERROR(parse_auth(j["auth"], base_dir, s));
  if (j.contains("seed_rows")) {
    if (!j["seed_rows"].is_object()) return invalid_argument("\"seed_rows\" must map table names to arrays of rows");
    for (const auto& [table, rows] : j["seed_rows"].items()) {
      if (!s.find_table("public", table) || !rows.is_array()) {
        return invalid_argument("\"seed_rows\": \"" + table + "\" must be a declared table with an array of rows");
      }
    }
    for (const auto& [table, rows] : j["seed_rows"].items()) {
      for (const auto& row : rows) s.seed_rows[table].push_back(row);
    }
  }
  if (j.contains("server")) {
    const auto& srv = j["server"];
    if (!srv.is_object()) return invalid_argument("\"server\" must be an object");
    if (srv.contains("chunk_bytes")) {
      if (!is_non_negative_int(srv["chunk_bytes"])) return invalid_argument("server.chunk_bytes must be an integer >= 0");
      s.server.chunk_bytes = srv["chunk_bytes"].get<size_t>();
    }
    if (srv.contains("long_poll_ms")) {
      if (!is_non_negative_int(srv["long_poll_ms"])) return invalid_argument("server.long_poll_ms must be an integer >= 0");
      s.server.long_poll_timeout = Duration::millis(srv["long_poll_ms"].get<int64_t>());
    }
  }
  if (j.contains("network")) {
    const auto& net = j["network"];
    if (!net.is_object()) return invalid_argument("\"network\" must be an object");
    static const std::set<std::string> kNetworkKeys = {"latency_ms", "jitter_ms", "loss", "duplicate",
                                                       "tail_probability", "tail_ms", "response_loss"};
    for (const auto& [key, _] : net.items()) {
      if (!kNetworkKeys.count(key)) return invalid_argument("unknown field network." + key);
    }
    SHAPESIM_RETURN_IF_ERROR(read_millis(net, "latency_ms", "network", s.network.base_latency));
    SHAPESIM_RETURN_IF_ERROR(read_millis(net, "jitter_ms", "network", s.network.jitter_mean));
    SHAPESIM_RETURN_IF_ERROR(read_millis(net, "tail_ms", "network", s.network.tail_scale));
    SHAPESIM_RETURN_IF_ERROR(read_probability(net, "loss", "network", false, s.network.loss));
    SHAPESIM_RETURN_IF_ERROR(read_probability(net, "duplicate", "network", false, s.network.duplicate));
    SHAPESIM_RETURN_IF_ERROR(read_probability(net, "tail_probability", "network", false, s.network.tail_probability));
    SHAPESIM_RETURN_IF_ERROR(read_probability(net, "response_loss", "network", false, s.network.response_loss));
  }
  if (j.contains("disk")) {
    const auto& disk = j["disk"];
    if (!disk.is_object()) return invalid_argument("\"disk\" must be an object");
    for (const auto& [key, _] : disk.items()) {
      if (key != "keep_unsynced" && key != "client_crash_points") return invalid_argument("unknown field disk." + key);
    }
    SHAPESIM_RETURN_IF_ERROR(read_probability(disk, "keep_unsynced", "disk", true, s.keep_unsynced));
    SHAPESIM_RETURN_IF_ERROR(read_probability(disk, "client_crash_points", "disk", true, s.client_crash_points));
  }
  if (j.contains("liveness_ms")) {
    if (!is_non_negative_int(j["liveness_ms"])) return invalid_argument("\"liveness_ms\" must be an integer >= 0");
    s.liveness_limit = Duration::millis(j["liveness_ms"].get<int64_t>());
  }
  if (j.contains("settle_ms")) {
    if (!is_non_negative_int(j["settle_ms"])) return invalid_argument("\"settle_ms\" must be an integer >= 0");
    s.settle_limit = Duration::millis(j["settle_ms"].get<int64_t>());
    if (!j.contains("liveness_ms")) s.liveness_limit = s.settle_limit;
  }
  if (!j.contains("clients") || !j["clients"].is_array() || j["clients"].empty()) {
    return invalid_argument("\"clients\" must be a non-empty array");
  }
  for (const auto& c : j["clients"]) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) {
      return invalid_argument("each client needs a \"name\"");
    }
    ScenarioClient client{c["name"].get<std::string>(), std::nullopt};
    for (const auto& [key, _] : c.items()) {
      if (key != "name" && key != "shape" && key != "clock" && key != "slow_ms" && key != "user" && key != "route" && key != "org" &&
          key != "device" && key != "save_every_ms" && key != "collections") {
        return invalid_argument("client \"" + client.name + "\": unknown field \"" + key + "\"");
      }
    }
    if (c.contains("slow_ms")) {
      if (!is_non_negative_int(c["slow_ms"])) return invalid_argument("client \"" + client.name + "\": slow_ms must be an integer >= 0");
      client.slow_ms = c["slow_ms"].get<int64_t>();
    }
    if (c.contains("save_every_ms")) {
      if (!is_non_negative_int(c["save_every_ms"])) return invalid_argument("client \"" + client.name + "\": save_every_ms must be an integer >= 0");
      client.save_every_ms = c["save_every_ms"].get<int64_t>();
    }
    if (c.contains("clock")) {
      const auto& clock = c["clock"];
      bool ok = clock.is_object();
      if (ok) {
        for (const auto& [key, v] : clock.items()) {
          ok = ok && (key == "skew_ms" || key == "drift_ppm") && v.is_number_integer();
        }
      }
      if (!ok) return invalid_argument("client \"" + client.name + "\": clock must be {\"skew_ms\": int, \"drift_ppm\": int}");
      client.clock_skew_ms = clock.value("skew_ms", int64_t{0});
      client.clock_drift_ppm = clock.value("drift_ppm", int64_t{0});
      if (client.clock_drift_ppm <= -100000 || client.clock_drift_ppm >= 100000) {
        return invalid_argument("client \"" + client.name + "\": clock.drift_ppm must be within +-100000");
      }
    }
    if (client.name == "server" || client.name == "world" || client.name == "scenario" || client.name == "operator" || s.find_client(client.name)) {
      return invalid_argument("client name \"" + client.name + "\" is reserved or used twice");
    }
    if (c.contains("shape") && !c["shape"].is_null()) {
      auto shape = parse_shape(c["shape"]);
      if (!shape.ok()) return invalid_argument("client \"" + client.name + "\": " + shape.status().message());
      if (!s.find_table(shape->schema, shape->table)) {
        return invalid_argument("client \"" + client.name + "\": shape table \"" + shape->table + "\" is not declared");
      }
      client.shape = std::move(*shape);
    }
    for (const char* key : {"user", "route", "org", "device"}) {
      if (!c.contains(key)) continue;
      if (!c[key].is_string() || c[key].get<std::string>().empty()) {
        return invalid_argument("client \"" + client.name + "\": " + key + " must be a non-empty string");
      }
      if (!s.auth) return invalid_argument("client \"" + client.name + "\": a " + key + " needs an \"auth\" section");
    }
    if (c.contains("user")) client.user = c["user"].get<std::string>();
    if (c.contains("org")) {
      if (!client.user || c.contains("route") || !client.shape) {
        return invalid_argument("client \"" + client.name + "\": an org goes with a user and a shape (the gatekeeper scopes it)");
      }
      client.org = c["org"].get<std::string>();
    }
    if (c.contains("route")) {
      if (!client.user) return invalid_argument("client \"" + client.name + "\": a route needs a user");
      if (client.shape) return invalid_argument("client \"" + client.name + "\": give a shape or a route, not both");
      client.route = c["route"].get<std::string>();
      auto table = route_table(s.auth->policy, *client.route);
      if (!table.ok()) return invalid_argument("client \"" + client.name + "\": " + table.status().message());
      client.shape = ShapeDefinition{.table = *table};
    }
    if (c.contains("device")) {
      if (!client.user || client.route || !client.shape) {
        return invalid_argument("client \"" + client.name + "\": a device goes with a user and a shape (its clients share gatekeeper tokens)");
      }
      client.device = c["device"].get<std::string>();
      for (const auto& other : s.clients) {
        if (other.device == client.device && other.user != client.user) {
          return invalid_argument("client \"" + client.name + "\": the clients of device \"" + *client.device +
                                  "\" must act for one user (\"" + *other.user + "\" already)");
        }
      }
    }
    if (c.contains("collections")) SHAPESIM_RETURN_IF_ERROR(parse_collections(s, c["collections"], client));
    s.clients.push_back(std::move(client));
  }
  if (!j.contains("steps") || !j["steps"].is_array()) return invalid_argument("\"steps\" must be an array");
  for (size_t i = 0; i < j["steps"].size(); ++i) {
    ScenarioStep step;
    Status st = parse_step(s, j["steps"][i], step);
    if (!st.ok()) return invalid_argument("step " + std::to_string(i + 1) + ": " + st.message());
    s.steps.push_back(std::move(step));
  }
  return Status::Ok();
}

}  // namespace

const ShapeDefinition* ScenarioClient::shape_of(const std::string& collection) const {
  if (collection == "main") return shape ? &*shape : nullptr;
  for (const auto& c : collections) {
    if (c.name == collection) return &c.shape;
  }
  return nullptr;
}

const ScenarioClient* Scenario::find_client(const std::string& n) const {
  for (const auto& c : clients) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

const TableSchema* Scenario::find_table(const std::string& schema, const std::string& n) const {
  for (const auto& t : tables) {
    if (t.schema == schema && t.name == n) return &t;
  }
  return nullptr;
}

Result<Scenario> parse_scenario(const nlohmann::json& j, const std::string& source) {
  Scenario s;
  s.path = source;
  s.source = j;
  std::string base_dir = source.empty() ? "" : std::filesystem::path(source).parent_path().string();
  Status st = parse_body(j, base_dir, s);
  if (!st.ok()) return invalid_argument(source + ": " + st.message());
  return s;
}

Result<std::string> row_key_of(const TableSchema& t, const nlohmann::json& pk) {
  std::vector<std::optional<std::string>> values;
  for (const auto& k : t.primary_key) {
    if (!pk.contains(k)) return invalid_argument("missing primary-key column \"" + k + "\"");
    auto v = Value::from_json(t.find_column(k)->type, pk[k]);
    if (!v.ok()) return v.status();
    values.push_back(v->to_pg_text());
  }
  return format_row_key(t.schema, t.name, values);
}

nlohmann::json scenario_schema_file(const Scenario& s) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : s.tables) {
    nlohmann::json table = table_schema_to_json(t);
    table["rows"] = s.seed_rows.contains(t.name) ? s.seed_rows[t.name] : nlohmann::json::array();
    out.push_back(std::move(table));
  }
  return out;
}

Result<Scenario> load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buf.str());
  } catch (const nlohmann::json::parse_error& e) {
    return invalid_argument(path + ": not valid JSON: " + e.what());
  }
  return parse_scenario(j, path);
}

}  // namespace shapesim
