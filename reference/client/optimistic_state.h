// OptimisticState: the client engine's rows in two layers, sans-I/O.
//
//   OptimisticState state;
//   state.add_collection("tasks");
//   auto seq = state.commit("tx-1", {{LocalMutation::Op::kInsert, "tasks", "\"public\".\"tasks\"/\"7\"", row}});
//   state.visible("tasks");                 // the synced rows with the pending transactions applied
//   state.acknowledged(*seq, 1042, now + 10s);  // the server answered txid 1042
//   state.apply_synced("tasks", update);    // a shape stream's update; completes tx-1 when it carries 1042
//   state.take_changes();                   // what became visible or went away, for live queries
//
// Layers. The synced layer holds what the shape streams delivered, whole server transactions at
// a time. The optimistic layer holds the mutations of pending (persisting) transactions. What a
// reader sees is the synced rows with every pending transaction applied in commit order; each
// visible row says whether it is exactly the synced row.
//
// No flicker. While a pending transaction touches a collection, synced updates for it are held
// back (their txids are noted). When the txid of every held-up transaction has been seen, the
// held updates are applied and those transactions' overlays dropped in the same step, so a row
// never shows the server's old value between its optimistic and its confirmed one.
//
// Failure. fail(seq) rolls back that transaction and every pending transaction committed after
// it that touches one of its keys (a cascade: they were built on top of it). A transaction
// acknowledged but whose txid is not synced by its confirm_by deadline fails at tick().
//
// Invariants (checked, SHAPESIM_ASSERT): visible rows equal the synced rows with the pending
// transactions applied in order; a transaction is pending iff it has an overlay.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reference/client/collection.h"
#include "reference/client/local_transaction.h"

namespace shapesim {

struct VisibleRow {
  WireRow row;
  bool synced = true;  // no pending transaction changes it
  friend bool operator==(const VisibleRow&, const VisibleRow&) = default;
};

// A change of what a reader sees: `before` absent = appeared, `after` absent = went away.
struct VisibleChange {
  std::string collection;
  std::string key;
  std::optional<WireRow> before;
  std::optional<WireRow> after;
};

// Something the application should hear about a transaction.
struct TxEvent {
  uint64_t seq = 0;
  std::string id;
  TxStatus status = TxStatus::kPersisting;
  std::string error;
};

class OptimisticState {
 public:
  void add_collection(const std::string& name);
  bool has_collection(const std::string& name) const { return collections_.count(name) > 0; }

  // Commits a local transaction: merged per key, applied optimistically at once. Errors: an
  // unknown collection, mutations that do not merge, an empty transaction.
  Result<uint64_t> commit(std::string id, const std::vector<LocalMutation>& mutations);
  // The server accepted it with `txid` (committed at `commit_lsn`, when the server says). It
  // completes when, in every collection it touches, the txid is synced or an up-to-date reports
  // a global_last_seen_lsn past its commit LSN (the write changed nothing in that shape); else
  // it fails at `confirm_by`.
  void acknowledged(uint64_t seq, uint64_t txid, Timestamp confirm_by, std::optional<uint64_t> commit_lsn = std::nullopt);
  // Rolls back `seq` and every later pending transaction sharing a key with it.
  void fail(uint64_t seq, const std::string& error);
  // A shape stream's update for `collection` (held back while a pending transaction touches it).
  void apply_synced(const std::string& collection, const StreamUpdate& update);
  // Fails acknowledged transactions whose txid was not synced by their deadline.
  void tick(Timestamp now);
  // The earliest confirm_by of an acknowledged transaction.
  std::optional<Timestamp> wake_at() const;
  // Drops everything: synced rows, held updates, pending transactions (each fails with
  // `reason`). For a purge on a permission change or logout.
  void purge(const std::string& reason);
  // Drops one collection's synced rows and held updates; pending transactions touching it fail
  // (in every collection they touch, with those built on them). For a shape refused while the
  // others stay readable.
  void purge_collection(const std::string& collection, const std::string& reason);

  std::map<std::string, VisibleRow> visible(const std::string& collection) const;
  size_t visible_count(const std::string& collection) const;
  std::optional<VisibleRow> visible_row(const std::string& collection, const std::string& key) const;
  const std::map<std::string, WireRow>& synced(const std::string& collection) const;
  // The synced layer itself (its txids and the anomalies it noticed; for checkers).
  const Collection& synced_collection(const std::string& collection) const;
  const LocalTransaction* transaction(uint64_t seq) const;
  // Pending transactions in commit order.
  std::vector<const LocalTransaction*> pending() const;
  size_t held_updates(const std::string& collection) const;
  // How many stream updates reached the synced layer of `collection` so far (held ones count
  // once they are applied; never reset): what a local file may save.
  uint64_t applied_updates(const std::string& collection) const;

  std::vector<VisibleChange> take_changes();
  std::vector<TxEvent> take_events();

 private:
  struct CollectionState {
    Collection synced;
    std::deque<StreamUpdate> held;
    std::set<uint64_t> seen_txids;                    // in applied or held updates
    uint64_t seen_lsn = 0;                            // the highest global_last_seen_lsn among them
    std::map<std::string, VisibleRow> visible;         // maintained per key
    std::map<std::string, std::set<uint64_t>> overlays;  // key -> pending seqs touching it
  };

  CollectionState& state_of(const std::string& collection);
  // Recomputes one key's visible row from the synced row and the pending overlays, recording a
  // change if it moved.
  void refresh(const std::string& collection, CollectionState& c, const std::string& key);
  void apply_now(const std::string& collection, CollectionState& c, const StreamUpdate& update);
  // Completes acknowledged transactions whose txid is seen and flushes held updates of
  // collections no pending transaction touches any more.
  void settle();
  void finish(uint64_t seq, TxStatus status, const std::string& error);
  bool touches(const LocalTransaction& tx, const std::string& collection) const;

  std::map<std::string, CollectionState> collections_;
  std::map<std::string, uint64_t> applied_updates_;  // by collection, across purges
  std::map<uint64_t, LocalTransaction> transactions_;  // pending ones and the recently finished
  uint64_t next_seq_ = 1;
  std::vector<VisibleChange> changes_;
  std::vector<TxEvent> events_;
};

}  // namespace shapesim
