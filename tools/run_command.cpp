#include "tools/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "scenarios/shrink.h"
#include "tools/cli.h"
#include "tools/run_summary.h"
#include "tools/run_workers.h"
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
  std::optional<std::string> json_path;
  bool verify_determinism = false;
  bool help = false;
  uint64_t jobs = 1;
  uint64_t shard = 1, shards = 1;  // --shard K/N
};

bool parse_seed_range(const std::string& text, uint64_t& a, uint64_t& b) {
  auto dots = text.find("..");
  if (dots == std::string::npos) return false;
  return parse_uint64(text.substr(0, dots), a) && parse_uint64(text.substr(dots + 2), b) && a <= b;
}

uint64_t local_cores() {
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<uint64_t>(n) : 1;
}

std::optional<std::string> parse_args(const std::vector<std::string>& args, RunArgs& out) {
  CLI::App app{"shapesim run"};
  app.set_help_flag();  // its own --help text
  std::optional<std::string> seed, seeds, jobs, shard, plant;
  app.add_flag("-h,--help", out.help);
  app.add_flag("--swarm", out.swarm);
  app.add_flag("--verify-determinism", out.verify_determinism);
  app.add_option("--seed", seed);
  app.add_option("--seeds", seeds);
  app.add_option("--trace", out.trace_path);
  app.add_option("--shrink-dir", out.shrink_dir);
  app.add_option("--plant", plant);
  app.add_option("--json", out.json_path);
  app.add_option("--jobs,-j", jobs);
  app.add_option("--shard", shard);
  app.add_option("paths", out.paths);
  if (auto e = parse_cli(app, args, {{"--seed", "--seed needs a non-negative integer"},
                                     {"--seeds", "--seeds needs a range A..B with A <= B"},
                                     {"--trace", "--trace needs a file name"},
                                     {"--shrink-dir", "--shrink-dir needs a directory"},
                                     {"--plant", "--plant needs a bug name (" + planted_bug_names() + ")"},
                                     {"--json", "--json needs a file name"},
                                     {"--jobs", "--jobs needs a number of processes (0: one per core)"},
                                     {"-j", "--jobs needs a number of processes (0: one per core)"},
                                     {"--shard", "--shard needs K/N with 1 <= K <= N"}})) {
    return e;
  }
  if (seed) {
    if (!parse_uint64(*seed, out.first_seed)) return "--seed needs a non-negative integer";
    out.last_seed = out.first_seed;
  }
  if (seeds && !parse_seed_range(*seeds, out.first_seed, out.last_seed)) return "--seeds needs a range A..B with A <= B";
  if (plant) {
    if (auto e = parse_planted_bug(*plant)) return *e;
    out.plant = *plant;
  }
  if (jobs) {
    if (!parse_uint64(*jobs, out.jobs)) return "--jobs needs a number of processes (0: one per core)";
    if (out.jobs == 0) out.jobs = local_cores();
  }
  if (shard) {
    auto slash = shard->find('/');
    if (slash == std::string::npos || !parse_uint64(shard->substr(0, slash), out.shard) ||
        !parse_uint64(shard->substr(slash + 1), out.shards) || out.shard < 1 || out.shard > out.shards) {
      return "--shard needs K/N with 1 <= K <= N";
    }
  }
  if (out.trace_path && out.jobs > 1) return "--trace writes one file from one process: use it without --jobs";
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

struct Task {
  uint64_t index;  // scenario: a file's position, or fixed.size() for swarm
  uint64_t seed;
};

}  // namespace

void print_run_help(std::ostream& out) {
  out << "usage: shapesim run [FILE|DIR ...] [--swarm] [--seed N | --seeds A..B] [--trace FILE]\n"
         "                    [--verify-determinism] [--shrink-dir DIR] [--plant BUG]\n"
         "                    [--jobs N] [--shard K/N] [--json FILE]\n"
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
         "  --jobs N, -j N        run in N worker processes (0: one per core); the results are\n"
         "                        those of a serial run\n"
         "  --shard K/N           run only every N-th seed, starting with the K-th (K from 1): N\n"
         "                        shards together run every seed once (docs/campaigns.md)\n"
         "  --json FILE           write one JSON record per run to FILE (shapesim merge reads them)\n"
         "  --trace FILE          write every trace event as JSON lines to FILE (not with --jobs)\n"
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
  std::ofstream json_file;
  if (a.json_path) {
    json_file.open(*a.json_path, std::ios::binary | std::ios::trunc);
    if (!json_file) {
      err << "shapesim run: cannot write " << *a.json_path << "\n";
      return kExitUsage;
    }
  }
  Trace::Sink sink;
  if (trace_file.is_open()) sink = [&trace_file](std::string_view line) { trace_file << line << '\n'; };

  // The batch: every scenario (files in order, then swarm) with every seed of this shard.
  std::vector<Task> tasks;
  const uint64_t scenarios = fixed.size() + (a.swarm ? 1 : 0);
  for (uint64_t index = 0; index < scenarios; ++index) {
    for (uint64_t seed = a.first_seed; seed <= a.last_seed; ++seed) {
      if ((seed - a.first_seed) % a.shards == a.shard - 1) tasks.push_back({index, seed});
    }
  }
  auto source_of = [&](uint64_t index) { return index < fixed.size() ? fixed[index].first : ScenarioSource{true, ""}; };

  auto run_task = [&](size_t i) -> RunRecord {
    // Wall time is measured here, in the driver; the simulation itself never reads a clock.
    auto started = std::chrono::steady_clock::now();
    const Task t = tasks[i];
    const ScenarioSource source = source_of(t.index);
    std::optional<Scenario> generated;
    if (source.swarm) {
      auto s = load_scenario(source, t.seed);
      if (!s.ok()) {
        RunRecord r{.scenario = "swarm", .index = t.index, .swarm = true, .seed = t.seed, .outcome = RunOutcome::kSetupError};
        r.failure_kind = "setup";
        r.failures = {"cannot generate the swarm scenario: " + s.status().message()};
        return r;
      }
      generated = std::move(*s);
    }
    const Scenario& s = generated ? *generated : fixed[t.index].second;
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
    RunResult result = run_scenario(s, {.seed = t.seed, .trace_sink = run_sink, .keep_event_hashes = a.verify_determinism});
    RunRecord r = make_record(source.swarm ? "swarm" : s.name, t.index, source.swarm, source.path, t.seed, result);
    if (a.verify_determinism) {
      if (auto d = first_divergence(s, t.seed, result, lines)) {
        r.nondeterministic = true;
        r.passed = false;
        r.failures.push_back("nondeterminism: " + *d);
      }
    }
    if (!r.passed) {
      r.notes.push_back("replay: " + replay_command(source, t.seed, a.plant));
      if (a.shrink_dir && r.outcome != RunOutcome::kPassed) {
        auto j = load_scenario_json(source, t.seed);
        if (j.ok()) {
          ShrinkResult shrunk = shrink_scenario(*j, t.seed, r.failure_kind);
          std::string path = *a.shrink_dir + "/" + s.name + "-seed" + std::to_string(t.seed) + "-shrunk.json";
          std::ofstream(path) << shrunk.scenario.dump(2) << "\n";
          r.notes.push_back("shrunk: " + std::to_string(shrunk.steps_before) + " -> " + std::to_string(shrunk.steps_after) +
                            " steps, " + std::to_string(shrunk.clients_before) + " -> " +
                            std::to_string(shrunk.clients_after) + " clients (" + std::to_string(shrunk.runs) +
                            " replays): " + path);
          r.notes.push_back("replay shrunk: " + replay_command({false, path}, t.seed, a.plant));
        }
      }
    }
    r.wall_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    return r;
  };

  auto wall_start = std::chrono::steady_clock::now();
  auto last_progress = wall_start;
  uint64_t done = 0, failed = 0;
  auto on_record = [&](const RunRecord& r) {
    ++done;
    failed += r.passed ? 0 : 1;
    auto now = std::chrono::steady_clock::now();
    if (done < tasks.size() && now - last_progress >= std::chrono::seconds(2)) {
      last_progress = now;
      double wall = std::chrono::duration<double>(now - wall_start).count();
      err << "progress: " << done << "/" << tasks.size() << " runs, " << failed << " failed, "
          << static_cast<uint64_t>(static_cast<double>(done) / wall) << " runs/s\n";
    }
  };

  std::vector<RunRecord> records;
  if (a.jobs <= 1) {
    for (size_t i = 0; i < tasks.size(); ++i) {
      records.push_back(run_task(i));
      on_record(records.back());
    }
  } else {
    out.flush();
    err.flush();
    auto crashed = [&](size_t i, const std::string& why) {
      const Task t = tasks[i];
      const ScenarioSource source = source_of(t.index);
      RunRecord r{.scenario = source.swarm ? "swarm" : fixed[t.index].second.name, .index = t.index, .swarm = source.swarm,
                  .path = source.path, .seed = t.seed, .outcome = RunOutcome::kSafetyViolation};
      r.failure_kind = "crash";
      r.failures = {"crash: " + why};
      r.notes = {"replay: " + replay_command(source, t.seed, a.plant)};
      return r;
    };
    auto ran = run_in_workers(tasks.size(), static_cast<unsigned>(a.jobs), {run_task, crashed, on_record});
    if (!ran.ok()) {
      err << "shapesim run: " << ran.status().message() << "\n";
      return kExitUsage;
    }
    records = std::move(*ran);
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (json_file.is_open()) {
    for (const auto& r : records) json_file << record_to_json(r).dump() << "\n";
  }
  std::string seeds = "seeds " + std::to_string(a.first_seed) + ".." + std::to_string(a.last_seed);
  if (a.shards > 1) seeds += ", shard " + std::to_string(a.shard) + "/" + std::to_string(a.shards);
  return print_summary(std::move(records), {.seeds = seeds, .wall_seconds = wall}, out);
}

}  // namespace shapesim::tools
