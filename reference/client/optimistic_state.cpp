#include "reference/client/optimistic_state.h"

#include "reference/common/assert.h"
#include "reference/common/coverage.h"

namespace shapesim {

namespace {

constexpr size_t kFinishedKept = 1024;  // finished transactions remembered for transaction()

// Applies one optimistic mutation to a row being computed.
void apply_mutation(const LocalMutation& m, std::optional<WireRow>& row) {
  switch (m.op) {
    case LocalMutation::Op::kInsert:
      row = m.value;
      break;
    case LocalMutation::Op::kUpdate:
      if (row) {
        for (const auto& [c, v] : m.value) (*row)[c] = v;
      }
      break;
    case LocalMutation::Op::kDelete:
      row.reset();
      break;
  }
}

const LocalMutation* mutation_of(const LocalTransaction& tx, const std::string& collection, const std::string& key) {
  for (const auto& m : tx.mutations) {
    if (m.collection == collection && m.key == key) return &m;
  }
  return nullptr;
}

}  // namespace

void OptimisticState::add_collection(const std::string& name) { collections_.try_emplace(name); }

OptimisticState::CollectionState& OptimisticState::state_of(const std::string& collection) {
  auto it = collections_.find(collection);
  SHAPESIM_ASSERT(it != collections_.end());
  return it->second;
}

bool OptimisticState::touches(const LocalTransaction& tx, const std::string& collection) const {
  for (const auto& m : tx.mutations) {
    if (m.collection == collection) return true;
  }
  return false;
}

void OptimisticState::refresh(const std::string& collection, CollectionState& c, const std::string& key) {
  std::optional<WireRow> row;
  if (auto s = c.synced.rows().find(key); s != c.synced.rows().end()) row = s->second;
  bool synced = true;
  if (auto o = c.overlays.empty() ? c.overlays.end() : c.overlays.find(key); o != c.overlays.end()) {
    for (uint64_t seq : o->second) {
      auto tx = transactions_.find(seq);
      SHAPESIM_ASSERT(tx != transactions_.end() && tx->second.status == TxStatus::kPersisting);
      const LocalMutation* m = mutation_of(tx->second, collection, key);
      SHAPESIM_ASSERT(m != nullptr);
      apply_mutation(*m, row);
      synced = false;
    }
  }
  auto old = c.visible.find(key);
  if (old != c.visible.end() && row && old->second.row == *row) {
    old->second.synced = synced;  // same content: not a change (optimistic -> confirmed)
    return;
  }
  if (old == c.visible.end() && !row) return;
  std::optional<WireRow> before;
  if (old != c.visible.end()) {
    before = std::move(old->second.row);
    if (row) {
      old->second = VisibleRow{*row, synced};
    } else {
      c.visible.erase(old);
    }
  } else {
    c.visible.emplace(key, VisibleRow{*row, synced});
  }
  changes_.push_back({collection, key, std::move(before), std::move(row)});
}

Result<uint64_t> OptimisticState::commit(std::string id, const std::vector<LocalMutation>& mutations) {
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<LocalMutation> merged, merge_mutations(mutations));
  if (merged.empty()) return invalid_argument("a transaction needs at least one mutation that changes something");
  for (const auto& m : merged) {
    if (!collections_.count(m.collection)) return invalid_argument("no collection named " + m.collection);
  }
  uint64_t seq = next_seq_++;
  LocalTransaction& tx = transactions_[seq];
  tx.seq = seq;
  tx.id = std::move(id);
  tx.mutations = std::move(merged);
  for (const auto& m : tx.mutations) {
    CollectionState& c = state_of(m.collection);
    c.overlays[m.key].insert(seq);
    refresh(m.collection, c, m.key);
  }
  events_.push_back({seq, tx.id, TxStatus::kPersisting, ""});
  return seq;
}

void OptimisticState::acknowledged(uint64_t seq, uint64_t txid, Timestamp confirm_by, std::optional<uint64_t> commit_lsn) {
  auto it = transactions_.find(seq);
  if (it == transactions_.end() || it->second.status != TxStatus::kPersisting) return;
  it->second.txid = txid;
  it->second.commit_lsn = commit_lsn;
  it->second.confirm_by = confirm_by;
  settle();
}

void OptimisticState::apply_now(const std::string& collection, CollectionState& c, const StreamUpdate& update) {
  // Keys to show again (a key twice is harmless: the second refresh finds nothing changed).
  std::vector<std::string> keys;
  keys.reserve(update.changes.size() + (update.must_refetch ? c.visible.size() : 0));
  if (update.must_refetch) {
    for (const auto& [k, _] : c.visible) keys.push_back(k);
  }
  for (const auto& ch : update.changes) keys.push_back(ch.key);
  c.synced.apply(update);
  ++applied_updates_[collection];
  for (const auto& k : keys) refresh(collection, c, k);
}

void OptimisticState::apply_synced(const std::string& collection, const StreamUpdate& update) {
  CollectionState& c = state_of(collection);
  for (const auto& ch : update.changes) c.seen_txids.insert(ch.txids.begin(), ch.txids.end());
  if (update.global_lsn) c.seen_lsn = std::max(c.seen_lsn, *update.global_lsn);
  bool held = false;
  for (const auto& [seq, tx] : transactions_) held = held || (tx.status == TxStatus::kPersisting && touches(tx, collection));
  if (held) {
    c.held.push_back(update);
  } else {
    apply_now(collection, c, update);
  }
  settle();
}

void OptimisticState::finish(uint64_t seq, TxStatus status, const std::string& error) {
  auto it = transactions_.find(seq);
  SHAPESIM_ASSERT(it != transactions_.end() && it->second.status == TxStatus::kPersisting);
  LocalTransaction& tx = it->second;
  tx.status = status;
  tx.error = error;
  for (const auto& m : tx.mutations) {
    CollectionState& c = state_of(m.collection);
    auto o = c.overlays.find(m.key);
    SHAPESIM_ASSERT(o != c.overlays.end() && o->second.erase(seq) == 1);
    if (o->second.empty()) c.overlays.erase(o);
  }
  events_.push_back({seq, tx.id, status, error});
}

void OptimisticState::settle() {
  // 1. Complete acknowledged transactions whose txid reached every collection they touch (or
  //    whose commit LSN that collection's stream has passed: the write changed nothing there),
  //    but only together with every other pending transaction of those collections (their held
  //    updates are flushed in this same step; completing one alone would show the stale synced
  //    row, and completing a transaction before one of its collections has its change would
  //    show that collection's row going away and coming back).
  std::set<uint64_t> ready;
  for (const auto& [seq, tx] : transactions_) {
    if (tx.status != TxStatus::kPersisting || !tx.txid) continue;
    bool seen = true;
    bool by_lsn = false;
    for (const auto& m : tx.mutations) {
      const CollectionState& c = state_of(m.collection);
      const bool txid_here = c.seen_txids.count(*tx.txid) > 0;
      const bool lsn_here = tx.commit_lsn && c.seen_lsn > *tx.commit_lsn;
      seen = seen && (txid_here || lsn_here);
      by_lsn = by_lsn || (!txid_here && lsn_here);
    }
    if (seen && by_lsn) sometimes(Probe::kConfirmedByLsn);
    if (seen) ready.insert(seq);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = ready.begin(); it != ready.end();) {
      const LocalTransaction& tx = transactions_[*it];
      bool blocked = false;
      for (const auto& [other, o] : transactions_) {
        if (o.status != TxStatus::kPersisting || ready.count(other)) continue;
        for (const auto& m : tx.mutations) blocked = blocked || touches(o, m.collection);
      }
      if (blocked) {
        it = ready.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  }
  std::vector<uint64_t> done(ready.begin(), ready.end());
  std::set<std::pair<std::string, std::string>> keys;
  for (uint64_t seq : done) {
    finish(seq, TxStatus::kCompleted, "");
    for (const auto& m : transactions_[seq].mutations) keys.insert({m.collection, m.key});
  }
  // 2. Flush held updates of collections no pending transaction touches any more; then show
  //    every key that moved, in the same step.
  for (auto& [name, c] : collections_) {
    if (c.held.empty()) continue;
    bool busy = false;
    for (const auto& [seq, tx] : transactions_) busy = busy || (tx.status == TxStatus::kPersisting && touches(tx, name));
    if (busy) continue;
    while (!c.held.empty()) {
      apply_now(name, c, c.held.front());
      c.held.pop_front();
    }
  }
  for (const auto& [collection, key] : keys) refresh(collection, state_of(collection), key);
  // Forget old finished transactions.
  size_t finished = 0;
  for (const auto& [seq, tx] : transactions_) finished += tx.status != TxStatus::kPersisting ? 1 : 0;
  for (auto it = transactions_.begin(); finished > kFinishedKept && it != transactions_.end();) {
    if (it->second.status == TxStatus::kPersisting) {
      ++it;
      continue;
    }
    it = transactions_.erase(it);
    --finished;
  }
}

void OptimisticState::fail(uint64_t seq, const std::string& error) {
  auto first = transactions_.find(seq);
  if (first == transactions_.end() || first->second.status != TxStatus::kPersisting) return;
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& m : first->second.mutations) keys.insert({m.collection, m.key});
  std::vector<uint64_t> failing = {seq};
  for (auto it = std::next(first); it != transactions_.end(); ++it) {
    if (it->second.status != TxStatus::kPersisting) continue;
    bool shares = false;
    for (const auto& m : it->second.mutations) shares = shares || keys.count({m.collection, m.key}) > 0;
    if (!shares) continue;
    failing.push_back(it->first);
    for (const auto& m : it->second.mutations) keys.insert({m.collection, m.key});
  }
  if (failing.size() > 1) sometimes(Probe::kRollbackCascade);
  for (uint64_t s : failing) {
    finish(s, TxStatus::kFailed, s == seq ? error : "rolled back with transaction " + first->second.id + ": " + error);
  }
  for (const auto& [collection, key] : keys) refresh(collection, state_of(collection), key);
  settle();
}

void OptimisticState::tick(Timestamp now) {
  std::vector<uint64_t> late;
  for (const auto& [seq, tx] : transactions_) {
    if (tx.status == TxStatus::kPersisting && tx.confirm_by && *tx.confirm_by <= now) late.push_back(seq);
  }
  for (uint64_t seq : late) fail(seq, "txid " + std::to_string(*transactions_[seq].txid) + " was not synced in time");
}

std::optional<Timestamp> OptimisticState::wake_at() const {
  std::optional<Timestamp> at;
  for (const auto& [seq, tx] : transactions_) {
    if (tx.status == TxStatus::kPersisting && tx.confirm_by && (!at || *tx.confirm_by < *at)) at = tx.confirm_by;
  }
  return at;
}

void OptimisticState::purge(const std::string& reason) {
  std::vector<uint64_t> pending_seqs;
  for (const auto& [seq, tx] : transactions_) {
    if (tx.status == TxStatus::kPersisting) pending_seqs.push_back(seq);
  }
  for (uint64_t seq : pending_seqs) finish(seq, TxStatus::kFailed, reason);
  for (auto& [name, c] : collections_) {
    SHAPESIM_ASSERT(c.overlays.empty());
    for (const auto& [key, row] : c.visible) changes_.push_back({name, key, row.row, std::nullopt});
    c = CollectionState{};
  }
}

void OptimisticState::purge_collection(const std::string& collection, const std::string& reason) {
  std::vector<uint64_t> touching;
  for (const auto& [seq, tx] : transactions_) {
    if (tx.status == TxStatus::kPersisting && touches(tx, collection)) touching.push_back(seq);
  }
  for (uint64_t seq : touching) fail(seq, reason);  // (a cascade may have failed it already: then a no-op)
  CollectionState& c = state_of(collection);
  SHAPESIM_ASSERT(c.overlays.empty());
  for (const auto& [key, row] : c.visible) changes_.push_back({collection, key, row.row, std::nullopt});
  c = CollectionState{};
  settle();
}

std::map<std::string, VisibleRow> OptimisticState::visible(const std::string& collection) const {
  auto it = collections_.find(collection);
  return it == collections_.end() ? std::map<std::string, VisibleRow>{} : it->second.visible;
}

size_t OptimisticState::visible_count(const std::string& collection) const {
  auto it = collections_.find(collection);
  return it == collections_.end() ? 0 : it->second.visible.size();
}

std::optional<VisibleRow> OptimisticState::visible_row(const std::string& collection, const std::string& key) const {
  auto it = collections_.find(collection);
  if (it == collections_.end()) return std::nullopt;
  auto row = it->second.visible.find(key);
  return row == it->second.visible.end() ? std::nullopt : std::optional<VisibleRow>(row->second);
}

const std::map<std::string, WireRow>& OptimisticState::synced(const std::string& collection) const {
  static const std::map<std::string, WireRow> kNone;
  auto it = collections_.find(collection);
  return it == collections_.end() ? kNone : it->second.synced.rows();
}

const Collection& OptimisticState::synced_collection(const std::string& collection) const {
  static const Collection kNone;
  auto it = collections_.find(collection);
  return it == collections_.end() ? kNone : it->second.synced;
}

const LocalTransaction* OptimisticState::transaction(uint64_t seq) const {
  auto it = transactions_.find(seq);
  return it == transactions_.end() ? nullptr : &it->second;
}

std::vector<const LocalTransaction*> OptimisticState::pending() const {
  std::vector<const LocalTransaction*> out;
  for (const auto& [seq, tx] : transactions_) {
    if (tx.status == TxStatus::kPersisting) out.push_back(&tx);
  }
  return out;
}

size_t OptimisticState::held_updates(const std::string& collection) const {
  auto it = collections_.find(collection);
  return it == collections_.end() ? 0 : it->second.held.size();
}

uint64_t OptimisticState::applied_updates(const std::string& collection) const {
  auto it = applied_updates_.find(collection);
  return it == applied_updates_.end() ? 0 : it->second;
}

std::vector<VisibleChange> OptimisticState::take_changes() { return std::exchange(changes_, {}); }
std::vector<TxEvent> OptimisticState::take_events() { return std::exchange(events_, {}); }

}  // namespace shapesim
