// `shapesim run`: replays scenario files in simulation over one seed or a range of seeds,
// prints progress, a summary table and, for every failure, the command that reproduces it.
// Exit codes: 0 all passed, 1 some run failed, 2 usage or scenario-file error.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
void print_run_help(std::ostream& out);

}  // namespace shapesim::tools
