// Differential test of the WHERE language against PostgreSQL (CTest label `where`).
//
// A table with every supported column type is filled with edge-case rows (boundaries, NULLs,
// NaN/Infinity, unicode, LIKE metacharacters) in PostgreSQL and in memory. RapidCheck
// generates typed WHERE expressions; each runs as `SELECT id ... WHERE <expr>` in
// PostgreSQL and through our parser, checker and evaluator. The selected ids must be equal,
// and an expression PostgreSQL rejects must be rejected by us (at compile time, or at run
// time on some row), and vice versa.
//
// Needs SHAPESIM_PG_URL (the CTest fixture starts a throwaway server with ci/pg-start.sh).
// Budget: RC_PARAMS="max_success=N seed=S" (CTest sets a fixed seed and 3000 cases). A long
// run: ci/where-differential.sh 200000
#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "reference/common/random.h"
#include "reference/sql/sql_value.h"
#include "reference/sql/where_clause.h"

namespace shapesim::sql {
namespace {

using G = rc::Gen<std::string>;

TableSchema diff_table() {
  return TableSchema{"public", "diff_items",
                     {{"id", ColumnType::kInt8, true}, {"i2", ColumnType::kInt2}, {"i4", ColumnType::kInt4},
                      {"i8", ColumnType::kInt8}, {"f8", ColumnType::kFloat8}, {"num", ColumnType::kNumeric},
                      {"t", ColumnType::kText}, {"vc", ColumnType::kVarchar}, {"b", ColumnType::kBool},
                      {"d", ColumnType::kDate}, {"ts", ColumnType::kTimestamp}, {"tz", ColumnType::kTimestamptz},
                      {"u", ColumnType::kUuid}, {"ta", ColumnType::kText, false, 1}, {"ia", ColumnType::kInt4, false, 1}},
                     {"id"}};
}

// ---- Rows: deterministic edge cases -------------------------------------------------------

template <class T>
const T& pick(Random& r, const std::vector<T>& v) { return v[r.uniform(0, v.size() - 1)]; }

std::vector<Row> make_rows(int n) {
  Random r(20261122);
  const std::vector<int64_t> i2s = {0, 1, -1, 2, 7, 100, 32767, -32768};
  const std::vector<int64_t> i4s = {0, 1, -1, 3, 5, 42, 2147483647, -2147483648LL, 1000000};
  const std::vector<int64_t> i8s = {0, 1, -1, 10, 9223372036854775807LL, -9223372036854775807LL - 1, 4294967296LL};
  const std::vector<double> f8s = {0.0, 0.5, -0.0, 1.5, 2.5, -3.25, 1e300, -1e-300, 1e15, 0.1};
  const std::vector<std::string> nums = {"0", "1.50", "-2.25", "10", "0.001", "3.14159", "1000000.5", "-0.5", "7"};
  const std::vector<std::string> texts = {"a", "A", "abc", "", "é", "a%b", "x_y", "Zz", "x y", "back\\slash", "50%", "aBc"};
  const std::vector<std::string> dates = {"2024-02-29", "2000-01-01", "1999-12-31", "1970-01-01", "2024-03-01"};
  const std::vector<std::string> stamps = {"2024-02-29 12:00:00", "2000-01-01 00:00:00", "1999-12-31 23:59:59.5",
                                           "2024-02-29 00:00:00"};
  const std::vector<std::string> uuids = {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000",
                                          "ffffffff-ffff-ffff-ffff-ffffffffffff"};
  const std::vector<std::string> tarrs = {"{}", "{a}", "{a,b}", "{\"x y\",NULL}", "{A,abc,\"\"}"};
  const std::vector<std::string> iarrs = {"{}", "{1}", "{1,2,3}", "{NULL,5}", "{42,-1}"};
  std::vector<Row> rows;
  for (int id = 1; id <= n; ++id) {
    auto maybe = [&](Value v) { return r.bernoulli(0.15) ? Value() : v; };
    Row row;
    row["id"] = Value(int64_t{id});
    row["i2"] = maybe(Value(pick(r, i2s)));
    row["i4"] = maybe(Value(pick(r, i4s)));
    row["i8"] = maybe(Value(pick(r, i8s)));
    double f = pick(r, f8s);
    if (r.bernoulli(0.05)) f = std::numeric_limits<double>::quiet_NaN();
    if (r.bernoulli(0.05)) f = std::numeric_limits<double>::infinity();
    row["f8"] = maybe(Value(f));
    row["num"] = maybe(Value(pick(r, nums)));
    row["t"] = maybe(Value(pick(r, texts)));
    row["vc"] = maybe(Value(pick(r, texts)));
    row["b"] = maybe(Value(r.bernoulli(0.5)));
    row["d"] = maybe(Value(pick(r, dates)));
    row["ts"] = maybe(Value(pick(r, stamps)));
    row["tz"] = maybe(Value(pick(r, stamps) + "+00"));
    row["u"] = maybe(Value(pick(r, uuids)));
    row["ta"] = maybe(Value(pick(r, tarrs)));
    row["ia"] = maybe(Value(pick(r, iarrs)));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string quote_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

// ---- Expression generators ------------------------------------------------------------------

enum class T { kBool, kInt, kNum, kFloat, kText, kDate, kTs, kUuid, kIntArr, kTextArr };

G lit(std::vector<std::string> pool) { return rc::gen::elementOf(pool); }

G leaf(T t) {
  switch (t) {
    case T::kBool: return lit({"b", "true", "false", "NULL::bool", "(b)"});
    case T::kInt:
      return rc::gen::oneOf(lit({"i2", "i4", "i8", "id", "i4", "i2"}),
                            lit({"0", "1", "-1", "2", "3", "7", "100", "32767", "-32768", "2147483647", "-2147483648",
                                 "9223372036854775807", "NULL::int", "'5'::int2", "(-5)"}));
    case T::kNum: return rc::gen::oneOf(lit({"num", "num"}), lit({"0.5", "1.50", "-2.25", "0", "10", "1e3", "0.001", "3.14159", "'7'::numeric"}));
    case T::kFloat: return rc::gen::oneOf(lit({"f8", "f8"}), lit({"0.5::float8", "'1e300'::float8", "'NaN'::float8", "'Infinity'::float8", "2.5::float8", "(-0.0)::float8", "1.5e0::float8"}));
    case T::kText:
      return rc::gen::oneOf(lit({"t", "vc", "t"}), lit({"'a'", "'A'", "'abc'", "''", "'é'", "'a%b'", "'x_y'", "'Zz'", "'x y'", "'50%'", "NULL::text", "'aBc'::varchar"}));
    case T::kDate: return rc::gen::oneOf(lit({"d", "d"}), lit({"'2024-02-29'::date", "DATE '2000-01-01'", "'1999-12-31'::date", "'2024-03-01'"}));
    case T::kTs:
      return rc::gen::oneOf(lit({"ts", "tz"}), lit({"'2024-02-29 12:00:00'::timestamp", "'2024-02-29 14:00:00+02'::timestamptz",
                                                   "TIMESTAMP '2000-01-01 00:00:00'", "'1999-12-31 23:59:59.5'::timestamp"}));
    case T::kUuid: return rc::gen::oneOf(lit({"u", "u"}), lit({"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "'A0EEBC999C0B4EF8BB6D6BB9BD380A11'::uuid", "'{ffffffff-ffff-ffff-ffff-ffffffffffff}'::uuid"}));
    case T::kIntArr: return rc::gen::oneOf(lit({"ia", "ia"}), lit({"ARRAY[1,2,3]", "'{1,NULL,3}'::int[]", "ARRAY[42]", "'{}'::int4[]"}));
    case T::kTextArr: return rc::gen::oneOf(lit({"ta", "ta"}), lit({"ARRAY['a','b']", "'{a,\"x y\"}'::text[]", "ARRAY['abc']"}));
  }
  return lit({"NULL"});
}

G gen(T t, int depth);

G bin(G a, std::vector<std::string> ops, G b) {
  return rc::gen::apply([](std::string x, std::string op, std::string y) { return "(" + x + " " + op + " " + y + ")"; },
                        std::move(a), rc::gen::elementOf(ops), std::move(b));
}
G call(std::string f, std::vector<G> args) {
  if (args.size() == 1) return rc::gen::map(std::move(args[0]), [f](std::string a) { return f + "(" + a + ")"; });
  if (args.size() == 2) {
    return rc::gen::apply([f](std::string a, std::string b) { return f + "(" + a + ", " + b + ")"; }, std::move(args[0]), std::move(args[1]));
  }
  return rc::gen::apply([f](std::string a, std::string b, std::string c) { return f + "(" + a + ", " + b + ", " + c + ")"; },
                        std::move(args[0]), std::move(args[1]), std::move(args[2]));
}
G wrap(G a, std::string before, std::string after) {
  return rc::gen::map(std::move(a), [before, after](std::string x) { return before + x + after; });
}
G small_int() { return rc::gen::map(rc::gen::inRange(-3, 12), [](int i) { return std::to_string(i); }); }

const std::vector<T> kComparable = {T::kInt, T::kNum, T::kFloat, T::kText, T::kDate, T::kTs, T::kUuid, T::kIntArr};

G gen_bool(int depth) {
  if (depth <= 0) return leaf(T::kBool);
  int d = depth - 1;
  auto any_type = rc::gen::elementOf(kComparable);
  auto compare_same = rc::gen::mapcat(any_type, [d](T t) { return bin(gen(t, d), {"=", "<>", "<", "<=", ">", ">=", "!="}, gen(t, d)); });
  // Mixed numeric and datetime comparisons (implicit casts), and the odd type error.
  auto compare_mixed = rc::gen::oneOf(bin(gen(T::kInt, d), {"=", "<", ">="}, gen(T::kNum, d)),
                                      bin(gen(T::kInt, d), {"=", "<>", ">"}, gen(T::kFloat, d)),
                                      bin(gen(T::kNum, d), {"<", "="}, gen(T::kFloat, d)),
                                      bin(gen(T::kDate, d), {"<", "=", ">="}, gen(T::kTs, d)),
                                      bin(gen(T::kText, d), {"=", "<"}, gen(T::kInt, d)),
                                      bin(gen(T::kText, d), {"="}, lit({"'5'", "'abc'", "'2024-02-29'"})),
                                      bin(gen(T::kInt, d), {"="}, lit({"'5'", "'abc'", "' 7 '"})));
  auto is_null = rc::gen::mapcat(rc::gen::elementOf(kComparable), [d](T t) {
    return rc::gen::apply([](std::string x, std::string neg) { return "(" + x + " IS " + neg + "NULL)"; }, gen(t, d),
                          rc::gen::elementOf(std::vector<std::string>{"", "NOT "}));
  });
  auto is_bool = rc::gen::apply([](std::string x, std::string what) { return "(" + x + " IS " + what + ")"; }, gen_bool(d),
                                rc::gen::elementOf(std::vector<std::string>{"TRUE", "FALSE", "UNKNOWN", "NOT TRUE", "NOT FALSE", "NOT UNKNOWN"}));
  auto distinct = rc::gen::mapcat(rc::gen::elementOf(kComparable), [d](T t) {
    return bin(gen(t, d), {"IS DISTINCT FROM", "IS NOT DISTINCT FROM"}, gen(t, d));
  });
  auto in_list = rc::gen::mapcat(rc::gen::elementOf(std::vector<T>{T::kInt, T::kText, T::kNum, T::kDate}), [d](T t) {
    return rc::gen::apply(
        [](std::string x, std::string neg, std::vector<std::string> items) {
          std::string list;
          for (size_t i = 0; i < items.size(); ++i) list += (i ? ", " : "") + items[i];
          return "(" + x + " " + neg + "IN (" + list + "))";
        },
        gen(t, d), rc::gen::elementOf(std::vector<std::string>{"", "NOT "}),
        rc::gen::mapcat(rc::gen::inRange<size_t>(1, 5),
                        [t](size_t n) { return rc::gen::container<std::vector<std::string>>(n, leaf(t)); }));
  });
  auto between = rc::gen::mapcat(rc::gen::elementOf(std::vector<T>{T::kInt, T::kNum, T::kText, T::kDate, T::kFloat}), [d](T t) {
    return rc::gen::apply(
        [](std::string x, std::string kw, std::string a, std::string b) { return "(" + x + " " + kw + " " + a + " AND " + b + ")"; },
        gen(t, d), rc::gen::elementOf(std::vector<std::string>{"BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC"}),
        leaf(t), leaf(t));
  });
  auto like = rc::gen::apply(
      [](std::string x, std::string op, std::string p) { return "(" + x + " " + op + " " + p + ")"; }, gen(T::kText, d),
      rc::gen::elementOf(std::vector<std::string>{"LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"}),
      rc::gen::oneOf(lit({"'a%'", "'%b%'", "'_'", "'%'", "'A_c'", "'%\\%'", "'x\\_y'", "'%é'", "''", "'50%'", "'%Z%'"}), gen(T::kText, 0)));
  auto any_all = rc::gen::oneOf(
      rc::gen::apply([](std::string x, std::string op, std::string q, std::string a) { return "(" + x + " " + op + " " + q + "(" + a + "))"; },
                     gen(T::kInt, d), rc::gen::elementOf(std::vector<std::string>{"=", "<>", "<", ">"}),
                     rc::gen::elementOf(std::vector<std::string>{"ANY", "ALL", "SOME"}), gen(T::kIntArr, d)),
      rc::gen::apply([](std::string x, std::string q, std::string a) { return "(" + x + " = " + q + "(" + a + "))"; },
                     gen(T::kText, d), rc::gen::elementOf(std::vector<std::string>{"ANY", "ALL"}), gen(T::kTextArr, d)),
      rc::gen::apply([](std::string x, std::string a) { return "(" + x + " LIKE ANY(" + a + "))"; }, gen(T::kText, d),
                     lit({"ARRAY['a%', '%b']", "ta"})));
  auto array_ops = rc::gen::oneOf(bin(gen(T::kIntArr, d), {"@>", "<@", "&&"}, gen(T::kIntArr, d)),
                                  bin(gen(T::kTextArr, d), {"@>", "<@", "&&"}, gen(T::kTextArr, d)));
  auto logic = rc::gen::oneOf(bin(gen_bool(d), {"AND", "OR"}, gen_bool(d)), wrap(gen_bool(d), "(NOT ", ")"),
                              // unparenthesized forms exercise precedence
                              rc::gen::apply([](std::string a, std::string b, std::string c) { return a + " AND " + b + " OR " + c; },
                                             gen_bool(0), gen_bool(0), gen_bool(0)),
                              rc::gen::apply([](std::string a, std::string b) { return "NOT " + a + " = " + b; }, leaf(T::kInt), leaf(T::kInt)),
                              rc::gen::apply([](std::string a, std::string b, std::string c) { return a + " + " + b + " * " + c + " > 3"; },
                                             leaf(T::kInt), leaf(T::kInt), leaf(T::kInt)));
  auto funcs = rc::gen::oneOf(call("starts_with", {gen(T::kText, d), leaf(T::kText)}),
                              wrap(call("coalesce", {gen_bool(d), gen_bool(d)}), "", ""));
  return rc::gen::weightedOneOf<std::string>({{2, leaf(T::kBool)}, {6, compare_same}, {3, compare_mixed}, {2, is_null}, {1, is_bool},
                                              {2, distinct}, {2, in_list}, {2, between}, {3, like}, {2, any_all},
                                              {1, array_ops}, {4, logic}, {1, funcs}});
}

G gen(T t, int depth) {
  if (depth <= 0 || t == T::kBool) return t == T::kBool ? gen_bool(depth) : leaf(t);
  int d = depth - 1;
  switch (t) {
    case T::kInt:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {3, bin(gen(T::kInt, d), {"+", "-", "*", "/", "%"}, gen(T::kInt, d))},
           {1, wrap(gen(T::kInt, d), "-(", ")")},
           {1, call("abs", {gen(T::kInt, d)})},
           {1, call("length", {gen(T::kText, d)})},
           {1, call("strpos", {gen(T::kText, d), leaf(T::kText)})},
           {1, call("cardinality", {gen(T::kIntArr, d)})},
           {1, wrap(gen(T::kNum, d), "(", ")::int4")},
           {1, wrap(gen(T::kFloat, d), "(", ")::int8")},
           {1, call("coalesce", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, call("greatest", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, call("nullif", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, call("mod", {gen(T::kInt, d), leaf(T::kInt)})},
           {1, rc::gen::apply([](std::string a, std::string i) { return "(" + a + ")[" + i + "]"; }, gen(T::kIntArr, d), small_int())},
           {1, wrap(gen(T::kDate, d), "(", " - DATE '2000-01-01')")}});
    case T::kNum:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {3, bin(gen(T::kNum, d), {"+", "-", "*", "/"}, gen(T::kNum, d))},
           {1, bin(gen(T::kInt, d), {"+", "*"}, gen(T::kNum, d))},
           {1, rc::gen::apply([](std::string a, std::string k) { return "round(" + a + ", " + k + ")"; }, gen(T::kNum, d), small_int())},
           {1, call("abs", {gen(T::kNum, d)})},
           {1, wrap(gen(T::kInt, d), "(", ")::numeric")},
           {1, call("floor", {gen(T::kNum, d)})}});
    case T::kFloat:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {3, bin(gen(T::kFloat, d), {"+", "-", "*", "/"}, gen(T::kFloat, d))},
           {1, wrap(gen(T::kInt, d), "(", ")::float8")},
           {1, call("abs", {gen(T::kFloat, d)})},
           {1, call("round", {gen(T::kFloat, d)})},
           {1, call("ceil", {gen(T::kFloat, d)})}});
    case T::kText:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)},
           {1, call("lower", {gen(T::kText, d)})},
           {1, call("upper", {gen(T::kText, d)})},
           {2, bin(gen(T::kText, d), {"||"}, gen(T::kText, d))},
           {1, bin(gen(T::kText, d), {"||"}, gen(T::kInt, d))},
           {1, call("concat", {gen(T::kText, d), gen(T::kInt, d)})},
           {1, call("substr", {gen(T::kText, d), small_int(), small_int()})},
           {1, call("trim", {gen(T::kText, d)})},
           {1, call("replace", {gen(T::kText, d), leaf(T::kText), leaf(T::kText)})},
           {1, call("left", {gen(T::kText, d), small_int()})},
           {1, call("reverse", {gen(T::kText, d)})},
           {1, wrap(gen(T::kInt, d), "(", ")::text")},
           {1, wrap(gen(T::kNum, d), "(", ")::text")},
           {1, wrap(gen(T::kDate, d), "(", ")::text")},
           {1, wrap(gen(T::kUuid, d), "(", ")::text")},
           {1, call("coalesce", {gen(T::kText, d), leaf(T::kText)})}});
    case T::kDate:
      return rc::gen::weightedOneOf<std::string>(
          {{4, leaf(t)}, {1, bin(gen(T::kDate, d), {"+", "-"}, small_int())}, {1, wrap(gen(T::kTs, d), "(", ")::date")}});
    case T::kTs: return rc::gen::weightedOneOf<std::string>({{4, leaf(t)}, {1, wrap(gen(T::kDate, d), "(", ")::timestamp")}});
    case T::kIntArr:
      return rc::gen::weightedOneOf<std::string>({{4, leaf(t)}, {1, bin(gen(T::kIntArr, d), {"||"}, gen(T::kIntArr, d))},
                                                  {1, bin(gen(T::kIntArr, d), {"||"}, leaf(T::kInt))}});
    default: return leaf(t);
  }
}

// ---- PostgreSQL -----------------------------------------------------------------------------

struct PgOutcome {
  bool error = false;
  std::string sqlstate, message;
  std::set<int64_t> ids;
};

class Pg {
 public:
  explicit Pg(const char* url) : conn_(PQconnectdb(url)) {}
  ~Pg() { PQfinish(conn_); }
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }
  PgOutcome run(const std::string& sql) {
    PgOutcome out;
    PGresult* r = PQexec(conn_, sql.c_str());
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) out.ids.insert(std::stoll(PQgetvalue(r, i, 0)));
    } else if (st != PGRES_COMMAND_OK) {
      out.error = true;
      const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      out.sqlstate = code ? code : "";
      out.message = PQresultErrorMessage(r);
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* conn_;
};

struct Fixture {
  std::unique_ptr<Pg> pg;
  std::vector<Row> rows;
  std::vector<std::vector<SqlValue>> sql_rows;
  std::string table;
};

Fixture& fixture() {
  static Fixture f;
  if (f.pg) return f;
  const char* url = std::getenv("SHAPESIM_PG_URL");
  if (!url) return f;
  f.pg = std::make_unique<Pg>(url);
  if (!f.pg->ok()) return f;
  TableSchema t = diff_table();
  f.table = t.name;
  f.rows = make_rows(60);
  std::string ddl = "SET TimeZone = 'UTC'; SET statement_timeout = '5s'; DROP TABLE IF EXISTS " + t.name +
                    "; CREATE TABLE " + t.name + " (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ddl += (i ? ", " : "") + t.columns[i].name + " " + column_type_name(t.columns[i].type) + (t.columns[i].dims ? "[]" : "");
  }
  ddl += ", PRIMARY KEY (id))";
  EXPECT_FALSE(f.pg->run(ddl).error);
  for (const auto& row : f.rows) {
    std::string ins = "INSERT INTO " + t.name + " VALUES (";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const auto& v = row.at(t.columns[i].name);
      ins += i ? ", " : "";
      ins += v.is_null() ? "NULL" : quote_literal(*v.to_pg_text());
    }
    auto r = f.pg->run(ins + ")");
    EXPECT_FALSE(r.error) << r.message;
    auto sql_row = to_sql_row(row, t);
    EXPECT_TRUE(sql_row.ok()) << sql_row.status().to_string();
    f.sql_rows.push_back(std::move(*sql_row));
  }
  return f;
}

bool may_reorder(const std::string& e) {
  return e.find(" AND ") != std::string::npos || e.find(" OR ") != std::string::npos || e.find("BETWEEN") != std::string::npos;
}

struct Stats {
  int cases = 0, both_rejected = 0, selected_some = 0, selected_none = 0, selected_all = 0, inconclusive = 0;
  int numeric_limit = 0;  // we refused a numeric beyond 38 significant digits (documented)
};

TEST(WherePostgresDifferential, SelectsExactlyWhatPostgresSelects) {
  Fixture& f = fixture();
  if (!f.pg) GTEST_SKIP() << "SHAPESIM_PG_URL is not set (run through ctest -L where, which starts PostgreSQL)";
  ASSERT_TRUE(f.pg->ok()) << f.pg->error();
  TableSchema t = diff_table();
  Stats stats;
  const G expressions = gen_bool(3);
  bool ok = rc::check("WHERE evaluation equals PostgreSQL's", [&] {
    const std::string expr = *expressions;
    PgOutcome pg = f.pg->run("SELECT id FROM " + f.table + " WHERE " + expr + " ORDER BY id");
    ++stats.cases;
    auto compiled = WhereClause::compile(expr, t, {});
    std::set<int64_t> ours;
    std::string our_error;
    if (!compiled.ok()) {
      our_error = compiled.status().message();
    } else {
      for (size_t i = 0; i < f.sql_rows.size(); ++i) {
        auto m = compiled->matches(f.sql_rows[i]);
        if (!m.ok()) {
          our_error = m.status().message();
          break;
        }
        if (*m) ours.insert(std::get<int64_t>(f.sql_rows[i][0].v));
      }
    }
    RC_TAG(pg.error ? "pg rejects" : "pg accepts");
    if (pg.error && !our_error.empty()) {
      ++stats.both_rejected;
      return;
    }
    if (!pg.error && our_error.find("38 significant digits") != std::string::npos) {
      // Documented limit (docs/where.md): an error, never a wrong answer.
      ++stats.numeric_limit;
      return;
    }
    if (pg.error != !our_error.empty()) {
      // A run-time error that depends on evaluation order (PostgreSQL may reorder AND-ed
      // quals by cost) is inconclusive; a rejection at compile time never is.
      bool ours_runtime = compiled.ok();  // we accepted the clause and failed on a row
      bool pg_runtime = !pg.error || pg.sqlstate.rfind("22", 0) == 0;
      bool runtime_only = ours_runtime && pg_runtime && may_reorder(expr);
      if (runtime_only) {
        ++stats.inconclusive;
        return;
      }
      RC_FAIL("expression: " + expr + "\n  PostgreSQL: " + (pg.error ? "ERROR " + pg.sqlstate + " " + pg.message : "accepted") +
              "\n  shapesim:   " + (our_error.empty() ? "accepted" : "ERROR " + our_error));
    }
    if (pg.ids.empty()) ++stats.selected_none;
    else if (pg.ids.size() == f.rows.size()) ++stats.selected_all;
    else ++stats.selected_some;
    if (pg.ids != ours) {
      std::string detail;
      for (auto id : pg.ids) {
        if (!ours.count(id)) detail += " pg-only:" + std::to_string(id);
      }
      for (auto id : ours) {
        if (!pg.ids.count(id)) detail += " ours-only:" + std::to_string(id);
      }
      RC_FAIL("expression: " + expr + "\n  selections differ:" + detail);
    }
  });
  EXPECT_TRUE(ok);
  std::printf("differential: %d cases, %d rejected by both, %d selected some rows, %d none, %d all, %d inconclusive, "
              "%d beyond shapesim's numeric range\n",
              stats.cases, stats.both_rejected, stats.selected_some, stats.selected_none, stats.selected_all, stats.inconclusive,
              stats.numeric_limit);
  // The generator must exercise real selections, not only errors or trivial results.
  if (stats.cases >= 100) {
    EXPECT_GT(stats.selected_some, stats.cases / 5);
    EXPECT_LT(stats.inconclusive, stats.cases / 20 + 1);
    EXPECT_LT(stats.numeric_limit, stats.cases / 100 + 1);
  }
}

}  // namespace
}  // namespace shapesim::sql
