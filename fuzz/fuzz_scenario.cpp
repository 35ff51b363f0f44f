// libFuzzer target: scenario files (the input is the file's text). Properties: nothing
// crashes; a scenario that parses has steps that each name a known kind, and every client
// a step names exists; a parsed scenario with few steps and short waits replays without
// crashing (the simulator accepts whatever the parser accepts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenarios/scenario_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (j.is_discarded()) return 0;
  auto s = shapesim::parse_scenario(j, "fuzz.json");
  if (!s.ok()) {
    if (s.status().message().rfind("fuzz.json: ", 0) != 0) std::abort();  // errors name the file
    return 0;
  }
  for (const auto& step : s->steps) {
    if (step.args.contains("client") && !s->find_client(step.args["client"].get<std::string>())) std::abort();
  }
  // Replay small scenarios with bounded simulated time.
  int64_t total_ms = 0;
  for (const auto& step : s->steps) total_ms += step.args.value("ms", int64_t{0});
  if (s->steps.size() <= 8 && s->clients.size() <= 4 && total_ms <= 60000 && s->liveness_limit.micros <= 60'000'000) {
    (void)shapesim::run_scenario(*s, {.seed = 1, .max_events = 20000});
  }
  return 0;
}
