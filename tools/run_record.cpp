#include "tools/run_record.h"

#include <fstream>

#include "reference/common/bounded_json.h"
#include "reference/common/coverage.h"

namespace shapesim::tools {

using nlohmann::json;

RunRecord make_record(const std::string& scenario, uint64_t index, bool swarm, const std::string& path, uint64_t seed,
                      const RunResult& result) {
  RunRecord r;
  r.scenario = scenario;
  r.index = index;
  r.swarm = swarm;
  r.path = path;
  r.seed = seed;
  r.outcome = result.outcome;
  r.passed = result.passed;
  r.failure_kind = result.failure_kind;
  r.failures = result.failures;
  r.events = result.events;
  r.sim_us = result.sim_end.micros;
  r.trace_hash = result.trace_hash;
  for (size_t p = 0; p < kProbeCount; ++p) {
    if (result.probes[p] > 0) r.probes[probe_name(static_cast<Probe>(p))] = result.probes[p];
  }
  for (const auto& [kind, ds] : result.delays) {
    auto& out = r.delays_us[kind];
    out.reserve(ds.size());
    for (Duration d : ds) out.push_back(d.micros);
  }
  return r;
}

json record_to_json(const RunRecord& r) {
  json delays = json::object();
  for (const auto& [kind, ds] : r.delays_us) delays[kind] = ds;
  return json{{"scenario", r.scenario},
              {"index", r.index},
              {"swarm", r.swarm},
              {"path", r.path},
              {"seed", r.seed},
              {"outcome", run_outcome_name(r.outcome)},
              {"passed", r.passed},
              {"nondeterministic", r.nondeterministic},
              {"failure_kind", r.failure_kind},
              {"failures", r.failures},
              {"notes", r.notes},
              {"events", r.events},
              {"sim_us", r.sim_us},
              {"wall_us", r.wall_us},
              {"trace_hash", r.trace_hash},
              {"probes", r.probes},
              {"delays_us", delays}};
}

Result<RunOutcome> parse_run_outcome(const std::string& name) {
  for (RunOutcome o : {RunOutcome::kPassed, RunOutcome::kSafetyViolation, RunOutcome::kLivenessFailure,
                       RunOutcome::kExpectationFailed, RunOutcome::kSetupError}) {
    if (name == run_outcome_name(o)) return o;
  }
  return invalid_argument("unknown outcome \"" + name + "\"");
}

namespace {

Status need(const json& j, const char* key, json::value_t type) {
  if (!j.contains(key)) return invalid_argument(std::string("missing \"") + key + "\"");
  const json& v = j[key];
  bool ok = v.type() == type || (type == json::value_t::number_unsigned && v.is_number_unsigned()) ||
            (type == json::value_t::number_integer && v.is_number_integer());
  if (!ok) return invalid_argument(std::string("\"") + key + "\" has the wrong type");
  return Status::Ok();
}

Status strings(const json& j, const char* key, std::vector<std::string>& out) {
  SHAPESIM_RETURN_IF_ERROR(need(j, key, json::value_t::array));
  for (const auto& s : j[key]) {
    if (!s.is_string()) return invalid_argument(std::string("\"") + key + "\" must hold strings");
    out.push_back(s.get<std::string>());
  }
  return Status::Ok();
}

}  // namespace

Result<RunRecord> record_from_json(const json& j) {
  if (!j.is_object()) return invalid_argument("a record must be a JSON object");
  using T = json::value_t;
  RunRecord r;
  for (auto [key, type] : std::initializer_list<std::pair<const char*, T>>{
           {"scenario", T::string}, {"index", T::number_unsigned}, {"swarm", T::boolean}, {"path", T::string},
           {"seed", T::number_unsigned}, {"outcome", T::string}, {"passed", T::boolean},
           {"nondeterministic", T::boolean}, {"failure_kind", T::string}, {"events", T::number_unsigned},
           {"sim_us", T::number_integer}, {"wall_us", T::number_integer}, {"trace_hash", T::string},
           {"probes", T::object}, {"delays_us", T::object}}) {
    SHAPESIM_RETURN_IF_ERROR(need(j, key, type));
  }
  r.scenario = j["scenario"].get<std::string>();
  r.index = j["index"].get<uint64_t>();
  r.swarm = j["swarm"].get<bool>();
  r.path = j["path"].get<std::string>();
  r.seed = j["seed"].get<uint64_t>();
  SHAPESIM_ASSIGN_OR_RETURN(r.outcome, parse_run_outcome(j["outcome"].get<std::string>()));
  r.passed = j["passed"].get<bool>();
  r.nondeterministic = j["nondeterministic"].get<bool>();
  r.failure_kind = j["failure_kind"].get<std::string>();
  SHAPESIM_RETURN_IF_ERROR(strings(j, "failures", r.failures));
  SHAPESIM_RETURN_IF_ERROR(strings(j, "notes", r.notes));
  r.events = j["events"].get<uint64_t>();
  r.sim_us = j["sim_us"].get<int64_t>();
  r.wall_us = j["wall_us"].get<int64_t>();
  r.trace_hash = j["trace_hash"].get<std::string>();
  for (const auto& [name, hits] : j["probes"].items()) {
    if (!hits.is_number_unsigned()) return invalid_argument("probe \"" + name + "\" needs a hit count");
    r.probes[name] = hits.get<uint64_t>();
  }
  for (const auto& [kind, ds] : j["delays_us"].items()) {
    if (!ds.is_array()) return invalid_argument("delays_us." + kind + " must be an array");
    auto& out = r.delays_us[kind];
    for (const auto& d : ds) {
      if (!d.is_number_integer()) return invalid_argument("delays_us." + kind + " must hold integers");
      out.push_back(d.get<int64_t>());
    }
  }
  return r;
}

Status read_records(const std::string& path, std::vector<RunRecord>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read " + path);
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = parse_bounded_json(line);
    if (!j.ok()) return invalid_argument(path + ":" + std::to_string(n) + ": " + j.status().message());
    auto r = record_from_json(*j);
    if (!r.ok()) return invalid_argument(path + ":" + std::to_string(n) + ": " + r.status().message());
    out.push_back(std::move(*r));
  }
  return Status::Ok();
}

}  // namespace shapesim::tools
