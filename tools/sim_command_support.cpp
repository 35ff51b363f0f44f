#include "tools/sim_command_support.h"

#include <fstream>

#include "reference/common/planted_bugs.h"
#include "scenarios/swarm.h"
#include "tools/chrome_trace.h"

namespace shapesim::tools {

int exit_code_for(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::kPassed: return kExitPassed;
    case RunOutcome::kLivenessFailure: return kExitLiveness;
    default: return kExitFailed;
  }
}

Result<nlohmann::json> load_scenario_json(const ScenarioSource& source, uint64_t seed) {
  if (source.swarm) return generate_swarm_scenario(seed);
  std::ifstream in(source.path, std::ios::binary);
  if (!in) return not_found(source.path + ": cannot open file");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return invalid_argument(source.path + ": not valid JSON");
  return j;
}

Result<Scenario> load_scenario(const ScenarioSource& source, uint64_t seed) {
  if (!source.swarm) return load_scenario_file(source.path);
  return parse_scenario(generate_swarm_scenario(seed), "swarm seed " + std::to_string(seed));
}

std::string replay_command(const ScenarioSource& source, uint64_t seed, const std::optional<std::string>& plant) {
  std::string cmd = "shapesim replay " + (source.swarm ? std::string("--swarm") : source.path) + " --seed " +
                    std::to_string(seed);
  if (plant) cmd += " --plant " + *plant;
  return cmd;
}

std::optional<std::string> parse_planted_bug(const std::string& name) {
  auto bug = planted_bug_from_name(name);
  if (!bug || *bug == PlantedBug::kNone) return "unknown planted bug \"" + name + "\" (known: " + planted_bug_names() + ")";
  plant_bug(*bug);
  return std::nullopt;
}

std::string planted_bug_names() {
  std::string out;
  for (int i = 1; i < static_cast<int>(PlantedBug::kCount); ++i) {
    if (!out.empty()) out += ", ";
    out += planted_bug_name(static_cast<PlantedBug>(i));
  }
  return out;
}

std::optional<std::string> first_divergence(const Scenario& scenario, uint64_t seed, const RunResult& first,
                                            const std::vector<std::string>& first_lines) {
  const std::vector<std::string>& a = first_lines;
  std::vector<std::string> b;
  RunResult rb = run_scenario(scenario, {.seed = seed, .trace_sink = [&b](std::string_view l) { b.emplace_back(l); },
                                         .keep_event_hashes = true});
  const auto& ha = first.event_hashes;
  const auto& hb = rb.event_hashes;
  size_t n = std::min(ha.size(), hb.size());
  for (size_t i = 0; i < n; ++i) {
    if (ha[i] != hb[i]) {
      return "first divergent event #" + std::to_string(i + 1) + "\n  run 1: " + a.at(i) + "\n  run 2: " + b.at(i);
    }
  }
  if (ha.size() != hb.size()) {
    return "runs have " + std::to_string(ha.size()) + " and " + std::to_string(hb.size()) + " events; first extra #" +
           std::to_string(n + 1);
  }
  return std::nullopt;
}

bool write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& l : lines) out << l << '\n';
  return static_cast<bool>(out);
}

bool write_chrome_trace(const std::string& path, const std::vector<std::string>& lines, std::string& error) {
  auto timeline = chrome_trace_from_lines(lines);
  if (!timeline.ok()) {
    error = timeline.status().message();
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << timeline->dump();
  if (!out) error = "cannot write " + path;
  return static_cast<bool>(out);
}

}  // namespace shapesim::tools
