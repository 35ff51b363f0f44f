// Typed identifiers shared by every layer.
//   Xid          - a source-of-truth transaction id (PostgreSQL's xid8 / the embedded counter)
//   Lsn          - a commit log sequence number; log offsets are derived from it
//   NodeId       - a node of the simulated (or real) world
//   ShapeHandle  - the server's name for one immutable shape; never reused
//   RequestId    - a driver-assigned id pairing an HTTP request with its response
#pragma once

#include <cstdint>
#include <string>

#include "reference/common/strong_id.h"

namespace shapesim {

using Xid = StrongId<struct XidTag, uint64_t>;
using Lsn = StrongId<struct LsnTag, uint64_t>;
using NodeId = StrongId<struct NodeIdTag, uint32_t>;
using ShapeHandle = StrongId<struct ShapeHandleTag, std::string>;
using RequestId = StrongId<struct RequestIdTag, uint64_t>;

}  // namespace shapesim
