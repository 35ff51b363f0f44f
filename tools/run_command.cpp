#include "tools/run_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "reference/common/log_offset.h"
#include "scenarios/scenario_runner.h"

namespace shapesim::tools {

namespace {

struct RunArgs {
  std::vector<std::string> paths;
  uint64_t first_seed = 1;
  uint64_t last_seed = 1;
  std::optional<std::string> trace_path;
  bool verify_determinism = false;
  bool help = false;
};

bool parse_seed_range(const std::string& text, uint64_t& a, uint64_t& b) {
  auto dots = text.find("..");
  if (dots == std::string::npos) return false;
  return parse_uint64(text.substr(0, dots), a) && parse_uint64(text.substr(dots + 2), b) && a <= b;
}

std::optional<std::string> parse_args(const std::vector<std::string>& args, RunArgs& out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)flag;
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      out.help = true;
    } else if (a == "--seed") {
      auto v = value("--seed");
      if (!v || !parse_uint64(*v, out.first_seed)) return "--seed needs a non-negative integer";
      out.last_seed = out.first_seed;
    } else if (a == "--seeds") {
      auto v = value("--seeds");
      if (!v || !parse_seed_range(*v, out.first_seed, out.last_seed)) return "--seeds needs a range A..B with A <= B";
    } else if (a == "--trace") {
      auto v = value("--trace");
      if (!v) return "--trace needs a file name";
      out.trace_path = *v;
    } else if (a == "--verify-determinism") {
      out.verify_determinism = true;
    } else if (!a.empty() && a[0] == '-') {
      return "unknown option " + a;
    } else {
      out.paths.push_back(a);
    }
  }
  if (!out.help && out.paths.empty()) return "no scenario file or directory given";
  return std::nullopt;
}

// Files named directly, plus every *.json under a named directory (recursively, sorted).
std::optional<std::string> collect_files(const std::vector<std::string>& paths, std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) return "no *.json scenario files under " + p;
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return "no such file or directory: " + p;
    }
  }
  return std::nullopt;
}

std::string format_sim_time(Timestamp t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(t.micros) / 1e6);
  return buf;
}

struct ScenarioSummary {
  std::string name;
  std::string path;
  uint64_t runs = 0, passed = 0, events = 0;
  int64_t sim_micros = 0;
  std::string first_hash;
};

}  // namespace

void print_run_help(std::ostream& out) {
  out << "usage: shapesim run [FILE|DIR ...] [--seed N | --seeds A..B] [--trace FILE] [--verify-determinism]\n"
         "\n"
         "Replays scenario files in the deterministic simulator (embedded store, simulated\n"
         "network) and checks every invariant after each run. A directory means every *.json\n"
         "file under it. The same scenario and seed always produce the same trace hash.\n"
         "\n"
         "  --seed N              run each scenario with seed N (default 1)\n"
         "  --seeds A..B          run each scenario with every seed from A to B inclusive\n"
         "  --trace FILE          write every trace event as JSON lines to FILE\n"
         "  --verify-determinism  run every (scenario, seed) twice and compare trace hashes\n"
         "\n"
         "Exit status: 0 all runs passed, 1 a run failed (its replay command is printed),\n"
         "2 bad arguments or an invalid scenario file.\n";
}

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  RunArgs a;
  if (auto e = parse_args(args, a)) {
    err << "shapesim run: " << *e << "\n\n";
    print_run_help(err);
    return 2;
  }
  if (a.help) {
    print_run_help(out);
    return 0;
  }
  std::vector<std::string> files;
  if (auto e = collect_files(a.paths, files)) {
    err << "shapesim run: " << *e << "\n";
    return 2;
  }
  std::vector<Scenario> scenarios;
  for (const auto& f : files) {
    auto s = load_scenario_file(f);
    if (!s.ok()) {
      err << "shapesim run: " << s.status().message() << "\n";
      return 2;
    }
    scenarios.push_back(std::move(*s));
  }
  std::ofstream trace_file;
  if (a.trace_path) {
    trace_file.open(*a.trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      err << "shapesim run: cannot write trace file " << *a.trace_path << "\n";
      return 2;
    }
  }
  Trace::Sink sink;
  if (trace_file.is_open()) {
    sink = [&trace_file](std::string_view line) { trace_file << line << '\n'; };
  }

  // Wall time is measured here, in the driver; the simulation itself never reads a clock.
  auto wall_start = std::chrono::steady_clock::now();
  const uint64_t seeds = a.last_seed - a.first_seed + 1;
  const uint64_t total = seeds * scenarios.size();
  uint64_t done = 0, failed_runs = 0, total_events = 0;
  uint64_t next_progress = total >= 20 ? total / 10 : total + 1;
  std::vector<ScenarioSummary> summaries;
  std::vector<std::string> failure_lines;
  for (const auto& s : scenarios) {
    ScenarioSummary sum{s.name, s.path};
    for (uint64_t seed = a.first_seed; seed <= a.last_seed; ++seed) {
      RunResult r = run_scenario(s, {.seed = seed, .trace_sink = sink});
      if (a.verify_determinism) {
        RunResult again = run_scenario(s, {.seed = seed});
        if (again.trace_hash != r.trace_hash) {
          r.passed = false;
          r.failures.push_back("nondeterminism: trace hash " + r.trace_hash + " then " + again.trace_hash);
        }
      }
      ++sum.runs;
      sum.events += r.events;
      sum.sim_micros += r.sim_end.micros;
      if (sum.first_hash.empty()) sum.first_hash = r.trace_hash;
      total_events += r.events;
      if (r.passed) {
        ++sum.passed;
      } else {
        ++failed_runs;
        for (const auto& f : r.failures) failure_lines.push_back("FAIL " + s.name + " seed=" + std::to_string(seed) + ": " + f);
        failure_lines.push_back("  replay: shapesim run " + s.path + " --seed " + std::to_string(seed) +
                                " --trace " + s.name + "-" + std::to_string(seed) + ".jsonl");
      }
      if (++done >= next_progress && done < total) {
        err << "progress: " << done << "/" << total << " runs, " << failed_runs << " failed\n";
        next_progress += total / 10;
      }
    }
    summaries.push_back(std::move(sum));
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  char line[256];
  std::snprintf(line, sizeof line, "%-40s %7s %7s %7s %10s %10s  %s\n", "scenario", "seeds", "passed", "failed",
                "events", "sim time", "trace hash (first seed)");
  out << line;
  int64_t sim_total = 0;
  for (const auto& s : summaries) {
    std::snprintf(line, sizeof line, "%-40s %7llu %7llu %7llu %10llu %10s  %s\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.runs), static_cast<unsigned long long>(s.passed),
                  static_cast<unsigned long long>(s.runs - s.passed), static_cast<unsigned long long>(s.events),
                  format_sim_time(Timestamp{s.sim_micros}).c_str(), s.first_hash.c_str());
    out << line;
    sim_total += s.sim_micros;
  }
  std::snprintf(line, sizeof line,
                "\n%llu runs (%zu scenarios x seeds %llu..%llu): %llu passed, %llu failed; %llu events, %.1f s simulated "
                "in %.2f s wall (%.0fx real time, %.0f events/s)\n",
                static_cast<unsigned long long>(total), scenarios.size(), static_cast<unsigned long long>(a.first_seed),
                static_cast<unsigned long long>(a.last_seed), static_cast<unsigned long long>(total - failed_runs),
                static_cast<unsigned long long>(failed_runs), static_cast<unsigned long long>(total_events),
                static_cast<double>(sim_total) / 1e6, wall, wall > 0 ? static_cast<double>(sim_total) / 1e6 / wall : 0.0,
                wall > 0 ? static_cast<double>(total_events) / wall : 0.0);
  out << line;
  if (!failure_lines.empty()) {
    out << "\n";
    for (const auto& f : failure_lines) out << f << "\n";
  }
  return failed_runs == 0 ? 0 : 1;
}

}  // namespace shapesim::tools
