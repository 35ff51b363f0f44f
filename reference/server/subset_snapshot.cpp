#include "reference/server/subset_snapshot.h"

#include <algorithm>

#include "reference/sql/order_by.h"

namespace shapesim {

Result<std::string> subset_snapshot_body(const Shape& shape, const SubsetRequest& subset, const Snapshot& snapshot,
                                         uint64_t snapshot_mark, SubsetError& error) {
  const TableSchema& table = shape.table();
  auto fail = [&](const char* param, const Status& s) {
    error = {param, s.message()};
    return s;
  };
  auto where = sql::WhereClause::compile(subset.where, table, subset.params);
  if (!where.ok()) return fail("subset__where", where.status());
  auto order = sql::OrderBy::compile(subset.order_by, table, subset.params);
  if (!order.ok()) return fail("subset__order_by", order.status());

  struct Candidate {
    sql::OrderBy::SortKeys keys;
    const Row* row;
  };
  std::vector<Candidate> candidates;
  for (const Row& row : snapshot.rows) {  // table order: the stable sort keeps it for ties
    auto sql_row = sql::to_sql_row(row, table);
    if (!sql_row.ok() || !shape.matches(*sql_row)) continue;
    auto in_subset = where->matches(*sql_row);
    if (!in_subset.ok() || !*in_subset) continue;
    auto keys = order->keys(*sql_row);
    if (!keys.ok()) return fail("subset__order_by", keys.status());
    candidates.push_back({std::move(*keys), &row});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const Candidate& a, const Candidate& b) { return order->compare(a.keys, b.keys) < 0; });

  size_t begin = std::min<size_t>(candidates.size(), subset.offset);
  size_t end = subset.limit ? std::min<size_t>(candidates.size(), begin + *subset.limit) : candidates.size();
  std::string body = "{\"metadata\":{\"snapshot_mark\":" + std::to_string(snapshot_mark) + ",\"xmin\":\"" +
                     std::to_string(snapshot.xmin) + "\",\"xmax\":\"" + std::to_string(snapshot.xmax) +
                     "\",\"xip_list\":[";
  for (size_t i = 0; i < snapshot.xip_list.size(); ++i) {
    if (i) body.push_back(',');
    body += "\"" + std::to_string(snapshot.xip_list[i]) + "\"";
  }
  body += "],\"database_lsn\":\"" + std::to_string(snapshot.lsn.value) + "\"},\"data\":[";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) body.push_back(',');
    const Row& row = *candidates[i].row;
    body += encode_message(ChangeMessage{.key = shape.row_key(row), .value = shape.project(row),
                                         .op = Operation::kInsert, .relation = {table.schema, table.name},
                                         .snapshot_mark = snapshot_mark});
  }
  body += "]}";
  return body;
}

}  // namespace shapesim
