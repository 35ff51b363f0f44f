// RapidCheck generator of typed WHERE expressions over the differential table
// (where_differential_table.h): comparisons with implicit casts, NULL logic, IN, BETWEEN,
// LIKE/ILIKE, ANY/ALL, array operators, arithmetic and the functions docs/where.md lists.
// Most expressions are valid PostgreSQL; some are type errors or fail at run time on
// purpose, so that both sides' rejections are compared too. Test-only.
#pragma once

#include <string>

#include <rapidcheck.h>

namespace shapesim::sql::testing {

// A boolean expression nested at most `depth` levels.
rc::Gen<std::string> where_expression(int depth);

}  // namespace shapesim::sql::testing
