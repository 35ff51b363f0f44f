// mutate_json(): one random edit of a JSON text, for tests that run two parsers of the same
// format side by side (a streaming parser against its DOM reference): either the value after
// a ':', '[' or ',' replaced by one of `tokens`, or the text cut short (one draw in
// `cut_one_in`). nullopt when the drawn place has no value after it. Deterministic: the edit
// depends only on the generator's state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/common/random.h"

namespace shapesim::testing {

inline std::optional<std::string> mutate_json(std::string body, const std::vector<std::string>& tokens, Random& rng,
                                              uint64_t cut_one_in) {
  if (body.empty() || tokens.empty()) return std::nullopt;
  if (rng.uniform(0, cut_one_in - 1) == cut_one_in - 1) {
    body.resize(rng.uniform(0, body.size()));
    return body;
  }
  size_t at = rng.uniform(0, body.size() - 1);
  while (at < body.size() && body[at] != ':' && body[at] != '[' && body[at] != ',') ++at;
  if (at + 1 >= body.size()) return std::nullopt;
  size_t start = at + 1, end = start;
  if (body[start] == '"') {  // a string: up to its closing quote
    end = body.find('"', start + 1);
    while (end != std::string::npos && body[end - 1] == '\\') end = body.find('"', end + 1);
    end = end == std::string::npos ? body.size() : end + 1;
  } else {  // a scalar or the opening of a container: up to the next separator
    while (end < body.size() && body[end] != ',' && body[end] != '}' && body[end] != ']') ++end;
  }
  return body.substr(0, start) + tokens[rng.uniform(0, tokens.size() - 1)] + body.substr(end);
}

}  // namespace shapesim::testing
