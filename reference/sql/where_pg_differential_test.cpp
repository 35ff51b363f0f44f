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

#include "reference/sql/sql_value.h"
#include "reference/sql/testing/where_differential_table.h"
#include "reference/sql/testing/where_expression_generator.h"
#include "reference/sql/where_clause.h"

namespace shapesim::sql {
namespace {

using testing::diff_table;
using testing::make_diff_rows;
using testing::create_table_sql;
using testing::insert_row_sql;

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
  f.rows = make_diff_rows(60);
  EXPECT_FALSE(f.pg->run("SET TimeZone = 'UTC'; SET statement_timeout = '5s'; " + create_table_sql(t)).error);
  for (const auto& row : f.rows) {
    auto r = f.pg->run(insert_row_sql(t, row));
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
  const rc::Gen<std::string> expressions = testing::where_expression(3);
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
