// Row: column name -> Value, ordered by name so iteration order is deterministic.
#pragma once

#include <map>
#include <string>

#include "reference/common/value.h"

namespace shapesim {

using Row = std::map<std::string, Value>;

}  // namespace shapesim
