// Local (optimistic) transactions of the client engine: what a user changed, before and while
// the server learns of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reference/common/status.h"
#include "reference/common/time.h"
#include "reference/wire/shape_message.h"

namespace shapesim {

// One row change by a local transaction. An insert carries the whole row, an update the
// columns it changes, a delete nothing.
struct LocalMutation {
  enum class Op { kInsert, kUpdate, kDelete };
  Op op = Op::kInsert;
  std::string collection;
  std::string key;
  WireRow value;
};

enum class TxStatus {
  kPersisting,  // applied optimistically; being sent, or sent and awaiting its txid in the stream
  kCompleted,   // its txid was synced: the optimistic overlay is gone, the synced rows hold it
  kFailed,      // rolled back: refused, timed out, or cascaded from a failed transaction
};
const char* tx_status_name(TxStatus s);

struct LocalTransaction {
  uint64_t seq = 0;                     // order of commit on this client
  std::string id;                       // idempotency key (the server's batch id)
  std::vector<LocalMutation> mutations;  // at most one per (collection, key): merged at commit
  TxStatus status = TxStatus::kPersisting;
  std::optional<uint64_t> txid;          // the server's answer
  std::optional<uint64_t> commit_lsn;    // where the server committed it, when it says
  std::optional<Timestamp> confirm_by;   // await_txid deadline, once acknowledged
  std::string error;                     // why it failed
};

// Merges mutations per (collection, key), keeping first-touch order, as one transaction means
// them: insert+update = insert of the merged row; insert+delete = nothing; update+update = one
// update with both; update+delete = delete; delete+insert = an update to the whole new row.
// Insert+insert, delete+delete and delete+update are errors.
Result<std::vector<LocalMutation>> merge_mutations(const std::vector<LocalMutation>& in);

}  // namespace shapesim
