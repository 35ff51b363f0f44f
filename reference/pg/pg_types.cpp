#include "reference/pg/pg_types.h"

namespace shapesim::pg {

std::optional<ColumnSchema> column_for_type_oid(uint32_t oid) {
  struct Entry {
    uint32_t scalar, array;
    ColumnType type;
  };
  // From pg_type.dat (stable across PostgreSQL versions).
  static constexpr Entry kTypes[] = {
      {16, 1000, ColumnType::kBool},       {21, 1005, ColumnType::kInt2},        {23, 1007, ColumnType::kInt4},
      {20, 1016, ColumnType::kInt8},       {700, 1021, ColumnType::kFloat4},     {701, 1022, ColumnType::kFloat8},
      {1700, 1231, ColumnType::kNumeric},  {25, 1009, ColumnType::kText},        {1043, 1015, ColumnType::kVarchar},
      {2950, 2951, ColumnType::kUuid},     {1082, 1182, ColumnType::kDate},      {1083, 1183, ColumnType::kTime},
      {1114, 1115, ColumnType::kTimestamp}, {1184, 1185, ColumnType::kTimestamptz}, {114, 199, ColumnType::kJson},
      {3802, 3807, ColumnType::kJsonb},
  };
  for (const auto& e : kTypes) {
    if (oid == e.scalar) return ColumnSchema{"", e.type, false, 0};
    if (oid == e.array) return ColumnSchema{"", e.type, false, 1};
  }
  return std::nullopt;
}

bool relation_matches_table(const PgRelation& relation, const TableSchema& table) {
  if (relation.schema != table.schema || relation.name != table.name) return false;
  if (relation.columns.size() != table.columns.size()) return false;
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    ColumnSchema announced = column_for_type_oid(relation.columns[i].type_oid).value_or(ColumnSchema{"", ColumnType::kText, false, 0});
    const ColumnSchema& known = table.columns[i];
    if (relation.columns[i].name != known.name || announced.type != known.type || announced.dims != known.dims) return false;
  }
  return true;
}

}  // namespace shapesim::pg
