// PostgreSQL type OIDs -> the column types shapes know (electric-schema names), and back.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "reference/common/table_schema.h"
#include "reference/pg/pgoutput.h"

namespace shapesim::pg {

// The column type for a type OID (arrays: the element type with dims = 1), or nullopt for a
// type shapes do not support (such a column makes its table unavailable for shapes).
std::optional<ColumnSchema> column_for_type_oid(uint32_t oid);

// One pg_type row, as the catalog reader needs it.
struct PgTypeRow {
  std::string name;   // typname
  char kind = 'b';    // typtype: b(ase), c(omposite), d(omain), e(num), p(seudo), r(ange), m(ultirange)
  uint32_t element = 0;  // typelem
  uint32_t base = 0;     // typbasetype (domains)
  bool varlena_array = false;  // typtype 'b', typelem <> 0 and typlen = -1: a true array type
};

// A column's schema from the catalog: `type_oid` (atttypid) and `attndims`, with `lookup`
// reading pg_type rows. Follows domains (to at most 16 levels) to the base type that decides
// how values are read; electric-schema names the type as PostgreSQL does (Electric's rule):
// typname of the element type for an array, of the column's own type otherwise (an enum,
// composite or domain keeps its name). `dims` is attndims; an array column whose attndims is
// 0 (a domain over an array, CREATE TABLE AS) sets `dims_from_values`, and the caller counts
// the dimensions of a stored value (1 when there is none).
struct CatalogColumn {
  ColumnSchema column;
  bool dims_from_values = false;
};
CatalogColumn column_from_catalog(uint32_t type_oid, int attndims,
                                  const std::function<std::optional<PgTypeRow>(uint32_t)>& lookup);

// Whether a Relation message announces the columns `table` was read with from the catalog:
// the same names and type OIDs in the same order (for a table not read from PostgreSQL: the
// same types and array dimensions, a type shapes do not know counting as text). Anything else
// is a schema change.
bool relation_matches_table(const PgRelation& relation, const TableSchema& table);

}  // namespace shapesim::pg
