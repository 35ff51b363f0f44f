// `shapesim replay` replays one (scenario, seed) twice, checks the two runs agree event by
// event (naming the first divergent event if not), prints the outcome and writes the trace
// as JSON lines and/or a Chrome/Perfetto timeline. `shapesim shrink` reduces a failing
// (scenario, seed) to a minimal scenario file.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int replay_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int shrink_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace shapesim::tools
