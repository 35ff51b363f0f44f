// ClientEngine: one client's sync engine for one collection, sans-I/O. It ties a ShapeStream
// to OptimisticState, persists local transactions in the Outbox before applying them, turns
// write answers into acknowledgements or rollbacks, and saves synced rows with their stream
// position in the local file.
//
//   auto engine = ClientEngine::open({.shape = {.table = "tasks"}}, store.get(), rng);  // restores
//   auto seq = engine->transact("tx-1", {{LocalMutation::Op::kInsert, "main", key, row}}, body);
//   while (auto out = engine->poll(now)) send(*out);          // stream and write requests
//   engine->on_response(out.kind, out.batch_id, response, now);  // or on_network_error
//   engine->take_write_outcomes();                              // acknowledged / rolled back
//   engine->state().visible("main");                            // what the user sees
//   engine->wake_at();                                          // backoffs, txid deadlines
//
// Contract: transact() persists first (a failed persist applies nothing) and the mutations are
// applied optimistically in the same call; an acknowledged write completes when its txid
// syncs, or an up-to-date passes its commit LSN (or fails after confirm_timeout); a refused
// write (400/403/409/422) rolls back its transaction and those built on it, and the next write
// goes; a 401 parks the writes until a fresh user token (set_user_token). After a restart the
// queued writes are shown optimistically again and sent again under their ids.
//
// Under auth (a user token): the shape comes from the gatekeeper (ShapeTokens) or from a
// declared route; a 403 on it (or from the gatekeeper) is a permission change: everything this
// user had is purged (with several collections, what the refused one held) and the shape is
// asked for again after `denied_retry`. The user's data
// version is checked at start, when coming back online and every `data_version_every`; a
// change purges and resyncs.
// Nothing is sent while offline (set_online(false)); transactions are still taken.
//
// Several collections: `more_collections` adds collections, each synced from its own shape
// (its own stream, resumed position, filter, and under auth its own shape token or route). A
// transaction may span them; it is sent as one write and confirmed by one txid, once each
// collection it touches has its change. A changed data version, another user or a route switch
// affects the engine as a whole (every collection).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference/client/client_store.h"
#include "reference/client/optimistic_state.h"
#include "reference/client/outbox.h"
#include "reference/client/shape_filter.h"
#include "reference/client/shape_stream.h"
#include "reference/client/shape_tokens.h"

namespace shapesim {

// A further collection an engine syncs, from its own shape (see ClientEngineOptions: the same
// fields as the first collection's).
struct CollectionSync {
  std::string collection;
  ShapeDefinition shape;
  std::optional<TableSchema> table;
  std::optional<std::string> route;
  std::optional<std::string> organization;
};

struct ClientEngineOptions {
  std::string collection = "main";
  ShapeDefinition shape;
  bool sync = true;                                  // false: a writer without a shape
  std::string user;                                  // "" without auth
  Duration confirm_timeout = Duration::seconds(30);  // await_txid
  // Under auth (docs/auth.md): the user token. The engine then asks the gatekeeper for a shape
  // token (ShapeTokens), streams exactly the definition it granted with that token, and sends
  // writes with the user token.
  std::optional<std::string> user_token;
  // Under auth, a declared route to stream instead (e.g. "/v1/shape/org/acme/tasks"): requests
  // carry the user token and only protocol parameters; the server decides the shape. `shape`
  // is then what the application knows the route serves (its WHERE and params, or just the
  // table): with `table`, it filters the optimistic layer as a gatekeeper grant does.
  std::optional<std::string> route;
  // Under the gatekeeper, the organization to scope the shape to (a user of several must say).
  std::optional<std::string> organization;
  // The table the shape reads. With it, the optimistic layer keeps only rows the shape holds
  // (ShapeFilter): an insert outside the WHERE is sent but not shown, an update that moves a
  // row out shows as its removal, a change to a row the client does not hold is not shown.
  // Without it every mutation is shown as given.
  std::optional<TableSchema> table;
  Duration denied_retry = Duration::seconds(5);          // a refused shape is asked for again
  Duration token_failure_retry = Duration::seconds(30);  // a gatekeeper that gave up is asked again
  Duration data_version_every = Duration::seconds(60);   // 0: only at start and on 401/403
  // How often synced updates are saved to the local file: 0, each one as it is applied; else
  // together, at most this often (a crash loses at most that much synced data, fetched again
  // from the saved offset). Queued writes, purges and a changed grant are saved at once.
  Duration save_every{0};
  // Under the gatekeeper: a token cache shared by the engines of one device (tabs, or views
  // of one shape): one gatekeeper request per refresh serves them all. The engines must act
  // for one user. Without it the engine keeps its own.
  std::shared_ptr<ShapeTokens> shared_tokens;
  // Collections synced besides the first (`collection`, `shape`, `table`, `route`,
  // `organization` above); each name must be distinct. Not with sync = false.
  std::vector<CollectionSync> more_collections;
};

class ClientEngine {
 public:
  enum class Kind { kStream, kWrite, kToken, kDataVersion };
  struct Outgoing {
    Kind kind = Kind::kStream;
    std::string batch_id;  // kWrite; kToken: the shape key; kStream: the collection
    HttpRequest request;
    // Which stream (kStream) or user session (kToken, kDataVersion) asked: hand it back with
    // the answer.
    uint64_t generation = 0;
  };
  // What a response did.
  struct Handled {
    std::optional<StreamUpdate> update;  // kStream: the update (applied, or held back)
    bool purged = false;                 // everything of this user was dropped
  };

  static Result<std::unique_ptr<ClientEngine>> open(ClientEngineOptions options, ClientStore* store, Random rng);

  // `body` is the POST /api/mutations JSON for the same mutations, with `id` as its id.
  // `mutations` may be empty (a write to tables this engine does not sync): it is only queued.
  // Returns the transaction's seq in state() (0 without mutations).
  Result<uint64_t> transact(std::string id, const std::vector<LocalMutation>& mutations, std::string body);
  std::optional<Outgoing> poll(Timestamp now);
  // `generation` is the Outgoing's: the answer to a stream request made before the stream was
  // replaced (a purge, another user, another route or grant), or to a token or data-version
  // request made for the previous user, is ignored. Without it the answer is taken as current.
  Handled on_response(Kind kind, const std::string& batch_id, const HttpResponse& response, Timestamp now,
                      std::optional<uint64_t> generation = std::nullopt);
  void on_network_error(Kind kind, const std::string& batch_id, Timestamp now, std::optional<uint64_t> generation = std::nullopt);
  void tick(Timestamp now) {
    state_.tick(now);
    save_soon(now);
  }
  // Writes that reached a final answer since the last call, in order: acknowledged (txid), or
  // rejected (by the server, or settled unsent by a purge or a user switch) with the error.
  std::vector<Outbox::Outcome> take_write_outcomes() { return std::exchange(write_outcomes_, {}); }
  // The user's data version as the server says it (login, /api/auth/data-version, a 401/403):
  // the first one is stored; a different one purges everything this user had (rows and
  // position in memory and in the file; pending transactions fail and their queued writes are
  // dropped, never sent under the new permissions) and the shape is synced again from scratch.
  // Returns whether it purged.
  Result<bool> observe_data_version(const std::string& version);
  // Another user on this device (logout + login, with the new user's token; "" and none: signed
  // out): everything of the previous user is purged (rows, file, shape tokens), and their
  // queued writes are settled (rejected, rolled back), never sent with the new user's token.
  // Returns the settled batch ids.
  Result<std::vector<std::string>> switch_user(const std::string& user, std::optional<std::string> user_token = std::nullopt);
  // Another declared route for the first collection (an organization switch): everything
  // synced is purged (memory and file) and synced again from scratch, the new route for the
  // first collection. Queued writes stay (same user). `shape` is what the application knows the
  // new route serves (see ClientEngineOptions::route).
  Status set_route(std::optional<std::string> route, std::optional<ShapeDefinition> shape = std::nullopt);
  // A fresh user token (a login): parked writes resume.
  void set_user_token(std::string token);
  // A write or a route answered 401: the application should log in again (set_user_token).
  bool needs_user_token() const { return needs_user_token_; }
  // Under auth, the stream waits for a data-version answer (at start, after offline).
  bool checking_data_version() const { return options_.user_token.has_value() && !version_answered_; }
  void set_online(bool online);
  bool online() const { return online_; }
  void resume_writes() { outbox_.resume(); }
  std::optional<Timestamp> wake_at() const;

  const OptimisticState& state() const { return state_; }
  OptimisticState& state() { return state_; }
  // The first collection's stream, or the stream of `collection` (which the engine syncs).
  const ShapeStream& stream() const { return shapes_.front().stream; }
  const ShapeStream& stream(const std::string& collection) const;
  // The collections this engine syncs, the first one first.
  std::vector<std::string> collections() const;
  const ShapeTokens& tokens() const { return *tokens_; }
  const ClientEngineOptions& options() const { return options_; }
  // A shape was refused (a permission change): with one collection everything was purged;
  // with several, what the refused collection held (the others stay). Asked again later.
  bool denied() const;
  // Whether the shape of `collection` (which the engine syncs) is refused now.
  bool denied(const std::string& collection) const;
  // The gatekeeper could not be reached after bounded retries, or answered an error (the
  // message); asked again after token_failure_retry, nothing purged.
  const std::optional<std::string>& token_failure() const { return token_failure_; }
  uint64_t purges() const { return purges_; }
  const Outbox& outbox() const { return outbox_; }
  // A failure of the local file (the engine keeps running in memory).
  const Status& storage_status() const { return storage_status_; }

 private:
  // One collection the engine syncs: its stream and what its local file holds of it.
  struct SyncedShape {
    CollectionSync sync;
    std::optional<ShapeFilter> filter;
    ShapeStream stream;
    std::string stream_token;  // the shape token of the last stream request
    uint64_t generation = 0;   // bumped when the stream is replaced
    bool streaming_granted = false;  // under the gatekeeper: stream follows the granted definition
    std::optional<ShapeStreamPosition> saved_position;
    // Updates received but not yet saved, with the stream position after each; the first
    // `saved_updates` of state_.applied_updates(collection) are in the file.
    std::deque<std::pair<StreamUpdate, std::optional<ShapeStreamPosition>>> unsaved;
    uint64_t saved_updates = 0;
    // This shape was refused (see deny()), asked for again at ask_again_at.
    bool denied = false;
    Timestamp ask_again_at{0};
  };

  ClientEngine(ClientEngineOptions options, ClientStore* store, Random rng,
               std::vector<std::optional<ShapeStreamPosition>> resume);
  // The first collection's fields and more_collections, in order.
  static std::vector<CollectionSync> collection_syncs(const ClientEngineOptions& options);
  // The random stream for the `k`-th kind of stream of shape `i` (the first shape's are the
  // ones a one-collection engine always used).
  Random stream_rng(size_t i, uint64_t k) { return rng_.stream(k + 1'000'003 * i); }
  SyncedShape* shape_of(const std::string& collection);
  const SyncedShape* shape_of(const std::string& collection) const;
  // Who answers a stream request's response: the collection named in batch_id ("" = first).
  SyncedShape* stream_target(const std::string& batch_id);
  Status purge(const std::string& reason);
  void replace_stream(SyncedShape& s, ShapeStream stream);
  bool stale(Kind kind, const std::string& batch_id, std::optional<uint64_t> generation);
  // The part of a (merged) transaction this engine's shapes would hold (see `table`).
  std::vector<LocalMutation> within_shape(std::vector<LocalMutation> merged) const;
  // Shape `s` was refused: with one collection the engine is denied and everything purged; with
  // several only `s` is, and only its part purged.
  void deny(SyncedShape& s, Timestamp now, const std::string& reason);
  // What one collection holds: its rows, position, held updates and the pending transactions
  // touching it (memory and file).
  Status purge_shape(SyncedShape& s, const std::string& reason);
  // After a purge: `s` streams again from scratch, nothing of it saved or waiting to be.
  void restart_shape(SyncedShape& s);
  // Forgets the batches whose transactions are no longer pending (a purge failed them).
  void forget_settled_batches();
  void note_token_failure(Timestamp now);
  // Asks the gatekeeper for every shape not read through a route.
  void want_tokens();
  // After the token cache answered (here or, when shared, to another engine): a denial purges
  // (returns true), a new data version is taken.
  bool take_token_answer(Timestamp now);
  void settle_unsent(const std::vector<OutboxEntry>& entries, const std::string& error);
  std::optional<HttpRequest> poll_stream(SyncedShape& s, Timestamp now);
  Handled on_stream_response(SyncedShape& s, const HttpResponse& response, Timestamp now);
  void on_data_version(const HttpResponse& response, Timestamp now, Handled& handled);
  // Saves the stream updates the synced layers applied since the last save (held-back ones
  // wait: the file never holds a position ahead of its rows), one transaction per collection.
  void save_applied();
  void save_applied(SyncedShape& s);
  // save_applied() now, or at next_save_at_ (save_every).
  void save_soon(Timestamp now);
  void save(SyncedShape& s, const StreamUpdate& update, const std::optional<ShapeStreamPosition>& position);
  void note(Status s) {
    if (!s.ok() && storage_status_.ok()) storage_status_ = std::move(s);
  }

  ClientEngineOptions options_;
  ClientStore* store_;
  Random rng_;
  std::vector<SyncedShape> shapes_;  // never empty: the first collection first
  OptimisticState state_;
  Outbox outbox_;
  std::shared_ptr<ShapeTokens> tokens_;  // never null
  uint64_t session_ = 0;  // bumped when another user signs in
  bool purged_by_denial_ = false;  // until a shape streams again (coverage)
  Timestamp ask_again_at_{0};  // after a token failure
  std::optional<std::string> token_failure_;
  bool needs_user_token_ = false;
  bool online_ = true;
  bool version_in_flight_ = false;
  bool version_answered_ = false;  // under auth the streams wait for the first answer
  std::optional<Timestamp> next_version_check_;  // under auth: first check at once
  std::map<std::string, uint64_t> seq_of_batch_;  // queued writes -> their transaction
  std::vector<Outbox::Outcome> write_outcomes_;
  Timestamp next_save_at_{0};
  std::optional<std::string> data_version_;
  uint64_t purges_ = 0;
  Status storage_status_;
};

}  // namespace shapesim
