// The simulator must find every planted bug within a bounded number of swarm seeds and
// shrink the failure to a short scenario that fails with the bug and passes without it.
#include <gtest/gtest.h>

#include "reference/common/planted_bugs.h"
#include "scenarios/scenario_runner.h"
#include "scenarios/shrink.h"
#include "scenarios/swarm.h"

namespace shapesim {
namespace {

constexpr uint64_t kMaxSeeds = 100;      // each bug must be found within this many seeds
// but a bug that needs a rare combination: a write retried after its answer was lost, and
// the client's shape refetched in between (one swarm seed in about 40)
constexpr uint64_t kMaxSeedsReplayAnswersNoLsn = 300;
constexpr size_t kMaxShrunkSteps = 6;    // and shrunk to at most this many steps

class PlantedBugTest : public ::testing::TestWithParam<PlantedBug> {};

TEST_P(PlantedBugTest, FoundWithinBoundedSeedsAndShrunkToAShortScenario) {
  ScopedPlantedBug bug(GetParam());
  std::optional<uint64_t> failing_seed;
  RunResult failure;
  const uint64_t max_seeds = GetParam() == PlantedBug::kReplayAnswersNoLsn ? kMaxSeedsReplayAnswersNoLsn : kMaxSeeds;
  for (uint64_t seed = 1; seed <= max_seeds && !failing_seed; ++seed) {
    auto s = parse_scenario(generate_swarm_scenario(seed), "swarm");
    ASSERT_TRUE(s.ok()) << s.status().message();
    RunResult r = run_scenario(*s, {.seed = seed});
    if (!r.passed) {
      failing_seed = seed;
      failure = r;
    }
  }
  ASSERT_TRUE(failing_seed) << planted_bug_name(GetParam()) << " not found in " << max_seeds << " seeds";
  EXPECT_EQ(failure.outcome, RunOutcome::kSafetyViolation) << failure.failures.front();

  nlohmann::json original = generate_swarm_scenario(*failing_seed);
  ShrinkResult shrunk = shrink_scenario(original, *failing_seed, failure.failure_kind, {.max_runs = 1000});
  EXPECT_LE(shrunk.steps_after, kMaxShrunkSteps) << shrunk.scenario.dump(2);
  EXPECT_LT(shrunk.bytes_after, shrunk.bytes_before);
  EXPECT_LE(shrunk.clients_after, shrunk.clients_before);

  // The written scenario reproduces the failure with the bug, and passes without it.
  auto replay = parse_scenario(nlohmann::json::parse(shrunk.scenario.dump()), "shrunk.json");
  ASSERT_TRUE(replay.ok()) << replay.status().message();
  RunResult again = run_scenario(*replay, {.seed = *failing_seed});
  EXPECT_FALSE(again.passed);
  EXPECT_EQ(again.failure_kind, failure.failure_kind);
  plant_bug(PlantedBug::kNone);
  RunResult fixed = run_scenario(*replay, {.seed = *failing_seed});
  EXPECT_TRUE(fixed.passed) << (fixed.failures.empty() ? "" : fixed.failures.front());
}

INSTANTIATE_TEST_SUITE_P(EveryPlantedBug, PlantedBugTest,
                         ::testing::Values(PlantedBug::kOffsetNotAdvancedAfterChunk, PlantedBug::kLongPollAnsweredTwice,
                                           PlantedBug::kDropLastChangeOfTransaction,
                                           PlantedBug::kRetryWithoutIdempotencyKey, PlantedBug::kStaleRowsKeptOnRefetch,
                                           PlantedBug::kOutboxPersistedLate, PlantedBug::kPurgeKeepsLocalFile,
                                           PlantedBug::kTokenRefreshRefetches, PlantedBug::kOutboxReplaysForNewUser,
                                           PlantedBug::kRevocationLeavesPollsOpen, PlantedBug::kLongPollWaitsForTimeout,
                                           PlantedBug::kReplayAnswersNoLsn, PlantedBug::kGatekeeperWhereAsText,
                                           PlantedBug::kRevocationAfterFanout),
                         [](const auto& info) {
                           std::string name = planted_bug_name(info.param);
                           for (auto& c : name) if (c == '-') c = '_';
                           return name;
                         });

TEST(Swarm, CorrectCodePassesEverySeedAndReachesEveryProbe) {
  std::array<uint64_t, kProbeCount> reached{};
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    auto s = parse_scenario(generate_swarm_scenario(seed), "swarm");
    ASSERT_TRUE(s.ok()) << s.status().message();
    RunResult r = run_scenario(*s, {.seed = seed});
    ASSERT_TRUE(r.passed) << "seed " << seed << ": " << r.failures.front();
    for (size_t p = 0; p < kProbeCount; ++p) reached[p] += r.probes[p];
  }
  for (size_t p = 0; p < kProbeCount; ++p) {
    EXPECT_GT(reached[p], 0u) << "probe never reached: " << probe_name(static_cast<Probe>(p));
  }
}

TEST(Swarm, SameSeedSameTraceEventForEvent) {
  for (uint64_t seed : {3u, 17u, 42u}) {
    auto s = parse_scenario(generate_swarm_scenario(seed), "swarm");
    ASSERT_TRUE(s.ok());
    RunResult a = run_scenario(*s, {.seed = seed, .keep_event_hashes = true});
    RunResult b = run_scenario(*s, {.seed = seed, .keep_event_hashes = true});
    EXPECT_EQ(a.trace_hash, b.trace_hash);
    EXPECT_EQ(a.event_hashes, b.event_hashes);
    EXPECT_EQ(a.event_hashes.size(), a.events > 0 ? a.event_hashes.size() : 0u);
  }
  EXPECT_NE(generate_swarm_scenario(1).dump(), generate_swarm_scenario(2).dump());
  EXPECT_EQ(generate_swarm_scenario(9).dump(), generate_swarm_scenario(9).dump());
}

TEST(Swarm, EachSeedDrawsItsOwnFaultsAndTheTraceStartsWithThem) {
  int with_loss = 0, with_crashes = 0;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto j = generate_swarm_scenario(seed);
    with_loss += j["network"].contains("loss");
    with_crashes += j["swarm"]["server_crashes"].get<bool>();
  }
  EXPECT_GT(with_loss, 10);
  EXPECT_LT(with_loss, 40);
  EXPECT_GT(with_crashes, 5);
  EXPECT_LT(with_crashes, 45);
  std::vector<std::string> lines;
  auto s = parse_scenario(generate_swarm_scenario(5), "swarm");
  run_scenario(*s, {.seed = 5, .trace_sink = [&](std::string_view l) { lines.emplace_back(l); }});
  ASSERT_GE(lines.size(), 2u);
  auto begin = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(begin["ev"], "begin");
  EXPECT_EQ(begin["d"]["knobs"]["network"], generate_swarm_scenario(5)["network"]);
  EXPECT_EQ(begin["d"]["knobs"]["swarm"], generate_swarm_scenario(5)["swarm"]);
}

}  // namespace
}  // namespace shapesim
