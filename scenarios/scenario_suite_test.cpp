// Replays every scenario file in scenarios/suite with 100 seeds, checks they pass, and
// runs each (scenario, seed) twice to check the trace hash is identical (determinism).
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "scenarios/scenario_runner.h"

namespace shapesim {
namespace {

std::vector<std::string> suite_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(SHAPESIM_SOURCE_DIR) + "/scenarios/suite")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ScenarioSuite : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioSuite, PassesFor100Seeds) {
  auto scenario = load_scenario_file(GetParam());
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    auto r = run_scenario(*scenario, {.seed = seed});
    for (const auto& f : r.failures) ADD_FAILURE() << "seed " << seed << ": " << f;
    EXPECT_GT(r.events, 10u);
  }
}

TEST_P(ScenarioSuite, SameSeedGivesTheSameTraceHash) {
  auto scenario = load_scenario_file(GetParam());
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  std::set<std::string> hashes;
  for (uint64_t seed : {3u, 4u}) {
    std::vector<std::string> first_lines, second_lines;
    auto first = run_scenario(*scenario, {.seed = seed, .trace_sink = [&](std::string_view l) { first_lines.emplace_back(l); }});
    auto second = run_scenario(*scenario, {.seed = seed, .trace_sink = [&](std::string_view l) { second_lines.emplace_back(l); }});
    EXPECT_EQ(first.trace_hash, second.trace_hash) << "seed " << seed;
    auto diverge = std::mismatch(first_lines.begin(), first_lines.end(), second_lines.begin(), second_lines.end());
    if (diverge.first != first_lines.end()) {
      ADD_FAILURE() << "first divergent event at line " << (diverge.first - first_lines.begin()) << ":\n  " << *diverge.first
                    << "\n  " << (diverge.second != second_lines.end() ? *diverge.second : std::string("<end>"));
    }
    hashes.insert(first.trace_hash);
  }
  EXPECT_EQ(hashes.size(), 2u) << "different seeds should give different runs";
}

INSTANTIATE_TEST_SUITE_P(Files, ScenarioSuite, ::testing::ValuesIn(suite_files()),
                         [](const auto& info) { return std::filesystem::path(info.param).stem().string(); });

}  // namespace
}  // namespace shapesim
