#include "reference/sql/testing/where_differential_table.h"

#include <limits>

#include "reference/common/sql_identifier.h"

namespace shapesim::sql::testing {
namespace {

template <class T>
const T& pick(Random& r, const std::vector<T>& v) { return v[r.uniform(0, v.size() - 1)]; }

}  // namespace

TableSchema diff_table() {
  return TableSchema{"public", "diff_items",
                     {{"id", ColumnType::kInt8, true}, {"i2", ColumnType::kInt2}, {"i4", ColumnType::kInt4},
                      {"i8", ColumnType::kInt8}, {"f8", ColumnType::kFloat8}, {"num", ColumnType::kNumeric},
                      {"t", ColumnType::kText}, {"vc", ColumnType::kVarchar}, {"b", ColumnType::kBool},
                      {"d", ColumnType::kDate}, {"ts", ColumnType::kTimestamp}, {"tz", ColumnType::kTimestamptz},
                      {"u", ColumnType::kUuid}, {"ta", ColumnType::kText, false, 1}, {"ia", ColumnType::kInt4, false, 1}},
                     {"id"}};
}

Row random_diff_row(Random& r, int64_t id) {
  static const std::vector<int64_t> i2s = {0, 1, -1, 2, 7, 100, 32767, -32768};
  static const std::vector<int64_t> i4s = {0, 1, -1, 3, 5, 42, 2147483647, -2147483648LL, 1000000};
  static const std::vector<int64_t> i8s = {0, 1, -1, 10, 9223372036854775807LL, -9223372036854775807LL - 1, 4294967296LL};
  static const std::vector<double> f8s = {0.0, 0.5, -0.0, 1.5, 2.5, -3.25, 1e300, -1e-300, 1e15, 0.1};
  static const std::vector<std::string> nums = {"0", "1.50", "-2.25", "10", "0.001", "3.14159", "1000000.5", "-0.5", "7"};
  static const std::vector<std::string> texts = {"a", "A", "abc", "", "é", "a%b", "x_y", "Zz", "x y", "back\\slash", "50%", "aBc"};
  static const std::vector<std::string> dates = {"2024-02-29", "2000-01-01", "1999-12-31", "1970-01-01", "2024-03-01"};
  static const std::vector<std::string> stamps = {"2024-02-29 12:00:00", "2000-01-01 00:00:00", "1999-12-31 23:59:59.5",
                                                  "2024-02-29 00:00:00"};
  static const std::vector<std::string> uuids = {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000",
                                                 "ffffffff-ffff-ffff-ffff-ffffffffffff"};
  static const std::vector<std::string> tarrs = {"{}", "{a}", "{a,b}", "{\"x y\",NULL}", "{A,abc,\"\"}"};
  static const std::vector<std::string> iarrs = {"{}", "{1}", "{1,2,3}", "{NULL,5}", "{42,-1}"};
  auto maybe = [&](Value v) { return r.bernoulli(0.15) ? Value() : v; };
  Row row;
  row["id"] = Value(id);
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
  return row;
}

std::vector<Row> make_diff_rows(int n) {
  Random r(20261122);
  std::vector<Row> rows;
  for (int id = 1; id <= n; ++id) rows.push_back(random_diff_row(r, id));
  return rows;
}

std::string pg_quote_literal(const std::string& s) { return quote_literal(s); }

std::string pg_literal(const Value& v) { return v.is_null() ? "NULL" : pg_quote_literal(*v.to_pg_text()); }

std::string create_table_sql(const TableSchema& t) {
  std::string ddl = "DROP TABLE IF EXISTS " + t.name + "; CREATE TABLE " + t.name + " (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ddl += (i ? ", " : "") + t.columns[i].name + " " + column_type_name(t.columns[i].type) + (t.columns[i].dims ? "[]" : "");
  }
  return ddl + ", PRIMARY KEY (id))";
}

std::string insert_row_sql(const TableSchema& t, const Row& row) {
  std::string ins = "INSERT INTO " + t.name + " VALUES (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ins += (i ? ", " : "") + pg_literal(row.at(t.columns[i].name));
  }
  return ins + ")";
}

}  // namespace shapesim::sql::testing
