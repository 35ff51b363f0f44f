// PostgreSQL type OIDs -> the column types shapes know (electric-schema names), and back.
#pragma once

#include <cstdint>
#include <optional>

#include "reference/common/table_schema.h"
#include "reference/pg/pgoutput.h"

namespace shapesim::pg {

// The column type for a type OID (arrays: the element type with dims = 1), or nullopt for a
// type shapes do not support (such a column makes its table unavailable for shapes).
std::optional<ColumnSchema> column_for_type_oid(uint32_t oid);

// Whether a Relation message announces the columns `table` was read with from the catalog:
// the same names, types and array dimensions in the same order (a type shapes do not know
// counts as text, as the catalog reader maps it). Anything else is a schema change.
bool relation_matches_table(const PgRelation& relation, const TableSchema& table);

}  // namespace shapesim::pg
