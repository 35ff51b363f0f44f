// `shapesim serve`: the shape API and the write endpoint over real HTTP on 127.0.0.1.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int serve_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
void print_serve_help(std::ostream& out);

}  // namespace shapesim::tools
