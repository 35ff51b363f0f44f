// The swarm's auth worlds: users, organizations and roles, route and gatekeeper clients, token
// lifetimes, permission changes, token expiry, offline periods, users switching on a device,
// organization switches, and optimistic transactions the policy may refuse, over the same
// fault knobs as every swarm seed. Writes touch every column, scoping column included (rows
// move between organizations and change owner).
#include "scenarios/swarm_auth.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace shapesim {

namespace {

using nlohmann::json;

const char* kRoles[] = {"owner", "member", "viewer"};

json items_policy() {
  return {{"issuer", "shapesim-swarm"},
          {"audience", "shapesim-swarm"},
          {"keys", json::array({{{"kid", "swarm-1"}, {"secret", "swarm-only-secret-0123456789abcdef01234567"}}})},
          {"login_secret", "dev-login-secret"},
          {"tables",
           {{"items",
             {{"scope", {{"organization", "org"}}},
              {"read", {"owner", "member", "viewer"}},
              {"insert", {"owner", "member"}},
              {"update", {"owner", "member"}},
              {"delete", {"owner"}},
              {"columns", {{"viewer", {"id", "org", "n"}}}}}}}},
          {"routes", json::array({{{"path", "/v1/shape/org/{org_id}/items"}, {"table", "items"}},
                                  {{"path", "/v1/shape/org/{org_id}/open-items"}, {"table", "items"}, {"where", "n > 4"}}})}};
}

std::string route_for(const std::string& org, bool open) {
  return "/v1/shape/org/" + org + (open ? "/open-items" : "/items");
}

}  // namespace

void append_server_crash(Random& rng, const SwarmFaults& faults, json& steps) {
  json crash = {{"step", "crash"}, {"node", "server"}};
  if (faults.io_crashes && (!faults.server_crashes || rng.bernoulli(0.5))) crash["during_io"] = rng.uniform(1, 12);
  steps.push_back(crash);
  steps.push_back({{"step", "wait"}, {"ms", rng.uniform(100, 3000)}});
  steps.push_back({{"step", "restart"}, {"node", "server"}});
}

void generate_auth_world(uint64_t seed, Random& rng, const SwarmOptions& options, const SwarmFaults& faults, json& scenario) {
  auto coin = [&](double p) { return rng.bernoulli(p); };
  auto pick = [&](const auto& v) -> const auto& { return v[rng.uniform(0, v.size() - 1)]; };
  // Half of the auth worlds keep a clean network (latency and jitter only), so the freshness
  // checker's bounds on delivery and revocation apply to them.
  if (coin(0.5)) {
    for (const char* k : {"loss", "tail_probability", "tail_ms", "response_loss"}) scenario["network"].erase(k);
  }
  int n_users = static_cast<int>(rng.uniform(2, 4));
  int n_orgs = static_cast<int>(rng.uniform(1, 3));
  std::vector<std::string> users, orgs;
  for (int i = 1; i <= n_users; ++i) users.push_back("u" + std::to_string(i));
  for (int i = 1; i <= n_orgs; ++i) orgs.push_back("o" + std::to_string(i));
  std::map<std::string, std::vector<std::string>> orgs_of;  // user -> orgs at the start
  json memberships = json::array();
  for (const auto& u : users) {
    for (const auto& o : orgs) {
      if (!coin(0.6)) continue;
      memberships.push_back({{"user", u}, {"org", o}, {"role", kRoles[rng.uniform(0, 2)]}});
      orgs_of[u].push_back(o);
    }
  }
  json auth = {{"policy", items_policy()}, {"users", users}, {"organizations", orgs}, {"memberships", memberships}};
  if (coin(0.5)) auth["user_token_seconds"] = rng.uniform(20, 600);
  if (coin(0.5)) auth["shape_token_seconds"] = rng.uniform(20, 600);
  // How late a row may still land after a revocation: an answer already on the wire, through
  // the drawn latencies, long tails and clogs.
  const json& net = scenario["network"];
  int64_t exposure = 2000 + 20 * (net.value("latency_ms", int64_t{0}) + 10 * net.value("jitter_ms", int64_t{0}));
  if (net.contains("tail_ms")) exposure += 60000;
  if (faults.clogs) exposure += 5000;
  auth["exposure_ms"] = exposure;
  scenario["auth"] = auth;
  scenario["tables"] = json::array({{{"name", "items"},
                                     {"columns", json::array({{{"name", "id"}, {"type", "int8"}},
                                                              {{"name", "org"}, {"type", "text"}},
                                                              {{"name", "owner"}, {"type", "text"}},
                                                              {{"name", "n"}, {"type", "int4"}},
                                                              {{"name", "note"}, {"type", "text"}}})},
                                     {"primary_key", json::array({"id"})}}});
  // Clients: a user each, reading a route (usually of one of their organizations) or a plain
  // shape through the gatekeeper.
  int n_clients = static_cast<int>(rng.uniform(2, static_cast<uint64_t>(std::max(2, options.max_clients))));
  std::vector<std::string> names;
  std::vector<bool> routed;
  json clients = json::array();
  for (int i = 0; i < n_clients; ++i) {
    std::string name = "c" + std::to_string(i + 1);
    const std::string& user = pick(users);
    json c = {{"name", name}, {"user", user}};
    if (coin(0.7)) {
      const auto& mine = orgs_of[user];
      std::string org = !mine.empty() && coin(0.85) ? pick(mine) : pick(orgs);
      c["route"] = route_for(org, coin(0.25));
      routed.push_back(true);
    } else {
      json shape = {{"table", "items"}};
      if (coin(0.3)) shape["where"] = "n > " + std::to_string(rng.uniform(0, 6));
      // Sometimes a hostile narrowing: a top-level OR that would widen the shape past its
      // scope if the gatekeeper pasted text (drawn from its own stream: the other draws stay).
      if (Random hostile = rng.stream(950 + static_cast<uint64_t>(i)); hostile.bernoulli(0.3)) {
        const std::string k = std::to_string(hostile.uniform(0, 6));
        const char* forms[] = {"n > K OR true", "org <> '' OR n > K", "n < K OR n >= K", "n = K OR NOT (n = K)"};
        std::string w = forms[hostile.uniform(0, 3)];
        w.replace(w.find('K'), 1, k);
        if (auto second = w.find('K'); second != std::string::npos) w.replace(second, 1, k);
        shape["where"] = w;
      }
      c["shape"] = shape;
      const auto& mine = orgs_of[user];
      c["org"] = !mine.empty() && coin(0.85) ? pick(mine) : pick(orgs);
      routed.push_back(false);
    }
    if (coin(0.15)) c["slow_ms"] = static_cast<int64_t>(rng.uniform(1, 100));
    // How often its file takes synced updates: drawn from its own stream (the other draws stay as they were).
    if (Random saves = rng.stream(900 + static_cast<uint64_t>(i)); saves.bernoulli(0.6)) {
      c["save_every_ms"] = static_cast<int64_t>(saves.uniform(50, 2000));
    }
    if (coin(0.2)) {
      c["clock"] = {{"skew_ms", static_cast<int64_t>(rng.uniform(0, 60000)) - 30000},
                    {"drift_ppm", static_cast<int64_t>(rng.uniform(0, 1000)) - 500}};
    }
    names.push_back(name);
    clients.push_back(c);
  }
  scenario["clients"] = clients;
  // Seed rows in random organizations.
  std::vector<int64_t> keys;
  json seed_rows = json::array();
  int n_seed = static_cast<int>(rng.uniform(0, 20));
  for (int i = 0; i < n_seed; ++i) {
    seed_rows.push_back({{"id", i}, {"org", pick(orgs)}, {"owner", pick(users)}, {"n", rng.uniform(0, 9)}, {"note", "seed"}});
    keys.push_back(i);
  }
  if (n_seed > 0) scenario["seed_rows"] = {{"items", seed_rows}};
  int64_t next_key = 1000;

  json steps = json::array();
  std::set<std::string> offline;
  int n_actions = static_cast<int>(rng.uniform(8, static_cast<uint64_t>(std::max(8, options.max_actions))));
  int batch = 0;
  for (int a = 0; a < n_actions; ++a) {
    uint64_t roll = rng.uniform(0, 99);
    int ci = static_cast<int>(rng.uniform(0, n_clients - 1));
    const std::string& who = names[ci];
    if (roll < 50) {
      // A transaction: inserts (mostly in an organization of the client's user), updates of
      // any column (moving rows between organizations, changing owners) and deletes. The
      // policy may refuse it; dependent ones then fail too.
      json mutations = json::array();
      std::set<int64_t> touched;
      int n = static_cast<int>(rng.uniform(1, 2));
      for (int m = 0; m < n; ++m) {
        uint64_t op = rng.uniform(0, 9);
        if (op < 5 || keys.empty()) {
          int64_t key = next_key++;
          mutations.push_back({{"op", "insert"}, {"table", "items"},
                               {"value", {{"id", key}, {"org", pick(orgs)}, {"owner", pick(users)}, {"n", rng.uniform(0, 9)},
                                          {"note", "w" + std::to_string(batch)}}}});
          keys.push_back(key);
          touched.insert(key);
          continue;
        }
        int64_t key = pick(keys);
        if (touched.count(key)) continue;  // one change per key per transaction
        touched.insert(key);
        if (op < 9) {
          json value = {{"n", rng.uniform(0, 9)}};
          if (coin(0.3)) value["org"] = pick(orgs);
          if (coin(0.3)) value["owner"] = pick(users);
          if (coin(0.3)) value["note"] = "u" + std::to_string(batch);
          mutations.push_back({{"op", "update"}, {"table", "items"}, {"key", {{"id", key}}}, {"value", value}});
        } else {
          mutations.push_back({{"op", "delete"}, {"table", "items"}, {"key", {{"id", key}}}});
        }
      }
      steps.push_back({{"step", "transact"}, {"client", who}, {"id", "s" + std::to_string(seed) + "-t" + std::to_string(batch++)},
                       {"mutations", mutations}});
    } else if (roll < 60) {
      const std::string& u = pick(users);
      const std::string& o = pick(orgs);
      uint64_t kind = rng.uniform(0, 2);
      if (kind == 0) {
        json revoke = {{"step", "revoke"}, {"user", u}, {"org", o}};
        // Sometimes the revoking transaction writes a row of that organization too (drawn from
        // its own stream: the other draws stay as they were).
        if (Random with = rng.stream(970 + static_cast<uint64_t>(a)); with.bernoulli(0.4)) {
          json row = {{"id", 5000 + a}, {"org", o}, {"owner", users[with.uniform(0, users.size() - 1)]}, {"n", 9},
                      {"note", "with-revoke"}};
          revoke[with.bernoulli(0.5) ? "with" : "with_before"] = json::array({{{"op", "insert"}, {"table", "items"}, {"value", row}}});
        }
        steps.push_back(revoke);
      } else {
        // grant of an existing membership is refused by the store (a duplicate key): set_role then
        steps.push_back({{"step", kind == 1 ? "grant" : "set_role"}, {"user", u}, {"org", o}, {"role", kRoles[rng.uniform(0, 2)]}});
      }
    } else if (roll < 67) {
      if (offline.count(who)) {
        steps.push_back({{"step", "online"}, {"client", who}});
        offline.erase(who);
      } else {
        steps.push_back({{"step", "offline"}, {"client", who}});
        offline.insert(who);
      }
    } else if (roll < 70) {
      steps.push_back({{"step", "expire_tokens"}});
    } else if (roll < 73) {
      steps.push_back({{"step", "login"}, {"client", who}, {"user", pick(users)}});
    } else if (roll < 75 && routed[ci]) {
      steps.push_back({{"step", "switch_org"}, {"client", who}, {"route", route_for(pick(orgs), coin(0.25))}});
    } else if (roll < 80 && faults.partitions) {
      if (coin(0.5)) steps.push_back({{"step", "partition"}, {"isolate", json::array({who})}});
      else steps.push_back({{"step", "heal"}});
    } else if (roll < 84 && faults.clogs) {
      steps.push_back({{"step", "clog"}, {"node", coin(0.3) ? "server" : who}, {"ms", rng.uniform(100, 5000)}});
    } else if (roll < 88 && (faults.server_crashes || faults.io_crashes)) {
      append_server_crash(rng, faults, steps);
    } else if (roll < 92 && faults.client_crashes) {
      steps.push_back({{"step", "crash_client"}, {"client", who}});
      steps.push_back({{"step", "wait"}, {"ms", rng.uniform(100, 5000)}});
      steps.push_back({{"step", "restart_client"}, {"client", who}});
    }
    auto think = static_cast<int64_t>(rng.exponential(static_cast<double>(options.think_ms)));
    if (think > 0) steps.push_back({{"step", "wait"}, {"ms", think}});
  }
  scenario["steps"] = steps;
}

}  // namespace shapesim
