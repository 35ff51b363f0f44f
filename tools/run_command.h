// `shapesim run`: replays scenario files (or swarm-generated scenarios) in simulation over
// one seed or a range of seeds, prints progress, a summary (runs, failures with the command
// that replays each, coverage probes never reached, speed) and optionally shrinks failures.
// Exit codes: 0 all passed, 1 a safety/expectation failure, 2 usage or scenario-file error,
// 3 only liveness failures, 4 nondeterminism.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
void print_run_help(std::ostream& out);

}  // namespace shapesim::tools
