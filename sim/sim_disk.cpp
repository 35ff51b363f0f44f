#include "sim/sim_disk.h"

#include "reference/common/assert.h"
#include "reference/common/sqlite_process.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace shapesim::sim {

namespace {

// The sqlite3_file SQLite allocates for us (szOsFile bytes); constructed in place by xOpen.
struct OpenFile {
  sqlite3_file base;
  SimDisk* disk;
  std::string path;
  bool delete_on_close;
};

SimDisk* disk_of(sqlite3_vfs* vfs) { return static_cast<SimDisk*>(vfs->pAppData); }
OpenFile* open_file(sqlite3_file* f) { return reinterpret_cast<OpenFile*>(f); }

void apply_op(PagedBytes& bytes, const SimDisk::PendingOp& op, const std::vector<uint8_t>& pending_bytes) {
  if (op.truncate) {
    bytes.truncate(static_cast<size_t>(op.offset));
    return;
  }
  SHAPESIM_ASSERT(op.begin + op.size <= pending_bytes.size());
  bytes.write(static_cast<size_t>(op.offset), pending_bytes.data() + op.begin, op.size);
}

int x_close(sqlite3_file* f) {
  OpenFile* file = open_file(f);
  if (SimDisk::File* data = file->disk->find(file->path)) {
    --data->open_handles;
    if (file->delete_on_close && !file->disk->failed()) file->disk->remove(file->path);
  }
  file->~OpenFile();
  return SQLITE_OK;
}

int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  OpenFile* file = open_file(f);
  SimDisk::File* data = file->disk->find(file->path);
  if (!data) return SQLITE_IOERR_READ;
  const PagedBytes& bytes = data->current;
  size_t available = offset < static_cast<sqlite3_int64>(bytes.size()) ? bytes.size() - static_cast<size_t>(offset) : 0;
  size_t n = std::min(available, static_cast<size_t>(amount));
  if (n > 0) bytes.read(static_cast<size_t>(offset), static_cast<uint8_t*>(out), n);
  if (n < static_cast<size_t>(amount)) {
    std::memset(static_cast<uint8_t*>(out) + n, 0, static_cast<size_t>(amount) - n);
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* f, const void* in, int amount, sqlite3_int64 offset) {
  OpenFile* file = open_file(f);
  SimDisk::File* data = file->disk->find(file->path);
  if (!data || !file->disk->take_op()) return SQLITE_IOERR_WRITE;
  const auto* p = static_cast<const uint8_t*>(in);
  SimDisk::PendingOp op{false, offset, data->pending_bytes.size(), static_cast<size_t>(amount)};
  data->pending_bytes.insert(data->pending_bytes.end(), p, p + amount);
  apply_op(data->current, op, data->pending_bytes);
  data->pending.push_back(op);
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  OpenFile* file = open_file(f);
  SimDisk::File* data = file->disk->find(file->path);
  if (!data || !file->disk->take_op()) return SQLITE_IOERR_TRUNCATE;
  SimDisk::PendingOp op{true, size, 0, 0};
  apply_op(data->current, op, data->pending_bytes);
  data->pending.push_back(op);
  return SQLITE_OK;
}

int x_sync(sqlite3_file* f, int) {
  OpenFile* file = open_file(f);
  SimDisk::File* data = file->disk->find(file->path);
  if (!data || !file->disk->take_op()) return SQLITE_IOERR_FSYNC;
  // The pending operations become durable: the durable image becomes the current one, which
  // is the durable image with every pending operation applied (pages are shared, not copied).
  data->current.sync_into(data->durable);
  data->pending.clear();
  data->pending_bytes.clear();
  file->disk->note_sync();
  return SQLITE_OK;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  OpenFile* file = open_file(f);
  SimDisk::File* data = file->disk->find(file->path);
  if (!data) return SQLITE_IOERR_FSTAT;
  *size = static_cast<sqlite3_int64>(data->current.size());
  return SQLITE_OK;
}

// One process, one connection per database: locks always succeed.
int x_lock(sqlite3_file*, int) { return SQLITE_OK; }
int x_unlock(sqlite3_file*, int) { return SQLITE_OK; }
int x_check_reserved_lock(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int x_file_control(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int x_sector_size(sqlite3_file*) { return 512; }
// No atomic-write or power-safe-overwrite guarantees: SQLite takes its most careful path.
int x_device_characteristics(sqlite3_file*) { return 0; }

const sqlite3_io_methods kIoMethods = {
    1,           x_close,     x_read,     x_write,     x_truncate,          x_sync,
    x_file_size, x_lock,      x_unlock,   x_check_reserved_lock, x_file_control, x_sector_size,
    x_device_characteristics, nullptr,    nullptr,     nullptr,             nullptr,  nullptr,
    nullptr};

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  SimDisk* disk = disk_of(vfs);
  std::string path = name ? name : "temp-" + std::to_string(disk->next_temp_id());
  SimDisk::File* data = disk->find(path);
  if (!data) {
    if (!(flags & SQLITE_OPEN_CREATE)) return SQLITE_CANTOPEN;
    data = &disk->create(path);
  }
  ++data->open_handles;
  auto* file = new (f) OpenFile{{&kIoMethods}, disk, path, (flags & SQLITE_OPEN_DELETEONCLOSE) != 0 || !name};
  (void)file;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int) {
  if (!disk_of(vfs)->take_op()) return SQLITE_IOERR_DELETE;
  disk_of(vfs)->remove(name);
  return SQLITE_OK;
}

int x_access(sqlite3_vfs* vfs, const char* name, int, int* out) {
  SimDisk::File* f = disk_of(vfs)->find(name);
  *out = f != nullptr;
  return SQLITE_OK;
}

int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  sqlite3_snprintf(n, out, "%s", name);
  return SQLITE_OK;
}

void* x_dl_open(sqlite3_vfs*, const char*) { return nullptr; }
void x_dl_error(sqlite3_vfs*, int n, char* out) { sqlite3_snprintf(n, out, "no extensions under simulation"); }
void (*x_dl_sym(sqlite3_vfs*, void*, const char*))(void) { return nullptr; }
void x_dl_close(sqlite3_vfs*, void*) {}

// Deterministic: SQLite's randomness (journal nonces, temp names) is a fixed pattern.
int x_randomness(sqlite3_vfs*, int n, char* out) {
  for (int i = 0; i < n; ++i) out[i] = static_cast<char>(i * 131 + 7);
  return n;
}
int x_sleep(sqlite3_vfs*, int) { return 0; }
// A fixed instant (2026-01-01): nothing in the store depends on SQLite's clock.
int x_current_time(sqlite3_vfs*, double* out) {
  *out = 2461041.5;
  return SQLITE_OK;
}
int x_get_last_error(sqlite3_vfs*, int, char*) { return 0; }

uint64_t next_vfs_number() {
  static uint64_t n = 0;  // only names VFS registrations; never reaches a trace
  return ++n;
}

}  // namespace

SimDisk::SimDisk(std::string name, Random rng, double keep_unsynced)
    : name_(std::move(name)),
      vfs_name_("shapesim-disk-" + std::to_string(next_vfs_number())),
      rng_(rng),
      keep_unsynced_(keep_unsynced) {
  vfs_.iVersion = 1;
  vfs_.szOsFile = sizeof(OpenFile);
  vfs_.mxPathname = 512;
  vfs_.zName = vfs_name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = x_open;
  vfs_.xDelete = x_delete;
  vfs_.xAccess = x_access;
  vfs_.xFullPathname = x_full_pathname;
  vfs_.xDlOpen = x_dl_open;
  vfs_.xDlError = x_dl_error;
  vfs_.xDlSym = x_dl_sym;
  vfs_.xDlClose = x_dl_close;
  vfs_.xRandomness = x_randomness;
  vfs_.xSleep = x_sleep;
  vfs_.xCurrentTime = x_current_time;
  vfs_.xGetLastError = x_get_last_error;
  prepare_sqlite();  // before registering, which starts SQLite
  sqlite3_vfs_register(&vfs_, 0);
}

SimDisk::~SimDisk() { sqlite3_vfs_unregister(&vfs_); }

SimDisk::File* SimDisk::find(const std::string& path) {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

SimDisk::File& SimDisk::create(const std::string& path) { return files_[path]; }

void SimDisk::remove(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end() && it->second.open_handles == 0) files_.erase(it);
  else if (it != files_.end()) it->second = File{{}, {}, {}, {}, it->second.open_handles};
}

bool SimDisk::take_op() {
  if (!fail_in_) return true;
  if (*fail_in_ <= 1) {
    fail_in_ = 0;
    return false;
  }
  --*fail_in_;
  return true;
}

uint64_t SimDisk::crash() {
  uint64_t dropped = 0;
  for (auto it = files_.begin(); it != files_.end();) {
    File& f = it->second;
    if (it->first.rfind("temp-", 0) == 0) {  // temporary files do not survive a restart
      it = files_.erase(it);
      continue;
    }
    PagedBytes survived = f.durable;
    for (const auto& op : f.pending) {
      if (rng_.bernoulli(keep_unsynced_)) {
        apply_op(survived, op, f.pending_bytes);
      } else {
        ++dropped;
      }
    }
    survived.forget_changes();
    f.durable = survived;
    f.current = std::move(survived);
    SHAPESIM_ASSERT(f.durable == f.current);
    f.pending.clear();
    f.pending_bytes.clear();
    f.open_handles = 0;
    ++it;
  }
  fail_in_.reset();
  return dropped;
}

}  // namespace shapesim::sim
