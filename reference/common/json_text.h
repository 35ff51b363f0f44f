// Hand-written JSON text helpers for hot paths that emit JSON without building a DOM.
//   json_quote("a\"b") == "\"a\\\"b\""
#pragma once

#include <string>
#include <string_view>

namespace shapesim {

// Escapes `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);
// Appends json_quote(s) to `out` without a temporary.
void append_json_quoted(std::string& out, std::string_view s);

}  // namespace shapesim
