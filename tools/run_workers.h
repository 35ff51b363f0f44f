// Runs a batch of simulated runs in worker processes (`shapesim run --jobs N`). This is a
// driver: it forks, and reads pipes; the simulation in each worker is the same deterministic
// code a serial run executes, so every record is identical to the serial one (only wall_us
// differs).
//
// Task i goes to worker i % jobs. A worker runs its tasks in order and writes, per task, a
// start line and then the record as one JSON line to its pipe. A worker that dies mid-task
// (an assertion, a signal) yields a failure record for that task (made by `crashed`), and a
// fresh worker takes the rest of its tasks: one bad seed never loses the batch.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "tools/run_record.h"

namespace shapesim::tools {

struct WorkerCallbacks {
  std::function<RunRecord(size_t task)> work;                           // in the worker
  std::function<RunRecord(size_t task, const std::string& why)> crashed;  // in the parent
  std::function<void(const RunRecord&)> on_record;                      // in the parent, as records arrive
};

// Returns one record per task, in task order. `jobs` >= 1; errors: fork or pipe failed.
Result<std::vector<RunRecord>> run_in_workers(size_t tasks, unsigned jobs, const WorkerCallbacks& callbacks);

}  // namespace shapesim::tools
