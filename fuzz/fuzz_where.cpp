// libFuzzer target: arbitrary bytes as a WHERE clause. Parses, type-checks and, when that
// succeeds, evaluates against a few rows of a table with every supported type. Any crash,
// sanitizer report or evaluation of a non-boolean is a bug; errors are fine.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference/sql/where_clause.h"

namespace {

using namespace shapesim;

const TableSchema& table() {
  static const TableSchema t{"public", "items",
                             {{"id", ColumnType::kInt8, true}, {"i2", ColumnType::kInt2}, {"n", ColumnType::kInt4},
                              {"f", ColumnType::kFloat8}, {"num", ColumnType::kNumeric}, {"t", ColumnType::kText},
                              {"b", ColumnType::kBool}, {"d", ColumnType::kDate}, {"ts", ColumnType::kTimestamptz},
                              {"u", ColumnType::kUuid}, {"j", ColumnType::kJsonb}, {"tags", ColumnType::kText, false, 1},
                              {"nums", ColumnType::kInt4, false, 1}},
                             {"id"}};
  return t;
}

const std::vector<std::vector<sql::SqlValue>>& rows() {
  static const auto r = [] {
    std::vector<Row> raw = {
        {{"id", Value(int64_t{1})}, {"i2", Value(int64_t{-32768})}, {"n", Value(int64_t{2147483647})}, {"f", Value(1e308)},
         {"num", Value("99999999999999999999.5")}, {"t", Value("héllo%_\\")}, {"b", Value(true)}, {"d", Value("2024-02-29")},
         {"ts", Value("2024-02-29 12:00:00+00")}, {"u", Value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
         {"j", Value("{\"a\":[1,2]}")}, {"tags", Value("{a,\"b c\",NULL}")}, {"nums", Value("{1,NULL,-2147483648}")}},
        {{"id", Value(int64_t{2})}},
    };
    std::vector<std::vector<sql::SqlValue>> out;
    for (const auto& row : raw) out.push_back(*sql::to_sql_row(row, table()));
    return out;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;  // room for 15 kB URLs of chained operators, and more
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // A parameter list is taken from the part after the first NUL byte, split by NULs.
  std::vector<std::string> params;
  auto nul = text.find('\0');
  std::string_view where = text.substr(0, nul);
  if (nul != std::string_view::npos) {
    std::string_view rest = text.substr(nul + 1);
    while (!rest.empty() && params.size() < 4) {
      auto next = rest.find('\0');
      params.emplace_back(rest.substr(0, next));
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    }
  }
  auto w = sql::WhereClause::compile(where, table(), params);
  if (!w.ok()) return 0;
  for (const auto& row : rows()) {
    auto m = w->matches(row);
    (void)m;
  }
  return 0;
}
