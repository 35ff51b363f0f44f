// `shapesim conform`: scenario files against a live deployment, in real time (a driver of
// reference/client over reference/net).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int conform_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace shapesim::tools
