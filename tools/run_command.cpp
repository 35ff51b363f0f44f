#include "tools/run_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "reference/common/coverage.h"
#include "reference/common/log_offset.h"
#include "scenarios/shrink.h"
#include "tools/sim_command_support.h"

namespace shapesim::tools {

namespace {

struct RunArgs {
  std::vector<std::string> paths;
  bool swarm = false;
  uint64_t first_seed = 1;
  uint64_t last_seed = 1;
  std::optional<std::string> trace_path;
  std::optional<std::string> shrink_dir;
  std::optional<std::string> plant;
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
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      out.help = true;
    } else if (a == "--seed") {
      auto v = value();
      if (!v || !parse_uint64(*v, out.first_seed)) return "--seed needs a non-negative integer";
      out.last_seed = out.first_seed;
    } else if (a == "--seeds") {
      auto v = value();
      if (!v || !parse_seed_range(*v, out.first_seed, out.last_seed)) return "--seeds needs a range A..B with A <= B";
    } else if (a == "--trace") {
      auto v = value();
      if (!v) return "--trace needs a file name";
      out.trace_path = *v;
    } else if (a == "--shrink-dir") {
      auto v = value();
      if (!v) return "--shrink-dir needs a directory";
      out.shrink_dir = *v;
    } else if (a == "--plant") {
      auto v = value();
      if (!v) return "--plant needs a bug name (" + planted_bug_names() + ")";
      if (auto e = parse_planted_bug(*v)) return *e;
      out.plant = *v;
    } else if (a == "--swarm") {
      out.swarm = true;
    } else if (a == "--verify-determinism") {
      out.verify_determinism = true;
    } else if (!a.empty() && a[0] == '-') {
      return "unknown option " + a;
    } else {
      out.paths.push_back(a);
    }
  }
  if (!out.help && out.paths.empty() && !out.swarm) return "no scenario file or directory given (or --swarm)";
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

std::string format_sim_time(int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(micros) / 1e6);
  return buf;
}

struct Row {
  std::string name;
  uint64_t runs = 0, passed = 0, events = 0;
  int64_t sim_micros = 0;
  std::string first_hash;
};

}  // namespace

void print_run_help(std::ostream& out) {
  out << "usage: shapesim run [FILE|DIR ...] [--swarm] [--seed N | --seeds A..B] [--trace FILE]\n"
         "                    [--verify-determinism] [--shrink-dir DIR] [--plant BUG]\n"
         "\n"
         "Replays scenarios in the deterministic simulator (embedded store on a simulated disk,\n"
         "simulated network with faults). Each run has a fault phase, where safety invariants are\n"
         "checked on every update, and a heal phase, where faults stop and every client must\n"
         "converge. A directory means every *.json file under it. The same scenario and seed always\n"
         "produce the same trace hash.\n"
         "\n"
         "  --seed N              run with seed N (default 1)\n"
         "  --seeds A..B          run with every seed from A to B inclusive\n"
         "  --swarm               also run one generated scenario per seed (swarm testing: each\n"
         "                        seed draws which faults are on and their rates)\n"
         "  --trace FILE          write every trace event as JSON lines to FILE\n"
         "  --verify-determinism  run every (scenario, seed) twice; on a difference name the first\n"
         "                        divergent event\n"
         "  --shrink-dir DIR      shrink each failure to a minimal scenario file written to DIR\n"
         "  --plant BUG           turn on a planted bug (to see the simulator find it): " +
                planted_bug_names() +
                "\n"
                "\n"
                "Exit status: 0 all runs passed; 1 a safety violation, failed expectation or setup\n"
                "error; 2 bad arguments or an invalid scenario file; 3 only liveness failures (a client\n"
                "did not converge after the faults stopped); 4 nondeterminism.\n";
}

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  RunArgs a;
  if (auto e = parse_args(args, a)) {
    err << "shapesim run: " << *e << "\n\n";
    print_run_help(err);
    return kExitUsage;
  }
  if (a.help) {
    print_run_help(out);
    return kExitPassed;
  }
  std::vector<std::string> files;
  if (auto e = collect_files(a.paths, files)) {
    err << "shapesim run: " << *e << "\n";
    return kExitUsage;
  }
  std::vector<std::pair<ScenarioSource, Scenario>> fixed;
  for (const auto& f : files) {
    auto s = load_scenario_file(f);
    if (!s.ok()) {
      err << "shapesim run: " << s.status().message() << "\n";
      return kExitUsage;
    }
    fixed.emplace_back(ScenarioSource{false, f}, std::move(*s));
  }
  if (a.shrink_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*a.shrink_dir, ec);
    if (ec) {
      err << "shapesim run: cannot create " << *a.shrink_dir << ": " << ec.message() << "\n";
      return kExitUsage;
    }
  }
  std::ofstream trace_file;
  if (a.trace_path) {
    trace_file.open(*a.trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      err << "shapesim run: cannot write trace file " << *a.trace_path << "\n";
      return kExitUsage;
    }
  }
  Trace::Sink sink;
  if (trace_file.is_open()) sink = [&trace_file](std::string_view line) { trace_file << line << '\n'; };

  // Wall time is measured here, in the driver; the simulation itself never reads a clock.
  auto wall_start = std::chrono::steady_clock::now();
  const uint64_t seeds = a.last_seed - a.first_seed + 1;
  const uint64_t total = seeds * (fixed.size() + (a.swarm ? 1 : 0));
  uint64_t done = 0, total_events = 0;
  int64_t sim_total = 0;
  std::map<RunOutcome, uint64_t> outcomes;
  uint64_t nondeterministic = 0;
  std::array<uint64_t, kProbeCount> probe_runs{};  // runs that reached each probe
  std::map<std::string, std::vector<Duration>> delays;  // over every run, by kind
  std::vector<Row> rows;
  std::vector<std::string> failure_lines;
  auto last_progress = wall_start;

  auto run_one = [&](const ScenarioSource& source, const Scenario& s, uint64_t seed, Row& row) {
    // With --verify-determinism the run also keeps its lines and per-event hashes, and one
    // more replay is compared with it.
    std::vector<std::string> lines;
    Trace::Sink run_sink = sink;
    if (a.verify_determinism) {
      run_sink = [&lines, &sink](std::string_view l) {
        lines.emplace_back(l);
        if (sink) sink(l);
      };
    }
    RunResult r = run_scenario(s, {.seed = seed, .trace_sink = run_sink, .keep_event_hashes = a.verify_determinism});
    if (a.verify_determinism) {
      if (auto d = first_divergence(s, seed, r, lines)) {
        ++nondeterministic;
        r.passed = false;
        r.failures.push_back("nondeterminism: " + *d);
      }
    }
    ++row.runs;
    row.events += r.events;
    row.sim_micros += r.sim_end.micros;
    if (row.first_hash.empty()) row.first_hash = r.trace_hash;
    total_events += r.events;
    sim_total += r.sim_end.micros;
    ++outcomes[r.outcome];
    for (size_t p = 0; p < kProbeCount; ++p) probe_runs[p] += r.probes[p] > 0;
    for (const auto& [kind, ds] : r.delays) delays[kind].insert(delays[kind].end(), ds.begin(), ds.end());
    if (r.passed) {
      ++row.passed;
    } else {
      failure_lines.push_back("FAIL " + s.name + " seed=" + std::to_string(seed) + " (" + run_outcome_name(r.outcome) +
                              "):");
      for (const auto& f : r.failures) failure_lines.push_back("  " + f);
      failure_lines.push_back("  replay: " + replay_command(source, seed, a.plant));
      if (a.shrink_dir && r.outcome != RunOutcome::kPassed) {
        auto j = load_scenario_json(source, seed);
        if (j.ok()) {
          ShrinkResult shrunk = shrink_scenario(*j, seed, r.failure_kind);
          std::string path = *a.shrink_dir + "/" + s.name + "-seed" + std::to_string(seed) + "-shrunk.json";
          std::ofstream(path) << shrunk.scenario.dump(2) << "\n";
          failure_lines.push_back("  shrunk: " + std::to_string(shrunk.steps_before) + " -> " +
                                  std::to_string(shrunk.steps_after) + " steps, " + std::to_string(shrunk.clients_before) +
                                  " -> " + std::to_string(shrunk.clients_after) + " clients (" +
                                  std::to_string(shrunk.runs) + " replays): " + path);
          failure_lines.push_back("  replay shrunk: " + replay_command({false, path}, seed, a.plant));
        }
      }
    }
    ++done;
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_progress >= std::chrono::seconds(2)) {
      last_progress = now;
      double wall = std::chrono::duration<double>(now - wall_start).count();
      err << "progress: " << done << "/" << total << " runs, " << (done - outcomes[RunOutcome::kPassed])
          << " failed, " << static_cast<uint64_t>(static_cast<double>(done) / wall) << " runs/s\n";
    }
  };

  for (const auto& [source, s] : fixed) {
    Row row{s.name};
    for (uint64_t seed = a.first_seed; seed <= a.last_seed; ++seed) run_one(source, s, seed, row);
    rows.push_back(std::move(row));
  }
  if (a.swarm) {
    Row row{"swarm"};
    for (uint64_t seed = a.first_seed; seed <= a.last_seed; ++seed) {
      auto s = load_scenario({true, ""}, seed);
      if (!s.ok()) {
        err << "shapesim run: swarm seed " << seed << ": " << s.status().message() << "\n";
        return kExitUsage;
      }
      run_one({true, ""}, *s, seed, row);
    }
    rows.push_back(std::move(row));
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  char line[320];
  std::snprintf(line, sizeof line, "%-40s %7s %7s %7s %10s %10s  %s\n", "scenario", "seeds", "passed", "failed",
                "events", "sim time", "trace hash (first seed)");
  out << line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-40s %7llu %7llu %7llu %10llu %10s  %s\n", r.name.c_str(),
                  static_cast<unsigned long long>(r.runs), static_cast<unsigned long long>(r.passed),
                  static_cast<unsigned long long>(r.runs - r.passed), static_cast<unsigned long long>(r.events),
                  format_sim_time(r.sim_micros).c_str(), r.first_hash.c_str());
    out << line;
  }
  uint64_t failed = total - outcomes[RunOutcome::kPassed] + nondeterministic;
  std::snprintf(line, sizeof line,
                "\n%llu runs (seeds %llu..%llu): %llu passed, %llu failed (%llu safety, %llu liveness, %llu expectation, "
                "%llu setup, %llu nondeterministic)\n",
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(a.first_seed),
                static_cast<unsigned long long>(a.last_seed), static_cast<unsigned long long>(total - failed),
                static_cast<unsigned long long>(failed),
                static_cast<unsigned long long>(outcomes[RunOutcome::kSafetyViolation]),
                static_cast<unsigned long long>(outcomes[RunOutcome::kLivenessFailure]),
                static_cast<unsigned long long>(outcomes[RunOutcome::kExpectationFailed]),
                static_cast<unsigned long long>(outcomes[RunOutcome::kSetupError]),
                static_cast<unsigned long long>(nondeterministic));
  out << line;
  std::snprintf(line, sizeof line,
                "speed: %llu events, %.1f s simulated in %.2f s wall (%.0fx real time, %.0f events/s)\n",
                static_cast<unsigned long long>(total_events), static_cast<double>(sim_total) / 1e6, wall,
                wall > 0 ? static_cast<double>(sim_total) / 1e6 / wall : 0.0,
                wall > 0 ? static_cast<double>(total_events) / wall : 0.0);
  out << line;
  // Freshness: how long changes, revocations and confirmations took (simulated time).
  for (auto& [kind, ds] : delays) {
    if (ds.empty()) continue;
    std::sort(ds.begin(), ds.end(), [](Duration a, Duration b) { return a.micros < b.micros; });
    auto at = [&](double q) { return static_cast<double>(ds[std::min(ds.size() - 1, static_cast<size_t>(q * static_cast<double>(ds.size())))].micros) / 1000.0; };
    std::snprintf(line, sizeof line, "%s delays: %zu, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", kind.c_str(), ds.size(),
                  at(0.5), at(0.9), at(0.99), static_cast<double>(ds.back().micros) / 1000.0);
    out << line;
  }
  std::vector<std::string> missed;
  for (size_t p = 0; p < kProbeCount; ++p) {
    if (probe_runs[p] == 0) missed.push_back(probe_name(static_cast<Probe>(p)));
  }
  out << "coverage probes: " << (kProbeCount - missed.size()) << "/" << kProbeCount << " reached";
  if (missed.empty()) {
    out << "\n";
  } else {
    out << "; never reached:";
    for (const auto& m : missed) out << " " << m;
    out << "\n";
  }
  if (!failure_lines.empty()) {
    out << "\n";
    for (const auto& f : failure_lines) out << f << "\n";
  }
  if (nondeterministic > 0) return kExitNondeterminism;
  uint64_t liveness = outcomes[RunOutcome::kLivenessFailure];
  if (failed == 0) return kExitPassed;
  return failed == liveness ? kExitLiveness : kExitFailed;
}

}  // namespace shapesim::tools
