#include "reference/client/collection.h"

#include "reference/common/assert.h"
#include "reference/common/planted_bugs.h"

namespace shapesim {

void Collection::apply(const StreamUpdate& update) {
  if (update.must_refetch && !planted(PlantedBug::kStaleRowsKeptOnRefetch)) {
    rows_.clear();
    applied_positions_.clear();
    SHAPESIM_ASSERT(rows_.empty());
  }
  for (const auto& c : update.changes) {
    if (c.lsn && c.op_position) {
      if (!applied_positions_.insert({*c.lsn, *c.op_position}).second) {
        ++duplicates_;
        continue;
      }
    }
    for (uint64_t t : c.txids) txids_.insert(t);
    ++applied_;
    auto it = rows_.find(c.key);
    switch (c.op) {
      case Operation::kInsert:
        if (it != rows_.end()) anomalies_.push_back("insert of present key " + c.key);
        rows_[c.key] = c.value;
        break;
      case Operation::kUpdate:
        if (it == rows_.end()) {
          anomalies_.push_back("update of absent key " + c.key);
          rows_[c.key] = c.value;
        } else {
          for (const auto& [col, v] : c.value) it->second[col] = v;
        }
        break;
      case Operation::kDelete:
        if (it == rows_.end()) {
          anomalies_.push_back("delete of absent key " + c.key);
        } else {
          rows_.erase(it);
        }
        break;
    }
  }
}

}  // namespace shapesim
