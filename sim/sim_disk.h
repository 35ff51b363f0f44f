// SimDisk: a node's disk under simulation, exposed to SQLite as a VFS (vfs_name()), so the
// embedded store runs its real commit protocol (rollback journal, synchronous=FULL) on it.
//
// Storage model: every file has durable bytes (what survives a crash) and pending writes
// and truncations made since its last xSync. Both images are PagedBytes sharing unchanged
// pages, so a sync copies the pointers of the pages written since the last one, not bytes. crash() keeps a random subset of each file's
// pending operations (each kept with probability `keep_unsynced`, in their original order)
// on top of the durable bytes and discards the rest: unsynced writes may be lost or torn in
// any combination, synced ones never are. Deleting a file is durable at once (SQLite deletes
// its journal only after syncing the database).
//
// fail_after_ops(n): the n-th following I/O operation (write, truncate, sync, delete) and every one
// after it fail with SQLITE_IOERR, as if the machine died in the middle of a commit; the
// driver then crashes the node. Nothing here reads a clock or an unseeded random source.
//
//   SimDisk disk("server", rng.stream(kDiskStream));
//   auto store = EmbeddedStore::open("/server/store.db", disk.vfs_name());
//   ... store.reset(); disk.crash(); ... reopen: SQLite rolls back a hot journal.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reference/common/random.h"
#include "sim/paged_bytes.h"

namespace shapesim::sim {

class SimDisk {
 public:
  SimDisk(std::string name, Random rng, double keep_unsynced = 0.5);
  ~SimDisk();
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  const std::string& vfs_name() const { return vfs_name_; }

  // Power loss: every file keeps its durable bytes plus a random subset of its unsynced
  // operations. Returns how many unsynced operations were dropped. Clears any fail_after.
  uint64_t crash();
  void fail_after_ops(uint64_t n) { fail_in_ = n; }
  void disarm() { fail_in_.reset(); }
  bool failed() const { return fail_in_ && *fail_in_ == 0; }

  uint64_t syncs() const { return syncs_; }

  // --- used by the VFS callbacks ---
  struct PendingOp {
    bool truncate = false;
    int64_t offset = 0;  // write offset, or the new size of a truncation
    size_t begin = 0, size = 0;  // a write's bytes: File::pending_bytes[begin, begin + size)
  };
  struct File {
    PagedBytes durable;
    PagedBytes current;  // durable + every pending op (pages shared with durable until written)
    std::vector<PendingOp> pending;
    std::vector<uint8_t> pending_bytes;  // the pending writes' bytes, end to end (kept allocated across syncs)
    int open_handles = 0;
  };
  File* find(const std::string& path);
  File& create(const std::string& path);
  void remove(const std::string& path);
  // False once the disk is failing (the operation must report SQLITE_IOERR).
  bool take_op();
  void note_sync() { ++syncs_; }
  uint64_t next_temp_id() { return ++temp_files_; }

 private:
  std::string name_;
  std::string vfs_name_;
  Random rng_;
  double keep_unsynced_;
  std::map<std::string, File> files_;  // ordered: crash() draws in a fixed order
  std::optional<uint64_t> fail_in_;
  uint64_t syncs_ = 0, temp_files_ = 0;
  sqlite3_vfs vfs_{};
};

}  // namespace shapesim::sim
