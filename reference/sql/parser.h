// The WHERE parser: text -> syntax tree, with PostgreSQL's operator precedence
// (OR < AND < NOT < IS < comparison < LIKE/IN/BETWEEN < other operators < + - < * / % < ^
// < unary minus < :: and []). Errors are PostgreSQL's wording in Electric's form (where_error.h):
//   At location 23: syntax error at or near "x"      At location 28: syntax error at end of input
#pragma once

#include <string_view>

#include "reference/common/status.h"
#include "reference/sql/ast.h"

namespace shapesim::sql {

Result<NodePtr> parse_where(std::string_view text);

}  // namespace shapesim::sql
