// TransactionAssembler: pgoutput messages in stream order -> committed transactions.
// Pure state machine (no I/O): the replication driver feeds it decoded messages.
//
//   TransactionAssembler a;
//   for each XLogData payload: auto ev = a.feed(*decode_pgoutput(bytes));
//     ev->transaction        -> a whole transaction at its Commit (changes in order)
// (Relation messages are remembered; whether one announces a schema change is for the
// caller to judge against what its shapes were built on: relation_matches_table.)
//
// Contract: Begin ... Commit brackets every change; Insert/Update/Delete name a relation
// announced earlier; tuples have the relation's column count. Anything else is an error and
// the assembler must be discarded (the stream is restarted from the last acknowledged LSN).
// Unchanged TOAST values in an update are taken from the old tuple (REPLICA IDENTITY FULL).
// Columns of unsupported types are carried as text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reference/pg/pgoutput.h"
#include "reference/server/source_of_truth.h"

namespace shapesim::pg {

struct AssemblerEvent {
  std::optional<CommittedTransaction> transaction;
  uint64_t end_lsn = 0;  // with a transaction: the LSN to acknowledge once it is durable
};

class TransactionAssembler {
 public:
  Result<AssemblerEvent> feed(const PgMessage& message);

  // The relation as last announced (columns typed by OID), if any.
  const PgRelation* relation(uint32_t id) const;
  bool in_transaction() const { return current_.has_value(); }

 private:
  Result<Row> to_row(const PgRelation& rel, const PgTuple& tuple, const PgTuple* fill_unchanged_from) const;

  std::map<uint32_t, PgRelation> relations_;
  std::optional<CommittedTransaction> current_;
  uint64_t begin_final_lsn_ = 0;
};

}  // namespace shapesim::pg
