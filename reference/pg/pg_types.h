// PostgreSQL type OIDs -> the column types shapes know (electric-schema names), and back.
#pragma once

#include <cstdint>
#include <optional>

#include "reference/common/table_schema.h"

namespace shapesim::pg {

// The column type for a type OID (arrays: the element type with dims = 1), or nullopt for a
// type shapes do not support (such a column makes its table unavailable for shapes).
std::optional<ColumnSchema> column_for_type_oid(uint32_t oid);

}  // namespace shapesim::pg
