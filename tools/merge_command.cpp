#include "tools/merge_command.h"

#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "tools/cli.h"
#include "tools/run_summary.h"
#include "tools/sim_command_support.h"

namespace shapesim::tools {

void print_merge_help(std::ostream& out) {
  out << "usage: shapesim merge FILE... [--json OUT]\n"
         "\n"
         "Combines the records `shapesim run --json FILE` wrote (one file per shard, or any runs of\n"
         "one batch) and prints the summary one run over all of them prints: runs per scenario,\n"
         "outcomes, delay distributions, coverage probes never reached and every failure with\n"
         "the command that replays it. A run that appears in two files is an error (shards\n"
         "overlap); so is a scenario index that names two scenarios (files from different batches).\n"
         "\n"
         "  --json OUT   also write the merged records, in batch order, to OUT\n"
         "\n"
         "Exit status as shapesim run: 0 all runs passed; 1 a failure; 2 bad arguments or an\n"
         "unreadable file; 3 only liveness failures; 4 nondeterminism.\n";
}

int merge_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"shapesim merge"};
  app.set_help_flag();  // its own --help text
  bool help = false;
  std::vector<std::string> files;
  std::optional<std::string> json_out;
  app.add_flag("-h,--help", help);
  app.add_option("--json", json_out);
  app.add_option("files", files);
  auto e = parse_cli(app, args, {{"--json", "--json needs a file name"}});
  if (!e && !help && files.empty()) e = "give the --json files of the runs to merge";
  if (e) {
    err << "shapesim merge: " << *e << "\n\n";
    print_merge_help(err);
    return kExitUsage;
  }
  if (help) {
    print_merge_help(out);
    return kExitPassed;
  }
  std::vector<RunRecord> records;
  for (const auto& f : files) {
    if (Status st = read_records(f, records); !st.ok()) {
      err << "shapesim merge: " << st.message() << "\n";
      return kExitUsage;
    }
  }
  std::map<uint64_t, std::string> scenario_of_index;
  std::set<std::pair<uint64_t, uint64_t>> seen;
  uint64_t first = UINT64_MAX, last = 0;
  int64_t wall_us = 0;
  for (const auto& r : records) {
    auto [it, added] = scenario_of_index.emplace(r.index, r.scenario);
    if (!added && it->second != r.scenario) {
      err << "shapesim merge: scenario index " << r.index << " is \"" << it->second << "\" in one file and \"" << r.scenario
          << "\" in another: these records come from different batches\n";
      return kExitUsage;
    }
    if (!seen.insert({r.index, r.seed}).second) {
      err << "shapesim merge: " << r.scenario << " seed " << r.seed << " appears twice: the shards overlap\n";
      return kExitUsage;
    }
    first = std::min(first, r.seed);
    last = std::max(last, r.seed);
    wall_us += r.wall_us;
  }
  sort_records(records);
  if (json_out) {
    std::ofstream o(*json_out, std::ios::binary | std::ios::trunc);
    if (!o) {
      err << "shapesim merge: cannot write " << *json_out << "\n";
      return kExitUsage;
    }
    for (const auto& r : records) o << record_to_json(r).dump() << "\n";
  }
  std::string seeds = records.empty() ? std::string("no seeds") : "seeds " + std::to_string(first) + ".." + std::to_string(last);
  // Wall time: the runs' own, summed (the shards may have run side by side).
  return print_summary(std::move(records), {.seeds = seeds, .wall_seconds = static_cast<double>(wall_us) / 1e6}, out);
}

}  // namespace shapesim::tools
