// The summary of a batch of simulated runs, computed from their records alone (run_record.h):
// a row per scenario (in batch order), outcomes, speed, delay distributions, coverage probes
// never reached and every failure with the command that replays it. `shapesim run` prints it
// for the runs it made, `shapesim merge` for the records of many shards: the same records
// print the same summary, whatever process or machine made them.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "tools/run_record.h"

namespace shapesim::tools {

struct SummaryOptions {
  std::string seeds;          // how the seeds are described ("seeds 1..100", "seeds 1..100, shard 2/4")
  double wall_seconds = 0;    // the batch's wall time, for the speed line
};

// Prints the summary of `records` (any order) and returns the batch's exit code (kExitPassed,
// kExitFailed, kExitLiveness or kExitNondeterminism).
int print_summary(std::vector<RunRecord> records, const SummaryOptions& options, std::ostream& out);

// Sorts records into batch order: by scenario index, then seed.
void sort_records(std::vector<RunRecord>& records);

}  // namespace shapesim::tools
