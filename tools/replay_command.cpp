#include "tools/replay_command.h"

#include <fstream>
#include <map>
#include <optional>

#include "reference/common/log_offset.h"
#include "scenarios/shrink.h"
#include "tools/cli.h"
#include "tools/sim_command_support.h"

namespace shapesim::tools {

namespace {

struct ReplayArgs {
  ScenarioSource source;
  bool have_source = false;
  std::optional<uint64_t> seed;
  std::optional<std::string> trace, chrome, scenario_out, output, plant;
  bool help = false;
};

std::optional<std::string> parse(const std::vector<std::string>& args, ReplayArgs& out, bool shrinking) {
  CLI::App app{shrinking ? "shapesim shrink" : "shapesim replay"};
  app.set_help_flag();  // its own --help text
  std::optional<std::string> seed, plant;
  std::vector<std::string> files;
  app.add_flag("-h,--help", out.help);
  app.add_flag("--swarm", out.source.swarm);
  app.add_option("--seed", seed);
  app.add_option("--plant", plant);
  std::map<std::string, std::string> value_errors = {
      {"--seed", "--seed needs a non-negative integer"},
      {"--plant", "--plant needs a bug name (" + planted_bug_names() + ")"}};
  if (shrinking) {
    app.add_option("-o,--output", out.output);
    value_errors["-o"] = "-o needs a file name";
    value_errors["--output"] = "--output needs a file name";
  } else {
    app.add_option("--trace", out.trace);
    app.add_option("--chrome", out.chrome);
    app.add_option("--write-scenario", out.scenario_out);
    for (const char* o : {"--trace", "--chrome", "--write-scenario"}) value_errors[o] = std::string(o) + " needs a file name";
  }
  app.add_option("file", files);
  if (auto e = parse_cli(app, args, value_errors)) return e;
  if (files.size() + (out.source.swarm ? 1 : 0) > 1) return "give one scenario file or --swarm";
  out.have_source = out.source.swarm || !files.empty();
  if (!files.empty()) out.source.path = files.front();
  if (seed) {
    uint64_t v = 0;
    if (!parse_uint64(*seed, v)) return "--seed needs a non-negative integer";
    out.seed = v;
  }
  if (plant) {
    if (auto e = parse_planted_bug(*plant)) return *e;
    out.plant = *plant;
  }
  if (out.help) return std::nullopt;
  if (!out.have_source) return "no scenario file given (or --swarm)";
  if (!out.seed) return "--seed N is required";
  if (shrinking && !out.output) return "-o FILE is required (where the shrunk scenario goes)";
  return std::nullopt;
}

void print_replay_help(std::ostream& out) {
  out << "usage: shapesim replay (FILE | --swarm) --seed N [--trace FILE.jsonl] [--chrome FILE.json]\n"
         "                       [--write-scenario FILE] [--plant BUG]\n"
         "\n"
         "Replays one scenario (a file, or the one swarm testing generates for the seed) with one\n"
         "seed, twice: the runs must agree event by event (a rolling hash per event; on a difference\n"
         "the first divergent event is printed). Prints the outcome and every failure.\n"
         "\n"
         "  --trace FILE           the run's trace as JSON lines (simulated time in microseconds)\n"
         "  --chrome FILE          the trace as a Chrome/Perfetto timeline (ui.perfetto.dev)\n"
         "  --write-scenario FILE  the scenario played (for --swarm: the generated one)\n"
         "  --plant BUG            turn on a planted bug: " + planted_bug_names() + "\n"
         "\n"
         "Exit status: 0 passed, 1 safety/expectation failure, 2 usage, 3 liveness failure,\n"
         "4 nondeterminism.\n";
}

void print_shrink_help(std::ostream& out) {
  out << "usage: shapesim shrink (FILE | --swarm) --seed N -o OUT.json [--plant BUG]\n"
         "\n"
         "Reduces a failing run to a minimal scenario that fails the same way (same first violated\n"
         "invariant, or liveness) with the same seed: drops steps, clients, mutations, fault knobs\n"
         "and seed rows, shortens waits. Writes OUT.json; replay it with\n"
         "`shapesim replay OUT.json --seed N`.\n"
         "\n"
         "Exit status: 0 shrunk and written, 1 the run does not fail, 2 usage.\n";
}

}  // namespace

int replay_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ReplayArgs a;
  if (auto e = parse(args, a, false)) {
    err << "shapesim replay: " << *e << "\n\n";
    print_replay_help(err);
    return kExitUsage;
  }
  if (a.help) {
    print_replay_help(out);
    return kExitPassed;
  }
  auto j = load_scenario_json(a.source, *a.seed);
  if (!j.ok()) {
    err << "shapesim replay: " << j.status().message() << "\n";
    return kExitUsage;
  }
  auto scenario = parse_scenario(*j, a.source.swarm ? "swarm seed " + std::to_string(*a.seed) : a.source.path);
  if (!scenario.ok()) {
    err << "shapesim replay: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  if (a.scenario_out) std::ofstream(*a.scenario_out) << j->dump(2) << "\n";
  std::vector<std::string> lines;
  RunResult r = run_scenario(*scenario, {.seed = *a.seed,
                                         .trace_sink = [&lines](std::string_view l) { lines.emplace_back(l); },
                                         .keep_event_hashes = true});
  out << scenario->name << " seed=" << *a.seed << ": " << run_outcome_name(r.outcome) << ", " << r.events
      << " events, " << format_timestamp(r.sim_end) << " simulated, trace hash " << r.trace_hash << "\n";
  for (const auto& f : r.failures) out << "  " << f << "\n";
  if (a.trace && !write_lines(*a.trace, lines)) {
    err << "shapesim replay: cannot write " << *a.trace << "\n";
    return kExitUsage;
  }
  if (a.chrome) {
    std::string error;
    if (!write_chrome_trace(*a.chrome, lines, error)) {
      err << "shapesim replay: " << error << "\n";
      return kExitUsage;
    }
  }
  if (auto d = first_divergence(*scenario, *a.seed, r, lines)) {
    out << "NONDETERMINISM: " << *d << "\n";
    return kExitNondeterminism;
  }
  out << "deterministic: a second replay matched event for event (" << lines.size() << " events)\n";
  return exit_code_for(r.outcome);
}

int shrink_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ReplayArgs a;
  if (auto e = parse(args, a, true)) {
    err << "shapesim shrink: " << *e << "\n\n";
    print_shrink_help(err);
    return kExitUsage;
  }
  if (a.help) {
    print_shrink_help(out);
    return kExitPassed;
  }
  auto j = load_scenario_json(a.source, *a.seed);
  auto scenario = j.ok() ? parse_scenario(*j, "scenario") : Result<Scenario>(j.status());
  if (!scenario.ok()) {
    err << "shapesim shrink: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  RunResult first = run_scenario(*scenario, {.seed = *a.seed});
  if (first.passed) {
    out << scenario->name << " seed=" << *a.seed << " passes: nothing to shrink\n";
    return kExitFailed;
  }
  out << scenario->name << " seed=" << *a.seed << " fails (" << first.failure_kind << "): " << first.failures.front()
      << "\n";
  ShrinkResult r = shrink_scenario(*j, *a.seed, first.failure_kind,
                                   {.on_progress = [&err](const std::string& p) { err << "shrinking: " << p << "\n"; }});
  std::ofstream file(*a.output);
  file << r.scenario.dump(2) << "\n";
  if (!file) {
    err << "shapesim shrink: cannot write " << *a.output << "\n";
    return kExitUsage;
  }
  out << "shrunk in " << r.runs << " replays: " << r.steps_before << " -> " << r.steps_after << " steps, "
      << r.clients_before << " -> " << r.clients_after << " clients, " << r.bytes_before << " -> " << r.bytes_after
      << " bytes\n";
  for (const auto& f : r.run.failures) out << "  " << f << "\n";
  out << "wrote " << *a.output << "; replay: " << replay_command({false, *a.output}, *a.seed, a.plant) << "\n";
  return kExitPassed;
}

}  // namespace shapesim::tools
