#include "reference/sql/where_clause.h"

#include <gtest/gtest.h>

#include "reference/sql/routing_index.h"

namespace shapesim::sql {
namespace {

TableSchema items() {
  return TableSchema{"public", "items",
                     {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"n", ColumnType::kInt4},
                      {"price", ColumnType::kNumeric}, {"score", ColumnType::kFloat8}, {"done", ColumnType::kBool},
                      {"day", ColumnType::kDate}, {"at", ColumnType::kTimestamptz}, {"uid", ColumnType::kUuid},
                      {"tags", ColumnType::kText, false, 1}, {"small", ColumnType::kInt2}, {"Mixed", ColumnType::kText}},
                     {"id"}};
}

Row row() {
  return Row{{"id", Value(int64_t{1})},       {"title", Value("Fix the Bug")},  {"n", Value(int64_t{5})},
             {"price", Value("10.50")},       {"score", Value(2.5)},            {"done", Value(false)},
             {"day", Value("2024-02-29")},    {"at", Value("2024-02-29 12:00:00+00")},
             {"uid", Value("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")}, {"tags", Value("{red,\"big one\",NULL}")},
             {"small", Value(int64_t{32767})}, {"Mixed", Value("x")}};
}

// "t", "f", "null" or "error: <message>" (compile or evaluation).
std::string eval(const std::string& where, std::vector<std::string> params = {}) {
  auto w = WhereClause::compile(where, items(), params);
  if (!w.ok()) return "error: " + w.status().message();
  auto r = to_sql_row(row(), items());
  if (!r.ok()) return "row error: " + r.status().message();
  auto v = evaluate(w->expression(), *r);
  if (!v.ok()) return "error: " + v.status().message();
  if (v->is_null()) return "null";
  return std::get<bool>(v->v) ? "t" : "f";
}

// Electric's form: "At location N: <PostgreSQL's message>", N being PostgreSQL's 1-based
// cursor position (in characters) inside "SELECT 1 WHERE <where>" (figures read off
// PostgreSQL 15 for the same statements).
TEST(WhereParse, SyntaxErrorsNamePositionLikeElectric) {
  EXPECT_EQ(eval("title = '\xc3\xa9' AND = 1"), "error: At location 32: syntax error at or near \"=\"");  // counts characters
  EXPECT_EQ(eval("id = = 1"), "error: At location 21: syntax error at or near \"=\"");
  EXPECT_EQ(eval("id ="), "error: At location 20: syntax error at end of input");
  EXPECT_EQ(eval("id = 1 1"), "error: At location 23: syntax error at or near \"1\"");
  EXPECT_EQ(eval("1 < 2 < 3"), "error: At location 22: syntax error at or near \"<\"");
  EXPECT_EQ(eval("title = 'open"), "error: At location 24: unterminated quoted string at or near \"'open\"");
  EXPECT_EQ(eval("(id = 1"), "error: At location 23: syntax error at end of input");
  EXPECT_EQ(eval("id IN (SELECT 1)"), "error: At location 23: syntax error at or near \"select\"");
  EXPECT_EQ(eval("123abc = 1"), "error: At location 16: trailing junk after numeric literal at or near \"123a\"");
  std::string deep(500, '(');
  EXPECT_NE(eval(deep + "true" + std::string(500, ')')).find("nested too deeply"), std::string::npos);
}

TEST(WhereCheck, RejectsWhatPostgresRejects) {
  EXPECT_EQ(eval("nope = 1"), "error: At location 0: column \"nope\" does not exist");
  EXPECT_EQ(eval("mixed = 'x'"), "error: At location 0: column \"mixed\" does not exist");
  EXPECT_EQ(eval("\"Mixed\" = 'x'"), "t");
  EXPECT_EQ(eval("title = 1"), "error: At location 6: operator does not exist: text = integer");
  EXPECT_EQ(eval("n"), "error: At location 0: argument of WHERE must be type boolean, not type integer");
  EXPECT_EQ(eval("n AND done"), "error: At location 0: argument of AND must be type boolean, not type integer");
  EXPECT_EQ(eval("lower(n) = 'a'"), "error: At location 0: function lower(integer) does not exist");
  EXPECT_EQ(eval("count(id) > 1"), "error: At location 0: aggregate functions are not allowed in WHERE");
  EXPECT_EQ(eval("at < now()"), "error: At location 5: function now() is not allowed in a shape's where clause: it is not deterministic");
  EXPECT_EQ(eval("n = 'abc'"), "error: At location 2: invalid input syntax for type integer: \"abc\"");
  EXPECT_EQ(eval("'1' + '2' = 3"), "error: At location 4: operator is not unique: unknown + unknown");
  EXPECT_EQ(eval("n LIKE 'x'"), "error: At location 2: operator does not exist: integer ~~ unknown");
  EXPECT_EQ(eval("1/0 = 1"), "error: At location 1: division by zero");  // folded at compile time
  EXPECT_EQ(eval("n = $2", {"1"}), "error: At location 4: there is no parameter $2");
  EXPECT_EQ(eval("n = 1", {"1"}), "error: params[1] is given but $1 does not appear in the where clause");
  EXPECT_EQ(eval("n IN (1, 'a')"), "error: At location 9: invalid input syntax for type integer: \"a\"");
  EXPECT_EQ(eval("n IN (1, title)"), "error: At location 9: operator does not exist: integer = text");
}

TEST(WhereEval, ThreeValuedLogic) {
  EXPECT_EQ(eval("NULL::bool AND false"), "f");
  EXPECT_EQ(eval("NULL::bool AND true"), "null");
  EXPECT_EQ(eval("NULL::bool OR true"), "t");
  EXPECT_EQ(eval("NOT (NULL::bool)"), "null");
  EXPECT_EQ(eval("n = NULL"), "null");
  EXPECT_EQ(eval("n IS NULL"), "f");
  EXPECT_EQ(eval("NULL IS NOT DISTINCT FROM NULL"), "t");
  EXPECT_EQ(eval("n IS DISTINCT FROM NULL"), "t");
  EXPECT_EQ(eval("(n = NULL) IS UNKNOWN"), "t");
  EXPECT_EQ(eval("done IS FALSE"), "t");
  EXPECT_EQ(eval("done IS NOT TRUE"), "t");
  EXPECT_EQ(eval("n IN (1, NULL)"), "null");
  EXPECT_EQ(eval("n IN (5, NULL)"), "t");
  EXPECT_EQ(eval("n NOT IN (1, NULL)"), "null");
  EXPECT_EQ(eval("n NOT IN (1, 2)"), "t");
}

TEST(WhereEval, ComparisonsCastsAndArithmetic) {
  EXPECT_EQ(eval("n + 1 = 6 AND n * 2 = 10 AND n / 2 = 2 AND n % 3 = 2 AND -n = -5"), "t");
  EXPECT_EQ(eval("n ^ 2 = 25"), "t");
  EXPECT_EQ(eval("-2 ^ 2 = 4"), "t");
  EXPECT_EQ(eval("2147483647 + n > 0"), "error: integer out of range");
  EXPECT_EQ(eval("small + 1::int2 > 0"), "error: smallint out of range");
  EXPECT_EQ(eval("n / (n - 5) = 1"), "error: division by zero");
  EXPECT_EQ(eval("price = 10.5 AND price > 10 AND price / 3 = 3.5000000000000000"), "t");
  EXPECT_EQ(eval("1 / 3::numeric = 0.33333333333333333333"), "t");
  EXPECT_EQ(eval("score = 2.5 AND score > n / 2"), "t");
  EXPECT_EQ(eval("n::text = '5' AND '5'::int = n AND CAST(n AS numeric) = 5.0"), "t");
  EXPECT_EQ(eval("2.5::int = 3 AND 2.5::float8::int = 2 AND (-2.5)::int = -3"), "t");
  EXPECT_EQ(eval("12.345::numeric(5,2) = 12.35"), "t");
  EXPECT_EQ(eval("1234.5::numeric(5,2) = 0"), "error: At location 6: numeric field overflow");
  EXPECT_EQ(eval("'abcdef'::varchar(3) = 'abc'"), "t");
  EXPECT_EQ(eval("true::text = 'true' AND 1::bool"), "t");
  EXPECT_EQ(eval("n BETWEEN 1 AND 10 AND n NOT BETWEEN 6 AND 10 AND n BETWEEN SYMMETRIC 10 AND 1"), "t");
  EXPECT_EQ(eval("n BETWEEN 10 AND 1"), "f");
}

TEST(WhereEval, TextLikeAndFunctions) {
  EXPECT_EQ(eval("title LIKE 'Fix%' AND title LIKE '%Bug' AND title LIKE '%the%' AND title LIKE 'F_x the B_g'"), "t");
  EXPECT_EQ(eval("title LIKE 'fix%'"), "f");
  EXPECT_EQ(eval("title ILIKE 'fix%' AND title NOT ILIKE '%zzz%'"), "t");
  EXPECT_EQ(eval("'50%' LIKE '50\\%' AND '50x' NOT LIKE '50\\%'"), "t");
  EXPECT_EQ(eval("'a_b' LIKE 'a#_b' ESCAPE '#'"), "t");
  EXPECT_EQ(eval("title LIKE 'x\\'"), "error: At location 11: LIKE pattern must not end with escape character");
  EXPECT_EQ(eval("'héllo' LIKE 'h_llo' AND length('héllo') = 5"), "t");
  EXPECT_EQ(eval("lower(title) = 'fix the bug' AND upper(title) = 'FIX THE BUG'"), "t");
  EXPECT_EQ(eval("title || '!' = 'Fix the Bug!' AND n || 'x' = '5x'"), "t");
  EXPECT_EQ(eval("n || n = '55'"), "error: At location 2: operator does not exist: integer || integer");
  EXPECT_EQ(eval("concat(n, NULL, done, 'z') = '5fz' AND concat_ws('-', 'a', NULL, 'b') = 'a-b'"), "t");
  EXPECT_EQ(eval("coalesce(NULL, n, 7) = 5 AND nullif(n, 5) IS NULL AND greatest(1, n, 3) = 5 AND least(n, NULL, 2) = 2"), "t");
  EXPECT_EQ(eval("trim('  a  ') = 'a' AND ltrim('xxa', 'x') = 'a' AND substr(title, 5, 3) = 'the'"), "t");
  EXPECT_EQ(eval("left(title, 3) = 'Fix' AND right(title, -8) = 'Bug' AND strpos(title, 'the') = 5"), "t");
  EXPECT_EQ(eval("replace(title, 'Bug', 'Cat') = 'Fix the Cat' AND reverse('abc') = 'cba' AND starts_with(title, 'Fix')"), "t");
  EXPECT_EQ(eval("abs(-n) = 5 AND round(2.5) = 3 AND round(2.5::float8) = 2 AND floor(-1.5) = -2 AND ceil(1.2) = 2"), "t");
  EXPECT_EQ(eval("round(1234.5678, 2) = 1234.57 AND round(1234.5678, -2) = 1200 AND mod(7, 3) = 1"), "t");
  EXPECT_EQ(eval("'b' > 'B' AND 'a' < 'b' AND 'Z' < 'a'"), "t");  // C collation: bytes
}

TEST(WhereEval, DatesUuidsAndArrays) {
  EXPECT_EQ(eval("day = '2024-02-29' AND day + 1 = '2024-03-01' AND day - '2024-01-01'::date = 59"), "t");
  EXPECT_EQ(eval("day < at AND at = '2024-02-29T14:00:00+02:00' AND at > day"), "t");
  EXPECT_EQ(eval("day = '2023-02-29'"), "error: At location 4: invalid input syntax for type date: \"2023-02-29\"");
  EXPECT_EQ(eval("uid = 'a0eebc999c0b4ef8bb6d6bb9bd380a11' AND uid::text = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"), "t");
  EXPECT_EQ(eval("'red' = ANY(tags) AND 'big one' = ANY(tags) AND NOT ('blue' = ANY(tags))"), "null");  // NULL element
  EXPECT_EQ(eval("'red' = ANY(tags)"), "t");
  EXPECT_EQ(eval("n = ANY('{1,5}') AND n <> ALL(ARRAY[1,2]) AND n > ALL('{}')"), "t");
  EXPECT_EQ(eval("tags @> ARRAY['red'] AND ARRAY['red'] <@ tags AND tags && '{x,big one}' AND NOT tags @> '{x}'"), "t");
  EXPECT_EQ(eval("cardinality(tags) = 3 AND tags[1] = 'red' AND tags[9] IS NULL AND array_length(tags, 1) = 3"), "t");
  EXPECT_EQ(eval("ARRAY[1,2] || 3 = '{1,2,3}' AND 0 || ARRAY[1] = '{0,1}' AND ARRAY[1] || ARRAY[2] = '{1,2}'"), "t");
  EXPECT_EQ(eval("title LIKE ANY(ARRAY['%Bug', 'zz%'])"), "t");
}

// A 2-D array column (int8[][]) rides along as text: rows holding one still route, and a
// where clause that names it is rejected with a reason.
TEST(WhereClause, MultidimensionalArrayColumnsAreCarriedNotCompared) {
  TableSchema t{"public", "grids", {{"id", ColumnType::kInt8, true}, {"grid", ColumnType::kInt8, false, 2}}, {"id"}};
  auto r = to_sql_row(Row{{"id", Value(int64_t{1})}, {"grid", Value("{{1,2},{3,4}}")}}, t);
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto w = WhereClause::compile("id = 1", t, {});
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(std::get<bool>(evaluate(w->expression(), *r)->v));
  auto named = WhereClause::compile("grid IS NULL", t, {});
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().message(),
            "At location 0: column \"grid\" is a 2-dimensional array: multidimensional arrays are not supported in "
            "where clauses");
}

// PostgreSQL types read as text: an enum compares by equality only (its order is the
// declaration's, not its text's), a composite not at all (its text is not its value).
TEST(WhereClause, EnumsCompareByEqualityOnlyAndCompositesNever) {
  ColumnSchema mood{"m", ColumnType::kText};
  mood.pg_type = "mood";
  mood.comparison = ColumnSchema::Comparison::kEqualityOnly;
  ColumnSchema moods = mood;
  moods.name = "ms";
  moods.dims = 1;
  ColumnSchema complex{"c", ColumnType::kText};
  complex.pg_type = "complex";
  complex.comparison = ColumnSchema::Comparison::kNever;
  TableSchema t{"public", "feelings", {{"id", ColumnType::kInt8, true}, mood, moods, complex}, {"id"}};
  Row r{{"id", Value(int64_t{1})}, {"m", Value("happy")}, {"ms", Value("{sad,ok}")}, {"c", Value("(1.5,2)")}};
  auto row = to_sql_row(r, t);
  ASSERT_TRUE(row.ok());
  auto run = [&](const std::string& where) -> std::string {
    auto w = WhereClause::compile(where, t, {});
    if (!w.ok()) return "error: " + w.status().message();
    return std::get<bool>(evaluate(w->expression(), *row)->v) ? "t" : "f";
  };
  EXPECT_EQ(run("m = 'happy'"), "t");
  EXPECT_EQ(run("m <> 'happy'"), "f");
  EXPECT_EQ(run("m IN ('sad', 'happy')"), "t");
  EXPECT_EQ(run("'ok' = ANY(ms)"), "t");
  EXPECT_EQ(run("m < 'ok'"), "error: At location 2: operator < on column \"m\" of type mood is not supported: its values "
                             "sort in declaration order (use = or IN)");
  EXPECT_NE(run("m BETWEEN 'a' AND 'z'").find("declaration order"), std::string::npos);
  EXPECT_NE(run("'ok' > ANY(ms)").find("declaration order"), std::string::npos);
  EXPECT_EQ(run("c IS NULL"), "error: At location 0: column \"c\" has type complex, which shapesim cannot compare: "
                              "where clauses on it are not supported");
}

std::string chain(const std::string& term, const std::string& op, size_t n) {
  std::string out = term;
  for (size_t i = 1; i < n; ++i) out += " " + op + " " + term;
  return out;
}

// Hostile depth: a long AND/OR chain is one level (PostgreSQL's BoolExpr), so it checks and
// evaluates without recursion per term; any other chain deeper than kMaxExpressionHeight is a
// clear error, never a stack overflow.
TEST(WhereClause, LongChainsAreFlatOrRejectedNeverAStackOverflow) {
  EXPECT_EQ(eval(chain("done", "OR", 5000)), "f");
  EXPECT_EQ(eval(chain("NOT done", "AND", 5000)), "t");
  EXPECT_EQ(eval(chain("n = 4", "OR", 3000) + " OR n = 5"), "t");
  EXPECT_EQ(eval(chain("n", "+", 200) + " = 1000"), "t");
  std::string deep = eval(chain("id", "+", 5000) + " > 0");
  EXPECT_EQ(deep, "error: At location 0: expression is nested too deeply (more than 256 levels)");
  EXPECT_EQ(eval(chain("n", "*", 300000) + " > 0").substr(0, 40), deep.substr(0, 40));  // 1.5 MB of input
  EXPECT_EQ(eval("(" + chain("id", "||", 5000) + ") IS NULL").substr(0, 40), deep.substr(0, 40));
  // A deciding constant inside a chain still decides it, and what follows is not evaluated.
  EXPECT_EQ(eval("done OR true OR 1/n > 0"), "t");
  EXPECT_EQ(eval("n = 5 AND false AND (1/0 = 1)"), "f");
}

// Values built by replace(), || and concat() draw on a 16 MiB budget per evaluation.
TEST(WhereClause, AmplificationIsAnErrorNotAnAbort) {
  std::string a1000(1000, 'a');
  std::string constant = eval("length(replace(replace('" + a1000 + "','a','" + a1000 + "'),'a','" + a1000 + "')) > 0");
  EXPECT_NE(constant.find("replace() would build more than 16 MiB while evaluating one row"), std::string::npos) << constant;
  EXPECT_EQ(eval("length(replace('" + a1000 + "','a','" + a1000 + "')) = 1000000"), "t");  // 1 MB: within
  TableSchema t{"public", "docs", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}}, {"id"}};
  auto w = WhereClause::compile("length(replace(replace(title,'a',title),'a',title)) > 0", t, {});
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto big = to_sql_row(Row{{"id", Value(int64_t{1})}, {"title", Value(std::string(600, 'a'))}}, t);
  auto r = evaluate(w->expression(), *big);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("16 MiB"), std::string::npos);
  auto small = to_sql_row(Row{{"id", Value(int64_t{2})}, {"title", Value("ab")}}, t);
  EXPECT_TRUE(std::get<bool>(evaluate(w->expression(), *small)->v));
  auto doubled = WhereClause::compile("length(" + chain("title", "||", 200) + ") > 0", t, {});
  ASSERT_TRUE(doubled.ok());
  auto huge = to_sql_row(Row{{"id", Value(int64_t{3})}, {"title", Value(std::string(200000, 'x'))}}, t);
  EXPECT_FALSE(evaluate(doubled->expression(), *huge).ok());  // 200 × 200 kB, charged step by step
}

TEST(WhereClause, IndexTermsAndParameters) {
  auto w = WhereClause::compile("n = $1 AND title ILIKE '%x%' AND id IN (1, 2, NULL) AND 'red' = ANY(tags)", items(), {"7"});
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  const auto& t = w->index_terms();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].column, 2);
  EXPECT_EQ(t[0].keys, std::vector<std::string>{"7"});
  EXPECT_EQ(t[1].keys, (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(t[2].array_membership);
  auto none = WhereClause::compile("n > 1 OR n = 2", items(), {});
  EXPECT_TRUE(none->index_terms().empty());
  EXPECT_TRUE(WhereClause::compile("", items(), {})->matches_everything());
  EXPECT_TRUE(WhereClause::compile("true OR n = 1", items(), {})->matches_everything());
}

TEST(RoutingIndex, FindsIndexedAndUnindexedShapes) {
  RoutingIndex index(items());
  index.add(1, *WhereClause::compile("n = 5", items(), {}));
  index.add(2, *WhereClause::compile("n = 6", items(), {}));
  index.add(3, *WhereClause::compile("title ILIKE '%bug%'", items(), {}));
  index.add(4, *WhereClause::compile("id IN (1, 9)", items(), {}));
  index.add(5, *WhereClause::compile("'red' = ANY(tags)", items(), {}));
  index.add(6, *WhereClause::compile("'blue' = ANY(tags)", items(), {}));
  EXPECT_EQ(index.unindexed_count(), 1u);
  std::vector<RoutingIndex::ShapeId> c;
  index.candidates(*to_sql_row(row(), items()), c);
  EXPECT_EQ(c, (std::vector<RoutingIndex::ShapeId>{1, 3, 4, 5}));
  index.remove(1);
  c.clear();
  index.candidates(*to_sql_row(row(), items()), c);
  EXPECT_EQ(c, (std::vector<RoutingIndex::ShapeId>{3, 4, 5}));
}

}  // namespace
}  // namespace shapesim::sql
