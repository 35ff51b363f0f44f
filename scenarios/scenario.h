// Scenario: a simulated run described as data (docs/scenarios.md): tables and seed rows,
// server, network and disk knobs, an optional auth policy with users, organizations and
// memberships, clients with their shapes (or a user and a route; clocks, slowness), then a
// list of steps (scenario_steps.cpp): writes and local transactions, time, faults, permission
// changes, logins, offline periods, expectations.
//
//   auto s = load_scenario_file("scenarios/suite/two_clients.json");   // Result<Scenario>
//   if (!s.ok()) print s.status().message();   // names the file, the step and the problem
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/auth/policy.h"
#include "reference/common/table_schema.h"
#include "reference/server/shape_server.h"
#include "reference/wire/shape_request.h"
#include "sim/network.h"

namespace shapesim {

// A collection a client syncs besides its first ("main"): its own shape, or under auth a
// declared route (then `shape` is the route's table).
struct ScenarioCollection {
  std::string name;
  ShapeDefinition shape;
  std::optional<std::string> route;
};

struct ScenarioClient {
  std::string name;
  std::optional<ShapeDefinition> shape;  // none: a writer without a shape
  // Under auth: the user it acts for, and the declared route it reads (then `shape` is the
  // route's table, until the server says which shape it serves).
  std::optional<std::string> user;
  std::optional<std::string> route;
  std::optional<std::string> org;  // a gatekeeper client's organization
  // Gatekeeper clients on one device (tabs) share one token cache; they act for one user and
  // go offline together.
  std::optional<std::string> device;
  int64_t clock_skew_ms = 0;
  int64_t clock_drift_ppm = 0;
  int64_t slow_ms = 0;
  // How often its synced updates reach its local file (0: every update at once).
  int64_t save_every_ms = 0;
  // Collections besides "main" (which `shape`/`route` describe); a transaction may span them.
  std::vector<ScenarioCollection> collections;
  // The shape of `collection` ("main" or one of `collections`); null if it has none.
  const ShapeDefinition* shape_of(const std::string& collection) const;
};

enum class StepKind {
  kWrite, kWait, kSettle, kPartition, kHeal, kExpect, kCrash, kRestart, kClog, kDeleteShape,
  // local transactions, offline, client crashes
  kTransact, kOffline, kOnline, kCrashClient, kRestartClient, kGatekeeperDown, kGatekeeperUp,
  // identity and permissions (under auth)
  kLogin, kLogout, kSwitchOrg, kGrant, kRevoke, kSetRole, kExpireTokens, kExpectNoRowsFrom,
  // the application's live queries
  kLiveQuery,
};
const char* step_kind_name(StepKind k);

struct ScenarioStep {
  StepKind kind = StepKind::kWait;
  nlohmann::json args;  // the step object, validated by the parser
};

// The auth section: a policy (docs/auth.md) and who exists; the identity tables are created
// when the scenario does not declare them.
struct ScenarioAuth {
  auth::Policy policy;
  Duration exposure_bound = Duration::millis(500);  // the authorized-rows checker's window
};

struct Scenario {
  std::string name;
  std::string description;
  std::string path;  // where it was loaded from ("" if parsed from memory)
  std::vector<TableSchema> tables;
  nlohmann::json seed_rows = nlohmann::json::object();  // table -> [row objects]
  nlohmann::json source;  // the JSON it was parsed from (the shrinker edits and re-parses it)
  ServerConfig server;
  sim::NetworkConfig network;
  double keep_unsynced = 0.5;  // disk: chance an unsynced write survives a crash
  double client_crash_points = 0.0;  // disk: chance a client crashes at each outbox crash point
  Duration settle_limit = Duration::seconds(120);  // for settle steps
  Duration liveness_limit = Duration::seconds(120);  // heal phase: every client must converge within it
  std::optional<ScenarioAuth> auth;
  std::vector<ScenarioClient> clients;
  std::vector<ScenarioStep> steps;

  const ScenarioClient* find_client(const std::string& name) const;
  const TableSchema* find_table(const std::string& schema, const std::string& name) const;
};

Result<Scenario> parse_scenario(const nlohmann::json& j, const std::string& source);
// The shape message key of the row whose primary key is given as a JSON object ({"id": 2}).
Result<std::string> row_key_of(const TableSchema& t, const nlohmann::json& pk);
// The scenario's tables with their seed rows, as a `shapesim serve --schema` file
// (reference/server/schema_file.h), identity tables included.
nlohmann::json scenario_schema_file(const Scenario& s);
Result<Scenario> load_scenario_file(const std::string& path);

}  // namespace shapesim
