#include "reference/server/source_of_truth.h"

#include <algorithm>

namespace shapesim {

bool visible_in_snapshot(uint64_t xid, uint64_t xmin, uint64_t xmax, const std::vector<uint64_t>& xip_list) {
  if (xid <= 0xffffffffu && xmax > 0xffffffffu) {
    // A 32-bit xid: the xid8 within 2^31 of xmax (PostgreSQL's own widening rule).
    int32_t delta = static_cast<int32_t>(static_cast<uint32_t>(xid) - static_cast<uint32_t>(xmax));
    xid = static_cast<uint64_t>(static_cast<int64_t>(xmax) + delta);
  }
  if (xid < xmin) return true;
  return xid < xmax && std::find(xip_list.begin(), xip_list.end(), xid) == xip_list.end();
}

Result<Snapshot> SourceOfTruth::snapshot(const TableSchema& t) {
  std::vector<Row> rows;
  SHAPESIM_ASSIGN_OR_RETURN(Snapshot snap, scan(t, [&](const std::vector<Value>& values) {
    Row row;
    for (size_t i = 0; i < values.size(); ++i) row[t.columns[i].name] = values[i];
    rows.push_back(std::move(row));
  }));
  snap.rows = std::move(rows);
  return snap;
}

}  // namespace shapesim
