#include "reference/sql/where_error.h"

#include <algorithm>

namespace shapesim::sql {

namespace {

// UTF-8 characters in `text` (continuation bytes are not counted).
size_t characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

Status syntax_error(std::string_view where, size_t byte_pos, const std::string& message) {
  size_t location = kSyntaxErrorLocationBase + characters(where.substr(0, std::min(byte_pos, where.size())));
  return invalid_argument("At location " + std::to_string(location) + ": " + message);
}

Status semantic_error(size_t byte_pos, const std::string& message) {
  return invalid_argument("At location " + std::to_string(byte_pos) + ": " + message);
}

}  // namespace shapesim::sql
