// The WHERE parser: text -> syntax tree, with PostgreSQL's operator precedence
// (OR < AND < NOT < IS < comparison < LIKE/IN/BETWEEN < other operators < + - < * / % < ^
// < unary minus < :: and []). Errors are PostgreSQL's wording in Electric's form (where_error.h):
//   At location 23: syntax error at or near "x"      At location 28: syntax error at end of input
#pragma once

#include <cstddef>
#include <string_view>

#include "reference/common/status.h"
#include "reference/sql/ast.h"

namespace shapesim::sql {

// The deepest expression tree parse_where accepts (a chain of AND or OR is one level).
inline constexpr size_t kMaxExpressionHeight = 256;

Result<NodePtr> parse_where(std::string_view text);

}  // namespace shapesim::sql
