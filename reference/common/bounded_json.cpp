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
  // A scalar: no recursion; a long string is cut before it is quoted, not after.
  bool cut = j.is_string() && j.get_ref<const std::string&>().size() > kShown;
  // (A cut may split a UTF-8 character: replace it rather than throw.)
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  std::string text = cut ? nlohmann::json(j.get_ref<const std::string&>().substr(0, kShown)).dump(-1, ' ', false, kReplace)
                         : j.dump(-1, ' ', false, kReplace);
  if (text.size() > kShown) text = text.substr(0, kShown) + "...";
  else if (cut) text += "...";
  return "JSON value " + text;
}

}  // namespace shapesim
