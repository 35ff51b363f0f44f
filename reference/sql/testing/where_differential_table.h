// The differential table shared by the WHERE tests against PostgreSQL: one column of every
// supported type, filled with edge cases (boundaries, NULLs, NaN/Infinity, unicode, LIKE
// metacharacters, arrays). The same rows go to PostgreSQL (as SQL) and to shapesim. Test-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference/common/random.h"
#include "reference/common/row.h"
#include "reference/common/table_schema.h"

namespace shapesim::sql::testing {

// public.diff_items (id int8 PRIMARY KEY, i2, i4, i8, f8, num, t, vc, b, d, ts, tz, u, ta text[], ia int4[]).
TableSchema diff_table();

// A row with the given id and every other column drawn from the edge-case pools (15% NULL).
Row random_diff_row(Random& r, int64_t id);

// Rows 1..n drawn from a fixed seed: the same on every run.
std::vector<Row> make_diff_rows(int n);

// 'text' with quotes doubled.
std::string pg_quote_literal(const std::string& s);
// A value as a PostgreSQL literal: NULL or its quoted text form.
std::string pg_literal(const Value& v);

// DROP TABLE IF EXISTS + CREATE TABLE for `table`.
std::string create_table_sql(const TableSchema& table);

// INSERT INTO table VALUES (...) with every value as a quoted PostgreSQL text literal.
std::string insert_row_sql(const TableSchema& table, const Row& row);

}  // namespace shapesim::sql::testing
