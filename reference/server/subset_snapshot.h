// Subset snapshots (`log=changes_only` shapes load their rows on demand): the rows of a
// shape that also match the subset's WHERE, in ORDER BY order (primary key breaks ties),
// after `offset`, at most `limit`, as the JSON body the official client reads:
//
//   {"metadata":{"snapshot_mark":N,"xmin":"..","xmax":"..","xip_list":[..],"database_lsn":".."},
//    "data":[{"key":..,"value":{..},"headers":{"operation":"insert","relation":[..]}}, ...]}
//
// The metadata lets the client drop a later log change that is already in the snapshot
// (its xid is visible in xmin/xmax/xip_list) and retire the snapshot once the stream passes
// database_lsn. A row whose evaluation fails (e.g. division by zero) is not in the subset,
// as for the shape itself; a failing ORDER BY key is an error.
#pragma once

#include <string>

#include "reference/server/shape.h"

namespace shapesim {

struct SubsetError {
  std::string param;  // subset__where, subset__order_by, ...
  std::string message;
};

Result<std::string> subset_snapshot_body(const Shape& shape, const SubsetRequest& subset, const Snapshot& snapshot,
                                         uint64_t snapshot_mark, SubsetError& error);

}  // namespace shapesim
