#include "tools/run_command.h"

#include "reference/common/planted_bugs.h"
#include "tools/chrome_trace.h"
#include "tools/merge_command.h"
#include "tools/replay_command.h"
#include "tools/run_summary.h"
#include "tools/run_workers.h"
#include "tools/sim_command_support.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace shapesim::tools {
namespace {

struct Outcome {
  int code;
  std::string out, err;
};

Outcome run(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run_command(args, out, err);
  plant_bug(PlantedBug::kNone);  // --plant is process-wide
  return {code, out.str(), err.str()};
}

Outcome replay(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = replay_command(args, out, err);
  plant_bug(PlantedBug::kNone);
  return {code, out.str(), err.str()};
}

Outcome shrink(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = shrink_command(args, out, err);
  plant_bug(PlantedBug::kNone);
  return {code, out.str(), err.str()};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string suite() { return std::string(SHAPESIM_SOURCE_DIR) + "/scenarios/suite"; }

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("shapesim_run_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write_file(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

TEST_F(RunCommandTest, RunsADirectoryAndPrintsASummary) {
  auto r = run({suite(), "--seeds", "1..2"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("two_clients_see_each_others_writes"), std::string::npos);
  EXPECT_NE(r.out.find("0 failed"), std::string::npos);
}

TEST_F(RunCommandTest, UsageErrorsExitWith2AndExplain) {
  EXPECT_EQ(run({}).code, 2);
  auto bad_seeds = run({suite(), "--seeds", "5..1"});
  EXPECT_EQ(bad_seeds.code, 2);
  EXPECT_NE(bad_seeds.err.find("--seeds needs a range A..B"), std::string::npos);
  EXPECT_EQ(run({"/no/such/path"}).code, 2);
  EXPECT_EQ(run({suite(), "--frobnicate"}).code, 2);
  auto broken = run({write_file("broken.json", "{ not json")});
  EXPECT_EQ(broken.code, 2);
  EXPECT_NE(broken.err.find("not valid JSON"), std::string::npos);
  auto help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: shapesim run"), std::string::npos);
}

TEST_F(RunCommandTest, AFailingScenarioExitsWith1AndPrintsTheReplayCommand) {
  std::string file = write_file("failing.json", R"({
    "name": "failing",
    "tables": [{"name": "t", "columns": [{"name": "id", "type": "int8"}], "primary_key": ["id"]}],
    "clients": [{"name": "a", "shape": {"table": "t"}}],
    "steps": [{"step": "settle"}, {"step": "expect", "client": "a", "rows": 1}]
  })");
  auto r = run({file, "--seed", "7"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("FAIL failing seed=7 (expectation):\n  step 2 (expect) [a]: expected 1 rows, has 0"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay: shapesim replay " + file + " --seed 7"), std::string::npos);
}

TEST_F(RunCommandTest, TraceFileHoldsJsonLinesAndSameSeedGivesSameFile) {
  std::string file = suite() + "/two_clients_see_each_others_writes.json";
  auto t1 = (dir_ / "a.jsonl").string(), t2 = (dir_ / "b.jsonl").string();
  ASSERT_EQ(run({file, "--seed", "3", "--trace", t1}).code, 0);
  ASSERT_EQ(run({file, "--seed", "3", "--trace", t2, "--verify-determinism"}).code, 0);
  std::ifstream a(t1), b(t2);
  std::stringstream sa, sb;
  sa << a.rdbuf();
  sb << b.rdbuf();
  EXPECT_EQ(sa.str(), sb.str());
  std::istringstream lines(sa.str());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(j.contains("t") && j.contains("node") && j.contains("ev"));
    ++n;
  }
  EXPECT_GT(n, 20);
}

TEST_F(RunCommandTest, SwarmSummaryReportsOutcomesSpeedAndProbes) {
  auto r = run({"--swarm", "--seeds", "1..20"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("20 runs (seeds 1..20): 20 passed, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x real time"), std::string::npos);
  EXPECT_NE(r.out.find("coverage probes: "), std::string::npos);
}

TEST_F(RunCommandTest, APlantedBugIsFoundShrunkAndItsReplayCommandsPrinted) {
  auto r = run({"--swarm", "--seeds", "1..3", "--plant", "drop-last-change-of-transaction", "--shrink-dir", dir_.string()});
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("replay: shapesim replay --swarm --seed 1 --plant drop-last-change-of-transaction"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("replay shrunk: shapesim replay " + dir_.string() + "/swarm-1-seed1-shrunk.json --seed 1"),
            std::string::npos) << r.out;
  auto unknown = run({"--swarm", "--plant", "no-such-bug"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown planted bug \"no-such-bug\" (known: "), std::string::npos);
}

TEST_F(RunCommandTest, ALivenessFailureHasItsOwnExitCode) {
  // The client is clogged far beyond the liveness bound: no safety problem, no convergence.
  std::string file = write_file("stuck.json", R"({
    "name": "stuck", "liveness_ms": 2000,
    "tables": [{"name": "t", "columns": [{"name": "id", "type": "int8"}], "primary_key": ["id"]}],
    "clients": [{"name": "a", "shape": {"table": "t"}, "slow_ms": 100000}],
    "steps": [{"step": "wait", "ms": 1}]
  })");
  auto r = run({file});
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("(liveness)"), std::string::npos) << r.out;
  EXPECT_EQ(replay({file, "--seed", "1"}).code, 3);
}

TEST_F(RunCommandTest, ReplayWritesJsonLinesAndAChromeTimelineAndChecksDeterminism) {
  auto trace = (dir_ / "t.jsonl").string(), chrome = (dir_ / "t.json").string(), scenario = (dir_ / "s.json").string();
  auto r = replay({"--swarm", "--seed", "7", "--trace", trace, "--chrome", chrome, "--write-scenario", scenario});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("deterministic: a second replay matched event for event"), std::string::npos);
  auto timeline = nlohmann::json::parse(read_file(chrome));
  ASSERT_TRUE(timeline.contains("traceEvents"));
  int spans = 0, threads = 0;
  for (const auto& e : timeline["traceEvents"]) {
    spans += e["ph"] == "b";
    threads += e["ph"] == "M" && e["name"] == "thread_name";
  }
  EXPECT_GT(spans, 5);
  EXPECT_GE(threads, 3);  // world/scenario, server and clients each get a track
  // The written scenario replays to the same trace.
  auto again = replay({scenario, "--seed", "7"});
  EXPECT_EQ(again.code, 0);
  auto hash_of = [](const std::string& out) { return out.substr(out.find("trace hash ") + 11, 16); };
  EXPECT_EQ(hash_of(again.out), hash_of(r.out));
  EXPECT_EQ(replay({"--swarm"}).code, 2);
  EXPECT_EQ(replay({"--swarm", "--seed", "x"}).code, 2);
}

TEST_F(RunCommandTest, ShrinkWritesAMinimalScenarioThatStillFails) {
  auto out = (dir_ / "min.json").string();
  auto r = shrink({"--swarm", "--seed", "5", "--plant", "stale-rows-kept-on-refetch", "-o", out});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("shrunk in "), std::string::npos);
  auto j = nlohmann::json::parse(read_file(out));
  EXPECT_LE(j["steps"].size(), 6u);
  EXPECT_EQ(replay({out, "--seed", "5", "--plant", "stale-rows-kept-on-refetch"}).code, 1);
  EXPECT_EQ(replay({out, "--seed", "5"}).code, 0);
  EXPECT_EQ(shrink({"--swarm", "--seed", "2", "-o", out}).code, 1);  // passes: nothing to shrink
  EXPECT_EQ(shrink({"--swarm", "--seed", "2"}).code, 2);              // no -o
}

TEST(Determinism, FirstDivergenceNamesTheFirstEventThatDiffers) {
  auto s = load_scenario_file(suite() + "/two_clients_see_each_others_writes.json");
  ASSERT_TRUE(s.ok());
  std::vector<std::string> lines;
  RunResult first = run_scenario(*s, {.seed = 4, .trace_sink = [&](std::string_view l) { lines.emplace_back(l); },
                                      .keep_event_hashes = true});
  ASSERT_EQ(first.event_hashes.size(), lines.size());
  EXPECT_FALSE(first_divergence(*s, 4, first, lines));  // the same seed replays identically
  // Pretend the first run went differently from its 6th event on.
  for (size_t i = 5; i < first.event_hashes.size(); ++i) first.event_hashes[i] ^= 1;
  auto d = first_divergence(*s, 4, first, lines);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->rfind("first divergent event #6\n  run 1: " + lines[5], 0), 0u) << *d;
}

TEST(ChromeTrace, RejectsLinesThatAreNotTraceEvents) {
  EXPECT_FALSE(chrome_trace_from_lines({"{\"t\":1}"}).ok());
  EXPECT_FALSE(chrome_trace_from_lines({"not json"}).ok());
  auto ok = chrome_trace_from_lines({R"({"t":5,"node":"a","ev":"send","d":{"id":1,"req":"GET /v1/shape"}})",
                                     R"({"t":9,"node":"a","ev":"apply","d":{"id":1}})"});
  ASSERT_TRUE(ok.ok());
  int begins = 0, ends = 0;
  for (const auto& e : (*ok)["traceEvents"]) {
    begins += e["ph"] == "b";
    ends += e["ph"] == "e";
  }
  EXPECT_EQ(begins, 1);
  EXPECT_EQ(ends, 1);
}

TEST_F(RunCommandTest, JobsGiveTheSerialRecordsAndShardsMergeIntoTheSerialSummary) {
  std::string serial = (dir_ / "serial.jsonl").string();
  auto one = run({"--swarm", "--seeds", "1..12", "--json", serial});
  ASSERT_EQ(one.code, 0) << one.err;
  std::vector<std::string> parts;
  for (int k = 1; k <= 3; ++k) {
    parts.push_back((dir_ / ("shard" + std::to_string(k) + ".jsonl")).string());
    ASSERT_EQ(run({"--swarm", "--seeds", "1..12", "--shard", std::to_string(k) + "/3", "--jobs", "2", "--json", parts.back()}).code, 0);
  }
  std::ostringstream out, err;
  std::vector<std::string> merge_args = parts;
  ASSERT_EQ(merge_command(merge_args, out, err), 0) << err.str();
  auto without_speed = [](const std::string& text) {
    std::istringstream in(text);
    std::string line, kept;
    while (std::getline(in, line)) {
      if (line.rfind("speed:", 0) != 0) kept += line + "\n";
    }
    return kept;
  };
  EXPECT_EQ(without_speed(out.str()), without_speed(one.out));
  std::vector<RunRecord> a, b;
  ASSERT_TRUE(read_records(serial, a).ok());
  for (const auto& p : parts) ASSERT_TRUE(read_records(p, b).ok());
  ASSERT_EQ(a.size(), 12u);
  ASSERT_EQ(b.size(), 12u);
  sort_records(b);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i].wall_us = b[i].wall_us = 0;
    EXPECT_EQ(record_to_json(a[i]), record_to_json(b[i])) << "seed " << a[i].seed;
  }
}

TEST_F(RunCommandTest, MergeRefusesOverlappingShardsAndBadFiles) {
  std::string part = (dir_ / "part.jsonl").string();
  ASSERT_EQ(run({"--swarm", "--seeds", "1..2", "--json", part}).code, 0);
  std::ostringstream out, err;
  EXPECT_EQ(merge_command({part, part}, out, err), 2);
  EXPECT_NE(err.str().find("appears twice"), std::string::npos) << err.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(merge_command({write_file("bad.jsonl", "{\"scenario\": 1}\n")}, out2, err2), 2);
  EXPECT_NE(err2.str().find("bad.jsonl:1: \"scenario\" has the wrong type"), std::string::npos) << err2.str();
  std::ostringstream out3, err3;
  EXPECT_EQ(merge_command({}, out3, err3), 2);
  auto bad_shard = run({"--swarm", "--shard", "0/3"});
  EXPECT_EQ(bad_shard.code, 2);
  EXPECT_NE(bad_shard.err.find("--shard needs K/N"), std::string::npos);
}

TEST(RunWorkers, AWorkerThatDiesYieldsACrashRecordAndTheRestStillRun) {
  WorkerCallbacks cb;
  cb.work = [](size_t task) {
    if (task == 3) std::abort();  // an assertion in the simulated code, say
    RunRecord r;
    r.scenario = "s";
    r.seed = task;
    r.passed = true;
    return r;
  };
  cb.crashed = [](size_t task, const std::string& why) {
    RunRecord r;
    r.scenario = "s";
    r.seed = task;
    r.failures = {why};
    return r;
  };
  size_t seen = 0;
  cb.on_record = [&](const RunRecord&) { ++seen; };
  auto records = run_in_workers(7, 2, cb);
  ASSERT_TRUE(records.ok()) << records.status().message();
  ASSERT_EQ(records->size(), 7u);
  EXPECT_EQ(seen, 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ((*records)[i].seed, i);
    EXPECT_EQ((*records)[i].passed, i != 3);
  }
  EXPECT_NE((*records)[3].failures.at(0).find("signal 6"), std::string::npos) << (*records)[3].failures.at(0);
}

}  // namespace
}  // namespace shapesim::tools
