// ClientNode: a simulated application: an optional shape stream + collection, and a write
// outbox that posts batches to /api/mutations in order, one at a time, retrying each (same
// batch id, so the server applies it once) until the server answers. Every request has a
// timeout; a late response to a timed-out request is ignored, as a real client ignores a
// response on a connection it abandoned.
//
// Faults it models: a skewed, drifting clock (its cores get local time), slowness (each
// message takes `slowness` to process, so its inbox queues up), and crash/restart: a crash
// loses the stream, the rows and every request in flight; the outbox survives (it is
// persisted before write() returns), so a restarted client resends what was not answered
// and syncs its shape again from scratch.
//
// After applying each stream update it calls World::after_apply, where the invariant
// checkers look at it.
//
// Under auth (a `user`): every request carries the user's token (minted by the gate as a login
// would, renewed at half its lifetime); a `route` client reads that declared route instead of
// /v1/shape. A 403 on its stream means its permission is gone: it purges its rows (nothing it
// may no longer see stays on screen), is `denied()`, and asks again every 2 s, so a grant brings
// it back. (A stand-in until the client engine of issue 16 refreshes tokens and purges itself.)
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "reference/client/collection.h"
#include "reference/client/client_store.h"
#include "reference/client/outbox.h"
#include "reference/client/shape_stream.h"
#include "reference/common/ids.h"
#include "sim/node_clock.h"

namespace shapesim::sim {

class SimDisk;
class World;
struct ClientOptions;

class ClientNode {
 public:
  ClientNode(World& world, NodeId id, std::string name, const ClientOptions& options, Random rng);
  ~ClientNode();

  void start();
  // Queues a write batch (a JSON body for /api/mutations with the given id) and sends it.
  void write(std::string batch_id, std::string body);
  // A response arrives from the network (queued behind earlier ones if the client is slow).
  void receive(RequestId id, HttpResponse response);
  void crash();
  void restart();

  NodeId id() const { return id_; }
  const std::string& name() const { return name_; }
  bool up() const { return up_; }
  bool has_shape() const { return shape_.has_value(); }
  const std::optional<std::string>& user() const { return user_; }
  const std::optional<std::string>& route() const { return route_; }
  // Its stream was refused (403): rows purged, retrying.
  bool denied() const { return denied_; }
  uint64_t purges() const { return purges_; }  // times it purged rows it still held
  // The shape it syncs (a route client: the one the server last answered from).
  const std::optional<ShapeDefinition>& shape() const { return shape_; }
  const ShapeStream* stream() const { return stream_ ? &*stream_ : nullptr; }
  const Collection& collection() const { return collection_; }
  size_t pending_writes() const { return outbox_.size(); }
  const std::map<std::string, uint64_t>& acked_writes() const { return acked_; }
  // Acknowledged writes in the order they were acknowledged (= the order they were written:
  // the outbox is FIFO), with their txids.
  const std::vector<std::pair<std::string, uint64_t>>& ack_order() const { return ack_order_; }
  const std::map<std::string, std::string>& rejected_writes() const { return rejected_; }
  Timestamp local_now() const;

 private:
  void on_response(RequestId id, const HttpResponse& response);
  void pump();
  void pump_writes();
  // Opens the local file (again, after a crash) and restores the outbox, rows and position.
  void open_local_file();
  void on_stream_timeout(RequestId id);
  void on_write_timeout(RequestId id);
  // Under auth: adds the user's token (and, for a route client, the route) to a request.
  void authorize(HttpRequest& request, bool stream_request);
  void on_denied();

  World& world_;
  NodeId id_;
  std::string name_;
  std::optional<ShapeDefinition> shape_;
  std::optional<std::string> user_;
  std::optional<std::string> route_;
  std::string token_;
  Timestamp token_minted_{0};
  bool denied_ = false;
  uint64_t purges_ = 0;
  NodeClock clock_;
  Duration slowness_;
  Random rng_;
  bool up_ = true;
  uint64_t incarnation_ = 0;  // bumped by crash(): work queued by a dead process is dropped
  Timestamp busy_until_{0};
  std::optional<ShapeStream> stream_;
  Collection collection_;
  std::optional<RequestId> stream_request_;
  std::optional<Timestamp> wake_scheduled_;  // global time
  // The client's local file (rows, stream position, outbox) on its own simulated disk: a crash
  // keeps what was synced and a random part of the rest, like the server's.
  std::unique_ptr<SimDisk> disk_;
  std::unique_ptr<ClientStore> store_;
  std::optional<ShapeStreamPosition> saved_position_;  // what store_ holds
  Outbox outbox_;  // the reference client's outbox, persisted in store_
  std::map<RequestId, std::string> write_requests_;  // request -> batch id
  std::map<std::string, uint64_t> acked_;
  std::vector<std::pair<std::string, uint64_t>> ack_order_;
  std::map<std::string, std::string> rejected_;
};

}  // namespace shapesim::sim
