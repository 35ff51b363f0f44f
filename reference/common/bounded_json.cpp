#include "reference/common/bounded_json.h"

#include <string>

namespace shapesim {

size_t json_nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return limit + 1;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<nlohmann::json> parse_bounded_json(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) {
    return invalid_argument("nests arrays and objects deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid_argument("is not valid JSON");
  return j;
}

std::string describe_json(const nlohmann::json& j) {
  constexpr size_t kShown = 40;
  if (j.is_object()) return "a JSON object";
  if (j.is_array()) return "a JSON array";
  std::string text = j.dump();  // a scalar: no recursion
  if (text.size() > kShown) text = text.substr(0, kShown) + "...";
  return "JSON value " + text;
}

}  // namespace shapesim
