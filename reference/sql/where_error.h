// Errors in a WHERE clause, worded as PostgreSQL words them and placed the way Electric
// reports them (clients and users match on this form):
//
//   At location 21: syntax error at or near "="          (where = "id = = 1")
//   At location 0: column "nope" does not exist           (where = "nope = 1")
//
// Electric parses "SELECT 1 WHERE <where>". A syntax error (from the scanner or grammar)
// carries PostgreSQL's cursor position in that statement: 1-based, in characters, so
// N = 16 + the characters before the offending token. Any other error carries the offending
// node's 0-based byte offset inside <where>.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "reference/common/status.h"

namespace shapesim::sql {

// Characters of "SELECT 1 WHERE " plus one (PostgreSQL's cursor positions are 1-based).
inline constexpr size_t kSyntaxErrorLocationBase = 16;

Status syntax_error(std::string_view where, size_t byte_pos, const std::string& message);
Status semantic_error(size_t byte_pos, const std::string& message);

}  // namespace shapesim::sql
