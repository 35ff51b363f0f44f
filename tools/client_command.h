// `shapesim client`: the client engine over real HTTP (a driver of reference/client).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int client_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace shapesim::tools
