// `shapesim merge FILE...`: combines the --json records of shards (or of any runs of one
// batch) into the summary one big run prints: the same table, outcomes, delay distributions,
// probe coverage and failure list (docs/campaigns.md). Exit codes as `shapesim run`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace shapesim::tools {

int merge_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
void print_merge_help(std::ostream& out);

}  // namespace shapesim::tools
