// One SQL statement against PostgreSQL, for drivers that play an administrator (`shapesim
// conform --pg URL`: membership changes as SQL). Exceptions stay inside reference/pg.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/common/status.h"

namespace shapesim::pg {

// Runs `sql` with $1.. bound to `params` (at most three; NULL for nullopt) in its own transaction; returns
// the number of rows it affected. Connection and SQL errors come back as a Status.
Result<uint64_t> execute_sql(const std::string& url, const std::string& sql, const std::vector<std::optional<std::string>>& params);

}  // namespace shapesim::pg
