// Command-line parsing for the `shapesim` commands, on CLI11. Each command declares its
// options on a CLI::App; parse_cli runs it and turns CLI11's exceptions into the one-line
// errors shapesim has always printed ("unknown option --x", "--seed needs ..."), so what users
// see does not depend on the library's wording. Help is each command's own text (-h/--help).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace shapesim::tools {

// A command's app: call `app.set_help_flag()` before adding its own -h/--help flag.
// Parses `args` (in order). `value_errors` maps a value-taking option to the error printed when
// it is given without a value (e.g. {"--seed", "--seed needs a non-negative integer"}).
// Returns the error, or nullopt.
std::optional<std::string> parse_cli(CLI::App& app, std::vector<std::string> args,
                                     const std::map<std::string, std::string>& value_errors);

}  // namespace shapesim::tools
