// libFuzzer target: whole simulated worlds. The first 8 bytes are the world's seed (the
// network's, disks' and clients' draws); the rest steer the swarm generator's choices
// (Random::driven_by): which faults are on and their rates, clients and shapes, auth worlds,
// actions, think times. Coverage guidance thus steers whole worlds toward new states of the
// reference code. Property: every checker holds (the run passes). A failure writes the
// scenario file that replays it (to $FUZZ_WORLD_OUT or the working directory), prints the
// replay command and aborts, so libFuzzer keeps the input. SHAPESIM_PLANT=<bug> plants a bug
// (reference/common/planted_bugs.h), to watch a campaign find, deduplicate and file it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "reference/common/planted_bugs.h"
#include "scenarios/scenario_runner.h"
#include "scenarios/swarm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool planted = [] {
    const char* name = std::getenv("SHAPESIM_PLANT");
    auto bug = name ? shapesim::planted_bug_from_name(name) : std::nullopt;
    if (bug) shapesim::plant_bug(*bug);
    return bug.has_value();
  }();
  (void)planted;
  if (size < 8) return 0;
  uint64_t seed = 0;
  for (int i = 0; i < 8; ++i) seed |= static_cast<uint64_t>(data[i]) << (8 * i);
  shapesim::Random choices = shapesim::Random::driven_by(data + 8, size - 8);
  // Smaller worlds than the nightly swarm's: more of them per second.
  nlohmann::json j = shapesim::generate_swarm_scenario_with(choices, seed, {.max_clients = 4, .max_actions = 20});
  auto s = shapesim::parse_scenario(j, "fuzz_world");
  if (!s.ok()) {
    std::fprintf(stderr, "fuzz_world: the swarm generated a scenario its parser refuses: %s\n%s\n",
                 s.status().message().c_str(), j.dump(1).c_str());
    std::abort();
  }
  shapesim::RunResult r = shapesim::run_scenario(*s, {.seed = seed, .max_events = 300000});
  if (r.passed) return 0;
  const char* dir = std::getenv("FUZZ_WORLD_OUT");
  std::string path = std::string(dir ? dir : ".") + "/fuzz_world-seed" + std::to_string(seed) + ".json";
  std::ofstream(path) << j.dump(1) << "\n";
  std::fprintf(stderr, "fuzz_world: %s (%s)\n", shapesim::run_outcome_name(r.outcome), r.failure_kind.c_str());
  for (const auto& f : r.failures) std::fprintf(stderr, "  %s\n", f.c_str());
  std::fprintf(stderr, "fuzz_world: scenario written to %s\n  replay: shapesim replay %s --seed %llu\n", path.c_str(),
               path.c_str(), static_cast<unsigned long long>(seed));
  std::abort();
}
