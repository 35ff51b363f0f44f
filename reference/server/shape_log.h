// ShapeLog: one shape's messages, already encoded as JSON, cut into chunks.
//
// Layout: snapshot chunks, then the transaction log (entries at <commit lsn>_<op>).
//
// Offsets follow Electric 1.x: snapshot chunk i is answered with offset 0_i (the first
// answer, to offset=-1, is always 0_0, however many chunks there are); asking 0_i returns
// chunk i+1, and asking the last chunk's offset (or 0_inf) returns the transaction log from
// its start. The last chunk ends with the snapshot-end message. So a one-chunk snapshot
// answers 0_0, and 0_0 then reads the log.
//
// The log is cut into chunks by size: a chunk closes after the entry that brings it to at
// least `chunk_bytes`, also inside a transaction (every entry has its own offset, so a
// client resumes from any of them). A read returns everything after an offset up to the
// end of the chunk holding it, so a closed chunk always reads the same bytes.
//
//   ShapeLog log(10000);
//   log.set_snapshot({row_json...}, snapshot_end_json);   // or add_snapshot_row() + finish_snapshot()
//   log.append_transaction({{LogOffset{lsn, 0}, change_json}});
//   auto r = log.read_after(LogOffset::snapshot_end());   // r->messages, r->next, r->reached_end
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "reference/common/log_offset.h"
#include "reference/common/status.h"
#include "reference/server/snapshot_chunk.h"

namespace shapesim {

class ShapeLog {
 public:
  struct Entry {
    LogOffset offset;
    std::string json;
  };
  struct ReadResult {
    std::vector<std::string_view> messages;  // valid until the log is next modified
    LogOffset next;                            // the offset to ask for next
    bool reached_end = false;                  // true when nothing more is in the log now
    bool snapshot = false;                     // a snapshot chunk (never ends with up-to-date)
  };

  explicit ShapeLog(size_t chunk_bytes) : chunk_bytes_(chunk_bytes == 0 ? 1 : chunk_bytes) {}

  void set_snapshot(const std::vector<std::string>& rows, std::string_view snapshot_end);
  // Builds the snapshot row by row: a chunk closes once it holds `chunk_bytes`.
  void add_snapshot_row(std::string_view row);
  void finish_snapshot(std::string_view snapshot_end);
  // The snapshot as stored chunks (for persistence), and restoring it exactly.
  const std::vector<SnapshotChunk>& snapshot_chunks() const { return snapshot_chunks_; }
  void restore_snapshot(std::vector<SnapshotChunk> chunks) { snapshot_chunks_ = std::move(chunks); }
  // Entries of one transaction, offsets strictly increasing and beyond head().
  void append_transaction(std::vector<Entry> entries);

  // The first snapshot chunk (offset = -1).
  ReadResult read_initial() const;
  // Everything after `offset`. Fails for a snapshot offset past the last chunk or an offset
  // beyond both the head and `horizon` (a position the log is known complete up to, e.g. the
  // source's last processed LSN: asking from there is valid even if this shape has no entry).
  Result<ReadResult> read_after(LogOffset offset, LogOffset horizon = LogOffset{}) const;
  // The offset a read after `offset` starts from in the transaction log: the last snapshot
  // chunk's offset is the log's start (0_inf); every other offset is itself.
  LogOffset log_position(LogOffset offset) const;
  // The last offset in the log: 0_inf before any transaction.
  LogOffset head() const { return log_.empty() ? LogOffset::snapshot_end() : log_.back().offset; }
  size_t snapshot_chunk_count() const { return snapshot_chunks_.size(); }
  size_t entry_count() const { return log_.size(); }

 private:
  ReadResult read_snapshot_chunk(size_t index) const;

  size_t chunk_bytes_;
  std::vector<SnapshotChunk> snapshot_chunks_;
  std::vector<Entry> log_;
  std::vector<size_t> closed_chunk_ends_;  // exclusive indices into log_, increasing
  size_t open_chunk_bytes_ = 0;
};

}  // namespace shapesim
