// ClientEngine and its local file: what the synced layer applied is saved with the stream
// position after it, held-back updates only once applied (never a position ahead of the rows).
#include "reference/client/client_engine.h"

#include "reference/common/assert.h"

namespace shapesim {

void ClientEngine::save_soon(Timestamp now) {
  if (options_.save_every.micros > 0 && now < next_save_at_) return;  // the next save takes these too
  save_applied();
  if (options_.save_every.micros > 0) next_save_at_ = now + options_.save_every;
}

void ClientEngine::save_applied() {
  for (auto& s : shapes_) save_applied(s);
}

void ClientEngine::save_applied(SyncedShape& s) {
  uint64_t applied = state_.applied_updates(s.sync.collection);
  SHAPESIM_ASSERT(s.saved_updates <= applied);  // the file never runs ahead of the synced layer
  if (!store_) {
    s.saved_updates = applied;
    return;
  }
  if (applied == s.saved_updates || s.unsaved.empty()) return;
  // The updates applied since the last save, as one: their changes in order, a refetch among
  // them clears first, and the position is the last one's.
  StreamUpdate combined;
  std::optional<ShapeStreamPosition> position;
  for (; s.saved_updates < applied && !s.unsaved.empty(); ++s.saved_updates) {
    auto& [update, after] = s.unsaved.front();
    if (update.must_refetch) {
      combined.must_refetch = true;
      combined.changes.clear();  // dropped by the refetch anyway
    }
    for (auto& c : update.changes) combined.changes.push_back(std::move(c));
    position = after;
    s.unsaved.pop_front();
  }
  s.saved_updates = applied;
  save(s, combined, position);
}

void ClientEngine::save(SyncedShape& s, const StreamUpdate& update, const std::optional<ShapeStreamPosition>& position) {
  if (!worth_saving(update, position, s.saved_position)) return;
  // The synced layer, not what is visible: optimistic rows are not server state.
  note(store_->save_update(s.sync.collection, update, state_.synced(s.sync.collection), position));
  s.saved_position = update.must_refetch && !position ? std::nullopt : position;
}

}  // namespace shapesim
