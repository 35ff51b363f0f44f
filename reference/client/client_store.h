// ClientStore: the client's local SQLite file: the outbox, each shape's rows with the stream
// position they correspond to, and small settings (data version, tokens).
//
//   auto store = ClientStore::open("app.db");          // or a VFS name: the simulator's SimDisk
//   Outbox outbox(store->get(), rng);                    // the outbox persists through it
//   store->save_update(shape, update, collection.rows(), stream.position());  // one transaction
//   auto saved = store->load_shape(shape);               // after a restart: rows + where to resume
//
// Contract: save_update writes the rows an update changed and the position after it in one
// SQLite transaction, so a crash leaves rows and position consistent (both before or both
// after); a must_refetch update clears the shape's rows and position first. Every write is
// durable when it returns (synchronous=FULL). purge() drops rows, positions and settings in one
// transaction (the outbox is settled separately, by its owner).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "reference/client/outbox.h"
#include "reference/client/shape_stream.h"

struct sqlite3;
struct sqlite3_stmt;

namespace shapesim {

// Whether an applied update is worth a save_update: rows changed, a refetch, or the stream
// moved in its log (a long-poll that only renewed the cursor is not worth a commit). `saved`
// is the position the file holds.
bool worth_saving(const StreamUpdate& update, const std::optional<ShapeStreamPosition>& position,
                  const std::optional<ShapeStreamPosition>& saved);

class ClientStore : public OutboxStorage {
 public:
  static Result<std::unique_ptr<ClientStore>> open(const std::string& path, const std::string& vfs = "");
  ~ClientStore() override;
  ClientStore(const ClientStore&) = delete;
  ClientStore& operator=(const ClientStore&) = delete;

  Status append(const OutboxEntry& entry) override;
  Status remove(uint64_t seq) override;
  Result<std::vector<OutboxEntry>> load() override;

  Status save_update(const std::string& shape, const StreamUpdate& update, const std::map<std::string, WireRow>& rows_after,
                     const std::optional<ShapeStreamPosition>& position);
  struct SavedShape {
    std::map<std::string, WireRow> rows;
    std::optional<ShapeStreamPosition> position;
  };
  Result<SavedShape> load_shape(const std::string& shape);
  Status put(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> get(const std::string& key);
  Status purge();

 private:
  static constexpr int kFileVersion = 1;  // PRAGMA user_version of the current layout
  explicit ClientStore(sqlite3* db) : db_(db) {}
  Status migrate();
  Status exec(const std::string& sql);
  // One statement through the statement cache (BEGIN, COMMIT, ...).
  Status run(const char* sql);
  sqlite3* db_;
  std::map<const char*, sqlite3_stmt*> statements_;  // by SQL literal: prepared once
};

}  // namespace shapesim
