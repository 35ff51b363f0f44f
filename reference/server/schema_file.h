// A schema file (`shapesim serve --schema`, the example deployments): tables to create,
// optionally with seed rows.
//   [{"name": "tasks", "columns": [...], "primary_key": ["id"], "rows": [{"id": 1, ...}]}]
// or an object with "tables" (a scenario file works). A table's rows are inserted, as one
// transaction, only when the table is empty, so restarting on the same store seeds nothing twice.
#pragma once

#include <cstddef>
#include <string>

#include "reference/common/status.h"
#include "reference/server/embedded_store.h"

namespace shapesim {

Status load_schema_file(const std::string& path, EmbeddedStore& store, size_t& tables_created);

}  // namespace shapesim
