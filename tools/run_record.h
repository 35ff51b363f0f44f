// RunRecord: what one simulated run (a scenario and a seed) found, as `shapesim run --json`
// writes it (one JSON object per line) and `shapesim merge` reads it back. The summary a batch
// prints (run_summary.h) is computed from records alone, so shards merged print what one big
// run prints.
//
//   {"scenario":"swarm","index":0,"swarm":true,"path":"","seed":7,"outcome":"passed",
//    "passed":true,"nondeterministic":false,"failure_kind":"","failures":[],"notes":[],
//    "events":1234,"sim_us":61000000,"wall_us":5100,"trace_hash":"…",
//    "probes":{"client.resumed_from_local_file":3},"delays_us":{"delivery":[1200,900]}}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference/common/status.h"
#include "scenarios/scenario_runner.h"

namespace shapesim::tools {

struct RunRecord {
  std::string scenario;  // its name ("swarm" for generated ones)
  uint64_t index = 0;    // its place in the batch (the order files were given; swarm last)
  bool swarm = false;
  std::string path;      // the scenario file ("" for swarm)
  uint64_t seed = 0;
  RunOutcome outcome = RunOutcome::kPassed;
  bool passed = false;
  bool nondeterministic = false;
  std::string failure_kind;
  std::vector<std::string> failures;  // what failed, as the summary lists it
  std::vector<std::string> notes;     // replay and shrink lines printed under the failure
  uint64_t events = 0;
  int64_t sim_us = 0;
  int64_t wall_us = 0;  // the driver's wall time for this run (not part of any comparison)
  std::string trace_hash;
  std::map<std::string, uint64_t> probes;  // probes reached, by name, with their hit counts
  std::map<std::string, std::vector<int64_t>> delays_us;  // by kind (RunResult::delays)
};

// The record of a finished run.
RunRecord make_record(const std::string& scenario, uint64_t index, bool swarm, const std::string& path, uint64_t seed,
                      const RunResult& result);

nlohmann::json record_to_json(const RunRecord& r);
// Errors name the field that is missing or of the wrong type.
Result<RunRecord> record_from_json(const nlohmann::json& j);
// Run outcome names as records spell them ("passed", "safety", ...).
Result<RunOutcome> parse_run_outcome(const std::string& name);

// Reads a --json file: one record per line (blank lines skipped). Errors name the file and line.
Status read_records(const std::string& path, std::vector<RunRecord>& out);

}  // namespace shapesim::tools
