// bench_sim: simulator speed on the scenario suite (Google Benchmark; JSON with
// --benchmark_format=json). Counters per scenario:
//   events/s         - simulated events processed per wall second
//   sim_s_per_wall_s - simulated seconds per wall second (how much faster than real time)
// Issue #7 sets the goals (>= 1000x real time for 10 clients, >= 1M events/s); this is the
// baseline the foundation measures.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>

#include "scenarios/scenario_runner.h"

namespace {

void BM_Scenario(benchmark::State& state, const shapesim::Scenario& scenario) {
  uint64_t seed = 1, events = 0;
  int64_t sim_micros = 0;
  for (auto _ : state) {
    auto r = shapesim::run_scenario(scenario, {.seed = seed++});
    if (!r.passed) state.SkipWithError(("scenario failed: " + r.failures.front()).c_str());
    events += r.events;
    sim_micros += r.sim_end.micros;
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["sim_s_per_wall_s"] =
      benchmark::Counter(static_cast<double>(sim_micros) / 1e6, benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SHAPESIM_SOURCE_DIR) + "/scenarios/suite")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  static std::vector<shapesim::Scenario> scenarios;
  scenarios.reserve(files.size());
  for (const auto& f : files) {
    auto s = shapesim::load_scenario_file(f);
    if (!s.ok()) {
      fprintf(stderr, "bench_sim: %s\n", s.status().message().c_str());
      return 2;
    }
    scenarios.push_back(std::move(*s));
  }
  for (const auto& s : scenarios) {
    benchmark::RegisterBenchmark(("sim/" + s.name).c_str(), BM_Scenario, s)->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
