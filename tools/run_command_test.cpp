#include "tools/run_command.h"

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
  return {code, out.str(), err.str()};
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
  EXPECT_NE(r.out.find("FAIL failing seed=7: step 2 (expect) [a]: expected 1 rows, has 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("replay: shapesim run " + file + " --seed 7"), std::string::npos);
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

}  // namespace
}  // namespace shapesim::tools
