#include "reference/common/sqlite_process.h"

#include <sqlite3.h>

namespace shapesim {

bool prepare_sqlite() {
  // A function-local static: the first caller configures, concurrent first callers wait.
  static const bool applied = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  return applied;
}

}  // namespace shapesim
