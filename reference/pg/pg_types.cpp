#include "reference/pg/pg_types.h"

#include <tuple>

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

CatalogColumn column_from_catalog(uint32_t type_oid, int attndims,
                                  const std::function<std::optional<PgTypeRow>(uint32_t)>& lookup) {
  constexpr int kMaxDomainDepth = 16;
  CatalogColumn out;
  out.column.type_oid = type_oid;
  // Follows a domain chain to the first type that is not a domain.
  auto resolve = [&](uint32_t oid) -> std::pair<uint32_t, std::optional<PgTypeRow>> {
    auto row = lookup(oid);
    for (int depth = 0; row && row->kind == 'd' && depth < kMaxDomainDepth; ++depth) {
      oid = row->base;
      row = lookup(oid);
    }
    return {oid, row};
  };
  auto own = lookup(type_oid);
  auto [value_oid, value_row] = resolve(type_oid);  // the type values are read as
  std::optional<PgTypeRow> named = own;              // the type electric-schema names
  if (value_row && value_row->varlena_array) {
    out.column.dims = attndims > 0 ? attndims : 1;
    out.dims_from_values = attndims <= 0;
    // An array column is named by its element type; a domain over an array keeps its name.
    named = own && own->kind == 'd' ? own : lookup(value_row->element);
    std::tie(value_oid, value_row) = resolve(value_row->element);
  }
  auto known = column_for_type_oid(value_oid);
  if (known && known->dims == 0) {
    out.column.type = known->type;
  } else {
    out.column.type = ColumnType::kText;
    out.column.comparison = value_row && value_row->kind == 'e' ? ColumnSchema::Comparison::kEqualityOnly
                                                                : ColumnSchema::Comparison::kNever;
  }
  if (named && named->name != column_type_name(out.column.type)) out.column.pg_type = named->name;
  return out;
}

bool relation_matches_table(const PgRelation& relation, const TableSchema& table) {
  if (relation.schema != table.schema || relation.name != table.name) return false;
  if (relation.columns.size() != table.columns.size()) return false;
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (table.columns[i].type_oid != 0) {
      if (relation.columns[i].name != table.columns[i].name || relation.columns[i].type_oid != table.columns[i].type_oid) {
        return false;
      }
      continue;
    }
    ColumnSchema announced = column_for_type_oid(relation.columns[i].type_oid).value_or(ColumnSchema{"", ColumnType::kText, false, 0});
    const ColumnSchema& known = table.columns[i];
    if (relation.columns[i].name != known.name || announced.type != known.type || announced.dims != known.dims) return false;
  }
  return true;
}

}  // namespace shapesim::pg
