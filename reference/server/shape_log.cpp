#include "reference/server/shape_log.h"

#include <algorithm>

#include "reference/common/assert.h"
#include "reference/common/coverage.h"

namespace shapesim {

void ShapeLog::set_snapshot(const std::vector<std::string>& rows, std::string_view snapshot_end) {
  snapshot_chunks_.clear();
  for (const auto& row : rows) add_snapshot_row(row);
  finish_snapshot(snapshot_end);
}

void ShapeLog::add_snapshot_row(std::string_view row) {
  if (snapshot_chunks_.empty() || snapshot_chunks_.back().body.size() >= chunk_bytes_) {
    snapshot_chunks_.emplace_back();
  }
  snapshot_chunks_.back().add(row);
}

void ShapeLog::finish_snapshot(std::string_view snapshot_end) {
  if (snapshot_chunks_.empty()) snapshot_chunks_.emplace_back();
  snapshot_chunks_.back().add(snapshot_end);
}

void ShapeLog::append_transaction(std::vector<Entry> entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    SHAPESIM_ASSERT(e.offset > head());
    SHAPESIM_ASSERT(!e.offset.is_snapshot());
    open_chunk_bytes_ += e.json.size();
    log_.push_back(std::move(e));
    // Close the chunk at the entry that fills it, inside a transaction too: a client reading
    // a closed chunk resumes from its last entry's offset.
    if (open_chunk_bytes_ >= chunk_bytes_) {
      closed_chunk_ends_.push_back(log_.size());
      open_chunk_bytes_ = 0;
      if (i + 1 < entries.size()) sometimes(Probe::kLogChunkClosedInsideTransaction);
    }
  }
  SHAPESIM_ASSERT(closed_chunk_ends_.empty() || closed_chunk_ends_.back() <= log_.size());
}

ShapeLog::ReadResult ShapeLog::read_snapshot_chunk(size_t index) const {
  SHAPESIM_ASSERT(index < snapshot_chunks_.size());
  ReadResult r;
  r.snapshot = true;
  const SnapshotChunk& chunk = snapshot_chunks_[index];
  r.messages.reserve(chunk.size());
  for (size_t i = 0; i < chunk.size(); ++i) r.messages.push_back(chunk.message(i));
  r.next = LogOffset::snapshot_chunk(index);
  return r;
}

ShapeLog::ReadResult ShapeLog::read_initial() const { return read_snapshot_chunk(0); }

LogOffset ShapeLog::log_position(LogOffset offset) const {
  if (offset.is_snapshot() && offset.op + 1 == snapshot_chunks_.size()) return LogOffset::snapshot_end();
  return offset;
}

Result<ShapeLog::ReadResult> ShapeLog::read_after(LogOffset offset, LogOffset horizon) const {
  offset = log_position(offset);
  if (offset.is_snapshot() && offset != LogOffset::snapshot_end()) {
    // 0_i before the last chunk: the next chunk. (0_i past the last chunk never named a
    // chunk of this shape.)
    if (offset.op + 1 >= snapshot_chunks_.size()) return invalid_argument("out of bounds for this shape");
    return read_snapshot_chunk(static_cast<size_t>(offset.op) + 1);
  }
  if (offset > head() && offset > horizon) return invalid_argument("out of bounds for this shape");
  ReadResult r;
  auto first = std::upper_bound(log_.begin(), log_.end(), offset,
                                [](const LogOffset& o, const Entry& e) { return o < e.offset; });
  size_t pos = static_cast<size_t>(first - log_.begin());
  if (pos == log_.size()) {
    r.next = offset;
    r.reached_end = true;
    return r;
  }
  auto chunk_end = std::upper_bound(closed_chunk_ends_.begin(), closed_chunk_ends_.end(), pos);
  size_t end = chunk_end == closed_chunk_ends_.end() ? log_.size() : *chunk_end;
  SHAPESIM_ASSERT(end > pos && end <= log_.size());
  for (size_t i = pos; i < end; ++i) r.messages.push_back(log_[i].json);
  r.next = log_[end - 1].offset;
  r.reached_end = end == log_.size();
  return r;
}

}  // namespace shapesim
