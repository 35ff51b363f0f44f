// The `shapesim` command line: dispatches to subcommands.
#include <iostream>
#include <string>
#include <vector>

#include "tools/client_command.h"
#include "tools/conform_command.h"
#include "tools/merge_command.h"
#include "tools/replay_command.h"
#include "tools/run_command.h"
#include "tools/serve_command.h"

namespace {

void print_help(std::ostream& out) {
  out << "shapesim - a deterministic simulator and reference implementation for Postgres shape sync\n"
         "\n"
         "usage: shapesim <command> [options]\n"
         "\n"
         "commands:\n"
         "  run      run scenario files or swarm seeds in simulation and check invariants (shapesim run --help)\n"
         "  merge    combine the --json records of sharded runs into one summary (shapesim merge --help)\n"
         "  replay   replay one scenario and seed, check determinism, write traces (shapesim replay --help)\n"
         "  shrink   reduce a failing scenario and seed to a minimal scenario file (shapesim shrink --help)\n"
         "  serve    serve the shape API and write endpoint over HTTP (shapesim serve --help)\n"
         "  client   sync a shape of a running server into a local file, write through the outbox (shapesim client --help)\n"
         "  conform  run scenario files against a live deployment in real time, JUnit output (shapesim conform --help)\n"
         "  version  print the version\n"
         "  help     print this help\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    print_help(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "run") return shapesim::tools::run_command(rest, std::cout, std::cerr);
  if (command == "merge") return shapesim::tools::merge_command(rest, std::cout, std::cerr);
  if (command == "client") return shapesim::tools::client_command(rest, std::cout, std::cerr);
  if (command == "conform") return shapesim::tools::conform_command(rest, std::cout, std::cerr);
  if (command == "replay") return shapesim::tools::replay_command(rest, std::cout, std::cerr);
  if (command == "shrink") return shapesim::tools::shrink_command(rest, std::cout, std::cerr);
  if (command == "serve") return shapesim::tools::serve_command(rest, std::cout, std::cerr);
  if (command == "version" || command == "--version") {
    std::cout << "shapesim " << SHAPESIM_VERSION << "\n";
    return 0;
  }
  std::cerr << "shapesim: unknown command \"" << command << "\"\n\n";
  print_help(std::cerr);
  return 2;
}
