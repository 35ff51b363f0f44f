#include "tools/cli.h"

#include <algorithm>

namespace shapesim::tools {

std::optional<std::string> parse_cli(CLI::App& app, std::vector<std::string> args,
                                     const std::map<std::string, std::string>& value_errors) {
  // An option that takes a value, given last with none: the command's own words.
  if (!args.empty()) {
    auto it = value_errors.find(args.back());
    if (it != value_errors.end()) return it->second;
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ExtrasError&) {
    for (const auto& a : app.remaining()) {
      if (!a.empty() && a[0] == '-') return "unknown option " + a;
    }
    return "unexpected argument " + (app.remaining().empty() ? std::string() : app.remaining().front());
  } catch (const CLI::ArgumentMismatch& e) {
    std::string what = e.what();
    for (const auto& [option, message] : value_errors) {
      if (what.rfind(option + ":", 0) == 0) return message;
    }
    return what;
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace shapesim::tools
