#include "scenarios/shrink.h"

#include <map>
#include <optional>
#include <set>

namespace shapesim {

namespace {

using nlohmann::json;

class Shrinker {
 public:
  Shrinker(uint64_t seed, std::string kind, const ShrinkOptions& options)
      : seed_(seed), kind_(std::move(kind)), options_(options) {}

  // Replays a candidate; true if it fails the same way (and then it becomes the best).
  bool still_fails(const json& candidate) {
    if (runs_ >= options_.max_runs) return false;
    auto parsed = parse_scenario(candidate, "shrink candidate");
    if (!parsed.ok()) return false;
    // Dropping an insert leaves the update of that row refused by the server: a workload the
    // generator never makes, whose failures are not the one being shrunk.
    if (require_valid_workload_ && !valid_workload(candidate)) return false;
    ++runs_;
    RunResult r = run_scenario(*parsed, {.seed = seed_});
    if (r.passed || r.failure_kind != kind_) return false;
    best_ = candidate;
    best_run_ = std::move(r);
    return true;
  }

  void shrink(const json& start) {
    best_ = start;
    require_valid_workload_ = valid_workload(start);
    if (!still_fails(start)) return;  // not reproducible: nothing to shrink
    bool progress = true;
    while (progress && runs_ < options_.max_runs) {
      progress = false;
      progress |= drop_step_runs();
      progress |= drop_unused_clients();
      progress |= drop_mutations();
      progress |= simplify_knobs();
      progress |= shorten_waits();
      if (options_.on_progress) {
        options_.on_progress(std::to_string(best_["steps"].size()) + " steps, " +
                             std::to_string(best_["clients"].size()) + " clients after " + std::to_string(runs_) +
                             " replays");
      }
    }
  }

  // Whether every update and delete of the steps names a row that exists by then (seed rows,
  // earlier inserts, not deleted since), in step order.
  static bool valid_workload(const json& scenario) {
    std::map<std::string, std::vector<std::string>> pk;  // table -> primary key columns
    for (const auto& t : scenario.value("tables", json::array())) {
      for (const auto& c : t.value("primary_key", json::array())) pk[t.value("name", "")].push_back(c.get<std::string>());
    }
    auto key_of = [&](const std::string& table, const json& row) -> std::optional<std::string> {
      auto it = pk.find(table);
      if (it == pk.end() || !row.is_object()) return std::nullopt;
      std::string key = table;
      for (const auto& c : it->second) {
        if (!row.contains(c)) return std::nullopt;
        key += "/" + row[c].dump();
      }
      return key;
    };
    std::set<std::string> rows;
    const json seed_rows = scenario.value("seed_rows", json::object());  // items() of a temporary dangles
    for (const auto& [table, list] : seed_rows.items()) {
      for (const auto& r : list) {
        if (auto k = key_of(table, r)) rows.insert(*k);
      }
    }
    for (const auto& step : scenario.value("steps", json::array())) {
      std::string kind = step.value("step", "");
      if ((kind != "write" && kind != "transact") || step.contains("expect")) continue;
      for (const auto& m : step.value("mutations", json::array())) {
        std::string op = m.value("op", "");
        std::string table = m.value("table", "");
        auto k = key_of(table, op == "insert" ? m.value("value", json::object()) : m.value("key", json::object()));
        if (!k) continue;
        if (op == "insert") {
          rows.insert(*k);
        } else if (!rows.count(*k)) {
          return false;
        } else if (op == "delete") {
          rows.erase(*k);
        }
      }
    }
    return true;
  }

  const json& best() const { return best_; }
  const RunResult& best_run() const { return best_run_; }
  int runs() const { return runs_; }
  bool require_valid_workload_ = false;

 private:
  bool drop_step_runs() {
    bool any = false;
    for (size_t chunk = std::max<size_t>(1, best_["steps"].size() / 2); chunk >= 1; chunk /= 2) {
      for (size_t start = 0; start < best_["steps"].size();) {
        json candidate = best_;
        auto& steps = candidate["steps"];
        size_t end = std::min(steps.size(), start + chunk);
        steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(start), steps.begin() + static_cast<std::ptrdiff_t>(end));
        if (still_fails(candidate)) {
          any = true;  // the same start now names the next run
        } else {
          start += chunk;
        }
      }
      if (chunk == 1) break;
    }
    return any;
  }

  static std::set<std::string> names_in_steps(const json& steps) {
    std::set<std::string> used;
    for (const auto& s : steps) {
      for (const char* key : {"client", "node", "from", "to"}) {
        if (s.contains(key) && s[key].is_string()) used.insert(s[key].get<std::string>());
      }
      if (s.contains("isolate")) {
        for (const auto& n : s["isolate"]) used.insert(n.get<std::string>());
      }
    }
    return used;
  }

  bool drop_unused_clients() {
    bool any = false;
    for (size_t i = 0; i < best_["clients"].size() && best_["clients"].size() > 1;) {
      json candidate = best_;
      std::string name = candidate["clients"][i]["name"].get<std::string>();
      if (names_in_steps(candidate["steps"]).count(name)) {
        ++i;
        continue;
      }
      candidate["clients"].erase(candidate["clients"].begin() + static_cast<std::ptrdiff_t>(i));
      if (still_fails(candidate)) any = true;
      else ++i;
    }
    // Shapes: try a client without a WHERE (simpler to read).
    for (size_t i = 0; i < best_["clients"].size(); ++i) {
      const json& c = best_["clients"][i];
      if (!c.contains("shape") || !c["shape"].contains("where")) continue;
      json candidate = best_;
      candidate["clients"][i]["shape"].erase("where");
      if (still_fails(candidate)) any = true;
    }
    return any;
  }

  bool drop_mutations() {
    bool any = false;
    for (size_t i = 0; i < best_["steps"].size(); ++i) {
      if (best_["steps"][i].value("step", "") != "write") continue;
      for (size_t m = 0; m < best_["steps"][i]["mutations"].size() && best_["steps"][i]["mutations"].size() > 1;) {
        json candidate = best_;
        auto& muts = candidate["steps"][i]["mutations"];
        muts.erase(muts.begin() + static_cast<std::ptrdiff_t>(m));
        if (still_fails(candidate)) any = true;
        else ++m;
      }
    }
    return any;
  }

  bool try_erase(const std::vector<std::string>& path) {
    json candidate = best_;
    json* node = &candidate;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      if (!node->contains(path[i])) return false;
      node = &(*node)[path[i]];
    }
    if (!node->is_object() || !node->contains(path.back())) return false;
    node->erase(path.back());
    return still_fails(candidate);
  }

  bool simplify_knobs() {
    bool any = false;
    for (const char* knob : {"loss", "duplicate", "tail_probability", "tail_ms", "response_loss", "jitter_ms"}) {
      any |= try_erase({"network", knob});
    }
    any |= try_erase({"server", "chunk_bytes"});
    // Smaller chunks let fewer writes span several of them.
    while (best_.contains("server") && best_["server"].contains("chunk_bytes") &&
           best_["server"]["chunk_bytes"].get<int64_t>() > 100) {
      json candidate = best_;
      candidate["server"]["chunk_bytes"] = best_["server"]["chunk_bytes"].get<int64_t>() / 2;
      if (!still_fails(candidate)) break;
      any = true;
    }
    any |= try_erase({"disk"});
    for (size_t i = 0; i < best_["clients"].size(); ++i) {
      for (const char* knob : {"clock", "slow_ms"}) {
        if (!best_["clients"][i].contains(knob)) continue;
        json candidate = best_;
        candidate["clients"][i].erase(knob);
        if (still_fails(candidate)) any = true;
      }
    }
    if (best_.contains("seed_rows")) {
      if (try_erase({"seed_rows"})) {
        any = true;
      } else {
        auto& rows = best_["seed_rows"]["items"];
        for (size_t chunk = std::max<size_t>(1, rows.size() / 2); chunk >= 1; chunk /= 2) {
          for (size_t start = 0; start < best_["seed_rows"]["items"].size();) {
            json candidate = best_;
            auto& r = candidate["seed_rows"]["items"];
            size_t end = std::min(r.size(), start + chunk);
            r.erase(r.begin() + static_cast<std::ptrdiff_t>(start), r.begin() + static_cast<std::ptrdiff_t>(end));
            if (still_fails(candidate)) any = true;
            else start += chunk;
          }
          if (chunk == 1) break;
        }
      }
    }
    return any;
  }

  bool shorten_waits() {
    bool any = false;
    for (size_t i = 0; i < best_["steps"].size(); ++i) {
      const json& s = best_["steps"][i];
      if (!s.contains("ms") || s["ms"].get<int64_t>() < 2) continue;
      json candidate = best_;
      candidate["steps"][i]["ms"] = s["ms"].get<int64_t>() / 2;
      if (still_fails(candidate)) any = true;
    }
    return any;
  }

  uint64_t seed_;
  std::string kind_;
  ShrinkOptions options_;
  json best_;
  RunResult best_run_;
  int runs_ = 0;
};

}  // namespace

ShrinkResult shrink_scenario(const json& scenario, uint64_t seed, const std::string& failure_kind,
                             const ShrinkOptions& options) {
  Shrinker s(seed, failure_kind, options);
  s.shrink(scenario);
  ShrinkResult r;
  r.scenario = s.best();
  std::string name = scenario.value("name", "scenario");
  r.scenario["name"] = name + "-shrunk";
  r.scenario["description"] = "shrunk from " + name + " (seed " + std::to_string(seed) + "): fails with " + failure_kind +
                              "; replay: shapesim replay --seed " + std::to_string(seed) + " FILE";
  r.run = s.best_run();
  r.runs = s.runs();
  r.steps_before = scenario["steps"].size();
  r.steps_after = r.scenario["steps"].size();
  r.clients_before = scenario["clients"].size();
  r.clients_after = r.scenario["clients"].size();
  r.bytes_before = scenario.dump().size();
  r.bytes_after = r.scenario.dump().size();
  return r;
}

}  // namespace shapesim
