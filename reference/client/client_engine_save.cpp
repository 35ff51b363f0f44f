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
  uint64_t applied = state_.applied_updates(options_.collection);
  SHAPESIM_ASSERT(saved_updates_ <= applied);  // the file never runs ahead of the synced layer
  if (!store_) {
    saved_updates_ = applied;
    return;
  }
  if (applied == saved_updates_ || unsaved_.empty()) return;
  // The updates applied since the last save, as one: their changes in order, a refetch among
  // them clears first, and the position is the last one's.
  StreamUpdate combined;
  std::optional<ShapeStreamPosition> position;
  for (; saved_updates_ < applied && !unsaved_.empty(); ++saved_updates_) {
    auto& [update, after] = unsaved_.front();
    if (update.must_refetch) {
      combined.must_refetch = true;
      combined.changes.clear();  // dropped by the refetch anyway
    }
    for (auto& c : update.changes) combined.changes.push_back(std::move(c));
    position = after;
    unsaved_.pop_front();
  }
  saved_updates_ = applied;
  save(combined, position);
}

void ClientEngine::save(const StreamUpdate& update, const std::optional<ShapeStreamPosition>& position) {
  if (!worth_saving(update, position, saved_position_)) return;
  // The synced layer, not what is visible: optimistic rows are not server state.
  note(store_->save_update(options_.collection, update, state_.synced(options_.collection), position));
  saved_position_ = update.must_refetch && !position ? std::nullopt : position;
}

}  // namespace shapesim
