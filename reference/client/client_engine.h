// ClientEngine: one client's sync engine for one collection, sans-I/O. It ties a ShapeStream
// to OptimisticState, persists local transactions in the Outbox before applying them, turns
// write answers into acknowledgements or rollbacks, and saves synced rows with their stream
// position in the local file.
//
//   auto engine = ClientEngine::open({.shape = {.table = "tasks"}}, store.get(), rng);  // restores
//   auto seq = engine->transact("tx-1", {{LocalMutation::Op::kInsert, "main", key, row}}, body);
//   while (auto out = engine->poll(now)) send(*out);          // stream and write requests
//   engine->on_response(out.kind, out.batch_id, response, now);  // or on_network_error
//   engine->state().visible("main");                            // what the user sees
//   engine->wake_at();                                          // backoffs, txid deadlines
//
// Contract: transact() persists first (a failed persist applies nothing) and the mutations are
// applied optimistically in the same call; an acknowledged write completes when its txid
// syncs (or fails after confirm_timeout); a refused write (400/403/409/422) rolls back its
// transaction and those built on it, and the next write goes; a 401 parks the writes until
// resume_writes(). After a restart the queued writes are sent again under their ids; they are
// not shown optimistically again (their mutations are not persisted, only the request).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "reference/client/client_store.h"
#include "reference/client/optimistic_state.h"
#include "reference/client/outbox.h"
#include "reference/client/shape_stream.h"
#include "reference/client/shape_tokens.h"

namespace shapesim {

struct ClientEngineOptions {
  std::string collection = "main";
  ShapeDefinition shape;
  std::string user;                                // "" without auth
  Duration confirm_timeout = Duration::seconds(30);  // await_txid
  // Under auth (docs/auth.md): the user token. The engine then asks the gatekeeper for a shape
  // token (ShapeTokens), streams exactly the definition it granted with that token, and sends
  // writes with the user token.
  std::optional<std::string> user_token;
};

class ClientEngine {
 public:
  enum class Kind { kStream, kWrite, kToken };
  struct Outgoing {
    Kind kind = Kind::kStream;
    std::string batch_id;  // kWrite; kToken: the shape key
    HttpRequest request;
  };

  static Result<std::unique_ptr<ClientEngine>> open(ClientEngineOptions options, ClientStore* store, Random rng);

  // `body` is the POST /api/mutations JSON for the same mutations, with `id` as its id.
  Result<uint64_t> transact(std::string id, const std::vector<LocalMutation>& mutations, std::string body);
  std::optional<Outgoing> poll(Timestamp now);
  void on_response(Kind kind, const std::string& batch_id, const HttpResponse& response, Timestamp now);
  void on_network_error(Kind kind, const std::string& batch_id, Timestamp now);
  void tick(Timestamp now) { state_.tick(now); }
  // The user's data version as the server says it (login, /api/auth/data-version, a 401/403):
  // the first one is stored; a different one purges everything this user had (rows and
  // position in memory and in the file; pending transactions fail and their queued writes are
  // dropped, never sent under the new permissions) and the shape is synced again from scratch.
  // Returns whether it purged.
  Result<bool> observe_data_version(const std::string& version);
  // Another user on this device (logout + login): everything of the previous user is purged,
  // and their queued writes are settled (rejected, rolled back), never sent with the new
  // user's token. Returns the settled batch ids.
  Result<std::vector<std::string>> switch_user(const std::string& user);
  void resume_writes() { outbox_.resume(); }
  std::optional<Timestamp> wake_at() const;

  const OptimisticState& state() const { return state_; }
  OptimisticState& state() { return state_; }
  const ShapeStream& stream() const { return stream_; }
  const ShapeTokens& tokens() const { return tokens_; }
  // The gatekeeper refused the shape (a permission change): everything was purged.
  bool denied() const { return denied_; }
  const Outbox& outbox() const { return outbox_; }
  // A failure of the local file (the engine keeps running in memory).
  const Status& storage_status() const { return storage_status_; }

 private:
  ClientEngine(ClientEngineOptions options, ClientStore* store, Random rng, std::optional<ShapeStreamPosition> resume);
  Status purge(const std::string& reason);

  ClientEngineOptions options_;
  ClientStore* store_;
  Random rng_;
  ShapeStream stream_;
  OptimisticState state_;
  Outbox outbox_;
  ShapeTokens tokens_;
  bool streaming_granted_ = false;  // under auth: stream_ follows the granted definition
  bool denied_ = false;
  std::map<std::string, uint64_t> seq_of_batch_;  // writes of this run -> their transaction
  std::optional<ShapeStreamPosition> saved_position_;
  std::optional<std::string> data_version_;
  uint64_t purges_ = 0;
  Status storage_status_;
};

}  // namespace shapesim
