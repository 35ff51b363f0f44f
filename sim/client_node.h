// ClientNode: a simulated application running the reference client engine (ClientEngine) over
// the simulated network, clock and disk. It is a driver: requests the engine asks for are sent
// with a timeout, answers and timeouts are handed back, wake-ups are scheduled when the engine
// says. Every outbox, optimistic-state, retry and purge decision is the engine's.
//
// An application write (write()) is a local transaction: its mutations of the client's shape
// table show optimistically at once (local_mutations_for), and the batch goes out through the
// engine's persistent outbox.
//
// Faults it models: a skewed, drifting clock (the engine gets local time), slowness (each
// message takes `slowness` to process, so its inbox queues up), and crash/restart: a crash
// loses the process (memory, requests in flight) and what its simulated disk had not synced; a
// restarted client reopens its local file: the outbox, rows and stream position as saved.
// With `WorldConfig::client_crash_chance`, the client also crashes at the outbox's crash points
// (before persisting, after persisting, in flight, after the server's commit, after removal
// from the outbox) and restarts a little later.
//
// It sees the world only through NodeEnv (clock, events, network, trace) and ClientHost (the
// deployment as its application knows it, its device, its crash points, the checkers): after
// each stream update the engine applied (or held back) it calls ClientHost::after_apply, where
// the invariant checkers look at the synced layer (collection()) and what is visible.
//
// Under auth (a `user`): the engine carries a user token minted as a login would (renewed at
// half its lifetime, and when a 401 asks for it); a `route` client reads that declared route,
// any other goes through the gatekeeper.
//
// Several collections (ClientOptions::more_collections): the engine syncs each from its own
// shape; a write shows optimistically in every collection whose table it touches and is one
// transaction. The accessors below take a collection (the first, "main", by default); during
// after_apply, applying() names the collection the update belongs to.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference/client/client_engine.h"
#include "reference/client/client_store.h"
#include "reference/common/ids.h"
#include "reference/wire/shape_request.h"
#include "sim/client_queries.h"
#include "sim/node_clock.h"
#include "sim/node_env.h"

namespace shapesim::sim {

class SimDisk;

// A collection synced besides the first: its own shape, or (under auth) a declared route.
struct ClientCollectionOptions {
  std::string name;
  std::optional<ShapeDefinition> shape;  // with a route: the route's table
  std::optional<std::string> route;
};

struct ClientOptions {
  std::optional<ShapeDefinition> shape;  // none: a writer without a shape
  // Under auth: the user this client acts for (tokens minted by the gate, as a login would) and
  // the declared route its stream reads (e.g. "/v1/shape/org/acme/tasks"; `shape` is then the
  // definition the route resolves to, for the checkers).
  std::optional<std::string> user;
  std::optional<std::string> route;
  std::optional<std::string> organization;  // a gatekeeper client's organization (users of several)
  // Gatekeeper clients of one device (tabs of one browser) share one token cache: one
  // gatekeeper request per refresh serves them all. They act for one user.
  std::string device;
  // ClientEngineOptions::save_every: how often synced updates reach the local file.
  Duration save_every{0};
  NodeClock clock;
  Duration slowness{0};  // processing time per message: a slow client's inbox queues up
  // Collections besides the first (which `shape` and `route` describe); needs a `shape`.
  std::vector<ClientCollectionOptions> more_collections;
};

// Where a client can crash around one write (probes client.crash_<point>).
enum class CrashPoint { kBeforePersist, kAfterPersist, kInFlight, kAfterServerCommit, kAfterRemoval };

class ClientNode {
 public:
  // The engine's collection in the simulator.
  static constexpr const char* kCollection = "main";

  ClientNode(NodeEnv& env, ClientHost& host, ClientNodeConfig config, NodeId id, std::string name,
             const ClientOptions& options, Random rng);
  ~ClientNode();

  void start();
  // The application commits a transaction (a JSON body for /api/mutations with the given id).
  // A client that is down takes nothing (recorded in dropped_writes()).
  void write(std::string batch_id, std::string body);
  // A response arrives from the network (queued behind earlier ones if the client is slow);
  // `sent_at` is when the server sent it.
  void receive(RequestId id, HttpResponse response, Timestamp sent_at = Timestamp{0});
  // While a response is being handled (after_apply): when the server sent it.
  Timestamp answer_sent_at() const { return answer_sent_at_; }
  void crash();
  void restart();
  // The device goes offline / online: requests in flight are abandoned and nothing is sent or
  // received while offline; the engine keeps taking transactions.
  void set_online(bool online);
  bool online() const { return online_; }
  // Under auth: another user logs in on this device (the previous user's rows, file and queued
  // writes are purged and settled); logout signs out (nothing syncs until the next login).
  void login(const std::string& user);
  void logout();
  bool signed_out() const { return signed_out_; }
  bool slow() const { return slowness_.micros > 0; }
  // When the current stream request was sent (its fate depends on what happened since).
  Timestamp stream_request_sent_at() const { return stream_sent_at_; }
  // A route client switches to another declared route (another organization).
  void switch_route(const std::string& route);

  NodeId id() const { return id_; }
  const std::string& name() const { return name_; }
  bool up() const { return up_; }
  bool has_shape() const { return colls_.front().shape.has_value(); }
  const std::optional<std::string>& user() const { return user_; }
  // The route a collection reads (the first's by default).
  const std::optional<std::string>& route(const std::string& collection = kCollection) const { return coll(collection).route; }
  // The collections it syncs, the first ("main") first.
  std::vector<std::string> collection_names() const;
  // While a stream update is handled (after_apply): the collection it belongs to.
  const std::string& applying() const { return applying_; }
  const std::optional<std::string>& organization() const { return organization_; }
  // Its shape was refused (a permission change): purged, asking again. Without a collection:
  // any of its shapes.
  bool denied() const { return engine_ && engine_->denied(); }
  bool denied(const std::string& collection) const { return engine_ && has_shape() && engine_->denied(collection); }
  uint64_t purges() const { return purges_; }  // purges that dropped rows it held
  // The shape it syncs (a route client: the one the server last answered from).
  const std::optional<ShapeDefinition>& shape(const std::string& collection = kCollection) const { return coll(collection).shape; }
  // What the application asks for (under the gatekeeper: the narrowing it sends).
  const std::optional<ShapeDefinition>& requested_shape(const std::string& collection = kCollection) const {
    return coll(collection).requested;
  }
  const ShapeStream* stream(const std::string& collection = kCollection) const {
    return engine_ && has_shape() ? &engine_->stream(collection) : nullptr;
  }
  // The synced layer (what the server sent); empty while down.
  const Collection& collection(const std::string& name = kCollection) const;
  // What the application sees: synced rows with pending local transactions applied.
  std::map<std::string, VisibleRow> visible(const std::string& name = kCollection) const;
  // The application's live queries over what it sees (scenario step live_query).
  Status declare_query(const std::string& name, ClientQueries::Spec spec);
  const ClientQueries* queries() const { return queries_.get(); }
  const ClientEngine* engine() const { return engine_.get(); }
  // The rows its local file holds for the shape (what a restart would show).
  std::map<std::string, WireRow> saved_rows(const std::string& name = kCollection) const;
  size_t pending_writes() const { return engine_ ? engine_->outbox().size() : 0; }
  size_t pending_transactions() const { return engine_ ? engine_->state().pending().size() : 0; }
  // Every transaction the application committed (persisted), in order.
  const std::vector<std::string>& committed_writes() const { return committed_; }
  // The id a write is stored under on the server: under auth, batch ids are per user (the user
  // who committed it, even if another is signed in now).
  std::string stored_batch_id(const std::string& batch) const;
  const std::map<std::string, uint64_t>& acked_writes() const { return acked_; }
  // Acknowledged writes in the order they were acknowledged (= the order they were written:
  // the outbox is FIFO), with their txids.
  const std::vector<std::pair<std::string, uint64_t>>& ack_order() const { return ack_order_; }
  // Writes answered with an error, or settled unsent (a permission change, another user): the
  // error the application saw.
  const std::map<std::string, std::string>& rejected_writes() const { return rejected_; }
  const std::vector<std::string>& dropped_writes() const { return dropped_; }
  Timestamp local_now() const;
  // The device it runs on ("" alone): clients of one device share a token cache.
  const std::string& device() const { return device_; }
  // Gatekeeper requests this client sent (across restarts).
  uint64_t token_requests() const { return token_requests_; }
  // Sends what the engine asks for and schedules its next wake-up (also when something it
  // shares changed: the device's token cache).
  void pump();

 private:
  struct InFlight {
    ClientEngine::Kind kind;
    std::string batch_id;
    uint64_t generation = 0;
  };
  void on_response(RequestId id, const HttpResponse& response, Timestamp sent_at);
  // Opens the local file (again, after a crash) and the engine over it.
  void open_engine();
  void on_timeout(RequestId id);
  // One collection it syncs: what the application asks for and what the server serves.
  struct SyncedCollection {
    std::string name;
    std::optional<ShapeDefinition> requested;  // what the application asks for
    std::optional<ShapeDefinition> shape;      // what the server serves it (for the checkers)
    std::optional<std::string> route;
    std::optional<TableSchema> table;  // the shape's table (its optimistic rows are filtered by the shape)
  };
  const SyncedCollection& coll(const std::string& name) const;
  SyncedCollection& coll(const std::string& name);
  // A route collection: the definition its route serves it now (for the engine's optimistic filter).
  ShapeDefinition route_shape(const SyncedCollection& c) const;
  void renew_user_token(bool force);
  // Records the writes that reached a final answer; returns whether one was acknowledged.
  bool record_outcomes();
  void after_update(RequestId id, const std::string& collection, const StreamUpdate& update, bool purged);
  // The synced rows of every collection.
  size_t all_rows() const;
  // A crash point: the client may crash here (then restarts later). Returns whether it did.
  bool crash_point(CrashPoint point);

  NodeEnv& env_;
  ClientHost& host_;
  ClientNodeConfig config_;
  NodeId id_;
  std::string name_;
  std::vector<SyncedCollection> colls_;  // never empty: "main" first
  std::string applying_;  // see applying()
  std::optional<std::string> user_;
  std::optional<std::string> organization_;
  Timestamp token_minted_{0};
  std::string device_;
  Duration save_every_{0};  // ClientOptions::save_every
  uint64_t token_requests_ = 0;
  uint64_t purges_ = 0;
  NodeClock clock_;
  Duration slowness_;
  Random rng_;
  Random crash_rng_;
  bool up_ = true;
  bool online_ = true;
  bool signed_out_ = false;
  uint64_t incarnation_ = 0;  // bumped by crash(): work queued by a dead process is dropped
  Timestamp busy_until_{0};
  Timestamp answer_sent_at_{0};
  Timestamp stream_sent_at_{0};
  std::optional<Timestamp> wake_scheduled_;  // global time
  // The client's local file (rows, stream position, outbox) on its own simulated disk: a crash
  // keeps what was synced and a random part of the rest, like the server's.
  std::unique_ptr<SimDisk> disk_;
  std::unique_ptr<ClientStore> store_;
  std::unique_ptr<ClientEngine> engine_;
  std::unique_ptr<ClientQueries> queries_;
  std::map<RequestId, InFlight> requests_;
  std::vector<std::string> committed_;
  std::map<std::string, std::string> writer_;  // batch -> the user who committed it
  std::map<std::string, Timestamp> committed_at_;  // optimistic transactions not finished yet
  std::map<std::string, uint64_t> acked_;
  std::vector<std::pair<std::string, uint64_t>> ack_order_;
  std::map<std::string, std::string> rejected_;
  std::vector<std::string> dropped_;
};

}  // namespace shapesim::sim
