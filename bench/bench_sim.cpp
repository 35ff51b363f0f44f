// bench_sim: simulator speed (Google Benchmark; JSON with --benchmark_format=json).
// Counters per case:
//   events/s         - simulated events processed per wall second
//   sim_s_per_wall_s - simulated seconds per wall second (how much faster than real time)
// Issue #7 goals: >= 1000x real time for a 10-client scenario with ~1 s of think time
// between client actions (sim/ten_clients_think_1s); >= 1,000,000 events/s on one core
// (sim/event_loop: the bare event queue, and the same figure for the full cases).
// Cases: the 10-client workload, swarm seeds (faults on), and every suite scenario.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>

#include "scenarios/scenario_runner.h"
#include "scenarios/swarm.h"
#include "sim/event_queue.h"

namespace {

using nlohmann::json;

// Ten clients on one table, each writing one row about once a second (exponential think
// time, its own keys) for `seconds` simulated seconds, every client syncing the whole table.
// With `save_every_ms` the clients save synced updates to their files at most that often.
json ten_clients_think_1s(int seconds, int64_t save_every_ms = 0) {
  json clients = json::array(), steps = json::array();
  for (int c = 1; c <= 10; ++c) {
    json client = {{"name", "c" + std::to_string(c)}, {"shape", {{"table", "items"}}}};
    if (save_every_ms > 0) client["save_every_ms"] = save_every_ms;
    clients.push_back(client);
  }
  shapesim::Random rng(2026);
  int64_t t = 0, next_key = 0;
  while (t < seconds * 1000) {
    // Ten clients with 1 s of think time each: one action every 100 ms on average.
    int64_t gap = static_cast<int64_t>(rng.exponential(100.0));
    if (gap > 0) steps.push_back({{"step", "wait"}, {"ms", gap}});
    t += gap;
    int c = static_cast<int>(rng.uniform(1, 10));
    int64_t key = next_key++;
    steps.push_back({{"step", "write"}, {"client", "c" + std::to_string(c)}, {"id", "w" + std::to_string(key)},
                     {"mutations", {{{"op", "insert"}, {"table", "items"}, {"value", {{"id", key}, {"n", c}}}}}}});
  }
  return {{"name", save_every_ms > 0 ? "ten_clients_think_1s_saves_every_1s" : "ten_clients_think_1s"},
          {"tables", {{{"name", "items"},
                       {"columns", {{{"name", "id"}, {"type", "int8"}}, {{"name", "n"}, {"type", "int4"}}}},
                       {"primary_key", {"id"}}}}},
          {"network", {{"latency_ms", 5}, {"jitter_ms", 5}}},
          {"clients", clients},
          {"steps", steps}};
}

void report(benchmark::State& state, uint64_t events, int64_t sim_micros) {
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["sim_s_per_wall_s"] =
      benchmark::Counter(static_cast<double>(sim_micros) / 1e6, benchmark::Counter::kIsRate);
  state.counters["events/run"] = benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()));
}

void BM_Scenario(benchmark::State& state, const shapesim::Scenario& scenario) {
  uint64_t seed = 1, events = 0;
  int64_t sim_micros = 0;
  for (auto _ : state) {
    auto r = shapesim::run_scenario(scenario, {.seed = seed++});
    if (!r.passed) state.SkipWithError(("scenario failed: " + r.failures.front()).c_str());
    events += r.events;
    sim_micros += r.sim_end.micros;
  }
  report(state, events, sim_micros);
}

void BM_Swarm(benchmark::State& state) {
  uint64_t seed = 1, events = 0;
  int64_t sim_micros = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto s = shapesim::parse_scenario(shapesim::generate_swarm_scenario(seed), "swarm");
    state.ResumeTiming();
    auto r = shapesim::run_scenario(*s, {.seed = seed++});
    if (!r.passed) state.SkipWithError(("swarm seed failed: " + r.failures.front()).c_str());
    events += r.events;
    sim_micros += r.sim_end.micros;
  }
  report(state, events, sim_micros);
}

// The bare run loop: schedule and run events that each schedule a successor.
void BM_EventLoop(benchmark::State& state) {
  uint64_t events = 0;
  for (auto _ : state) {
    shapesim::sim::EventQueue q;
    uint64_t n = 0;
    for (int i = 0; i < 64; ++i) q.schedule(shapesim::Timestamp{i}, [] {});
    while (!q.empty() && n < 100000) {
      auto e = q.pop_unchecked();
      e.action();
      ++n;
      q.schedule(shapesim::Timestamp{e.at.micros + 100 + static_cast<int64_t>(n % 37)}, [] {});
    }
    events += n;
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  static std::vector<shapesim::Scenario> scenarios;
  auto ten = shapesim::parse_scenario(ten_clients_think_1s(60), "ten_clients_think_1s");
  if (!ten.ok()) {
    fprintf(stderr, "bench_sim: %s\n", ten.status().message().c_str());
    return 2;
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SHAPESIM_SOURCE_DIR) + "/scenarios/suite")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  scenarios.reserve(files.size() + 2);
  scenarios.push_back(std::move(*ten));
  // The same workload with each client's file taking its synced updates once a second.
  auto batched = shapesim::parse_scenario(ten_clients_think_1s(60, 1000), "ten_clients_think_1s_saves_every_1s");
  if (!batched.ok()) {
    fprintf(stderr, "bench_sim: %s\n", batched.status().message().c_str());
    return 2;
  }
  scenarios.push_back(std::move(*batched));
  for (const auto& f : files) {
    auto s = shapesim::load_scenario_file(f);
    if (!s.ok()) {
      fprintf(stderr, "bench_sim: %s\n", s.status().message().c_str());
      return 2;
    }
    scenarios.push_back(std::move(*s));
  }
  benchmark::RegisterBenchmark("sim/event_loop", BM_EventLoop)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sim/swarm", BM_Swarm)->Unit(benchmark::kMillisecond);
  for (const auto& s : scenarios) {
    benchmark::RegisterBenchmark(("sim/" + s.name).c_str(), BM_Scenario, s)->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
