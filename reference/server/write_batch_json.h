// The write API's request body: {"id": "<batch id>", "mutations": [{"op", "table", "value",
// "key"}...]} -> a WriteBatch checked against the source's tables. Every error is the
// client's (a 400), with a message that names what is wrong.
#pragma once

#include <string_view>

#include "reference/common/status.h"
#include "reference/server/source_of_truth.h"

namespace shapesim {

// The longest batch id accepted (an idempotency key, stored with every batch).
inline constexpr size_t kMaxBatchIdBytes = 256;

Result<WriteBatch> parse_write_batch(std::string_view body, SourceOfTruth& source);

}  // namespace shapesim
