// EqualityFilter: the foundation's WHERE subset, `col = const [AND col = const ...]`, bound
// to a table's schema. Constants are integers, 'strings' ('' escapes a quote), true/false,
// or $n parameters (typed by the column they are compared with). The full language is
// issue #3; this class keeps the same contract: compile once, then match rows.
//
//   auto f = EqualityFilter::compile("status = 'open' AND owner = $1", tasks_schema, {"7"});
//   f->matches(row);   // NULL never equals anything
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reference/common/row.h"
#include "reference/common/status.h"
#include "reference/common/table_schema.h"

namespace shapesim {

struct EqualityTerm {
  std::string column;
  Value value;
};

class EqualityFilter {
 public:
  // An empty `where` matches every row. Errors name the 0-based position in the clause.
  static Result<EqualityFilter> compile(std::string_view where, const TableSchema& table,
                                        const std::vector<std::string>& params);

  bool matches(const Row& row) const;
  const std::vector<EqualityTerm>& terms() const { return terms_; }

 private:
  std::vector<EqualityTerm> terms_;
};

}  // namespace shapesim
