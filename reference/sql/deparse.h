// A WHERE syntax tree rendered back to text, and the one way to AND a scope onto a caller's
// WHERE: as trees, never as pasted text (a narrowing "true) OR (true" once escaped its
// parentheses and read another organization's rows).
//
//   auto tree = parse_where("title ILIKE $1 OR done");
//   to_where_text(**tree) == "((\"title\" ILIKE $1) OR \"done\")"
//   and_scope("done = false", 0, "organization_id", 1)
//       == "((\"done\" = false) AND (\"organization_id\" = $1))"
//
// Contract: parse_where(to_where_text(t)) gives back `t` (positions aside; a typed literal
// comes back as the cast it checks as), so the text means exactly what the tree means.
// Every compound node is parenthesized: the text's structure never depends on precedence.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "reference/common/status.h"
#include "reference/sql/ast.h"

namespace shapesim::sql {

// Recursion: as deep as the tree, which parse_where bounds (kMaxExpressionHeight).
std::string to_where_text(const Node& root);

// `narrowing AND "column" = $scope_param`, built as one tree and rendered. The narrowing must
// parse alone as one complete expression, and may name only $1..$bound_params (the params
// its caller supplied); an empty narrowing is the scope alone. Errors name the problem
// (InvalidArgument, the parser's position where there is one).
Result<std::string> and_scope(std::string_view narrowing, size_t bound_params, const std::string& column,
                              size_t scope_param);

// Structural equality, positions aside (a kCast's text is the typed literal it came from).
bool same_tree(const Node& a, const Node& b);

// The column names a tree refers to (as the checker resolves them: case-folded unless quoted).
std::set<std::string> columns_named(const Node& root);

// The highest $n in the tree (0: none).
size_t highest_param(const Node& root);

}  // namespace shapesim::sql
