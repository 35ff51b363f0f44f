// The WHERE parser: text -> syntax tree, with PostgreSQL's operator precedence
// (OR < AND < NOT < IS < comparison < LIKE/IN/BETWEEN < other operators < + - < * / % < ^
// < unary minus < :: and []). Errors are PostgreSQL's wording with the 0-based position:
//   syntax error at or near "x" (position 7)      syntax error at end of input (position 12)
#pragma once

#include <string_view>

#include "reference/common/status.h"
#include "reference/sql/ast.h"

namespace shapesim::sql {

Result<NodePtr> parse_where(std::string_view text);

}  // namespace shapesim::sql
