// World: one simulated run. One virtual clock, one event queue ordered by (time, seq), one
// seeded generator split into per-purpose streams, a network with faults, one server node
// (its store on a simulated disk that can crash) and N client nodes. Nothing in it reads a
// real clock or an unseeded random source, so the same seed and the same calls produce the
// same trace, event for event.
//
//   World world({.seed = 7}, [](EmbeddedStore& s) { return s.create_table(tasks); });
//   auto& alice = world.add_client("alice", {.shape = ShapeDefinition{.table = "tasks"}});
//   add_default_checkers(world);
//   world.start();
//   world.crash_server(); world.run_until(world.now() + Duration::seconds(2)); world.restart_server();
//   world.end_faults(); world.run_until_quiescent(Duration::seconds(60)); world.check_at_quiescence();
//   world.violations(); world.trace().hash_hex();
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reference/common/trace.h"
#include "sim/client_node.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/node_env.h"
#include "sim/node_clock.h"
#include "sim/server_node.h"
#include "sim/sim_disk.h"
#include "sim/violation.h"

namespace shapesim::sim {

class InvariantChecker;

struct WorldConfig {
  uint64_t seed = 1;
  ServerConfig server;
  NetworkConfig network;
  Duration request_timeout = Duration::seconds(30);  // longer than the server's long-poll
  uint64_t max_events = 5'000'000;                    // a run never exceeds this many events
  double keep_unsynced = 0.5;                         // chance an unsynced write survives a crash
  // Chance a client crashes at each of its outbox's crash points it reaches (ClientNode), in
  // the fault phase; it restarts 50 ms - 3 s later.
  double client_crash_chance = 0.0;
  // An auth policy: an AuthGate in front of the server (docs/auth.md); clients then need a
  // `user`. The identity tables must be among the prepared tables.
  std::optional<auth::Policy> auth;
  // How long after a committed revocation a client may still receive a row it lost (the
  // authorized-rows checker's exposure bound).
  Duration exposure_bound = Duration::millis(500);
};

class World : public NodeEnv, public ServerHost, public ClientHost {
 public:
  using PrepareStore = std::function<Status(EmbeddedStore&)>;
  // The server's store lives on a simulated disk: the server can crash and restart.
  // `prepare` runs once on the fresh store (tables, seed rows).
  World(WorldConfig config, const PrepareStore& prepare);
  // A given (e.g. in-memory) store: the server cannot crash.
  World(WorldConfig config, std::unique_ptr<EmbeddedStore> store);
  ~World();

  ClientNode& add_client(std::string name, ClientOptions options = {});
  void add_checker(std::unique_ptr<InvariantChecker> checker);
  // Starts every client's stream (clients start at staggered instants within 10 ms).
  void start();

  // Processes every event up to `until`, then sets the clock to `until`.
  void run_until(Timestamp until);
  // Runs until quiescent() or `max` passes; returns quiescent().
  bool run_until_quiescent(Duration max);
  // The server is up, and every client that is up and can reach it has no pending write and
  // is live at the head of its shape's log (same handle, same offset).
  bool quiescent() const;
  // One collection of a client has nothing left to do: streaming what the server would serve
  // it now, up to date with its log (or refused).
  bool collection_settled(const ClientNode& c, const std::string& collection) const;

  // --- faults ---
  void isolate(NodeId node);                       // two-way cut between node and the server
  void cut(NodeId from, NodeId to, bool two_way);  // one-way or two-way partition
  void clog(NodeId node, Duration how_long);
  void heal();                                     // every partition and clog
  void crash_server() override;
  // The server dies at its `ops`-th next disk operation (write, truncate, sync, delete):
  // in the middle of a commit, with unsynced writes partly lost.
  void crash_server_during_io(uint64_t ops);
  Status restart_server();
  // The gatekeeper stops answering (503 from whatever fronts it) / answers again.
  void set_gatekeeper_down(bool down);
  // An operator deletes the client's shape on the server: its clients must refetch (409).
  void delete_shape(const ClientNode& client);
  void crash_client(ClientNode& client) override;
  // Under auth: every token issued so far stops working (the signing key is replaced).
  Status expire_tokens();
  // Under auth: a user token for `user` as of now (what the client's login would answer).
  std::string user_token(const std::string& user) override;
  // An administrator's write straight to the core (not through the gate, like SQL under --pg):
  // grants and revocations. Returns the HTTP status.
  int admin_write(const std::string& batch_id, const std::string& mutations_json);
  void restart_client(ClientNode& client) override;
  // The heal phase: partitions and clogs healed, network faults off, crashed nodes restarted.
  void end_faults();

  // --- invariants ---
  // A scenario expects this write to be refused (a transact step with expect: rolled_back):
  // the convergence checker does not count its rejection as a workload bug.
  void expect_rejection(const std::string& client, const std::string& batch_id) { expected_rejections_.insert({client, batch_id}); }
  bool rejection_expected(const std::string& client, const std::string& batch_id) const {
    return expected_rejections_.count({client, batch_id}) > 0;
  }
  void report(Violation v) override;
  const std::vector<Violation>& violations() const { return violations_; }
  // Runs every checker's at-quiescence check (convergence...).
  void check_at_quiescence();
  // Called by a client after it applied a stream update.
  void after_apply(const ClientNode& client, const StreamUpdate& update) override;
  // Called by a client when the server acknowledged one of its writes.
  void after_write_acknowledged(const ClientNode& client, const std::string& batch_id) override;
  // Called by the server node after it sent what one event produced.
  void after_server_output() override;

  // --- devices (ClientOptions::device) ---
  // The token cache the clients of `device` share (made on first use).
  std::shared_ptr<ShapeTokens> device_tokens(const std::string& device) override;
  // The cache changed under `by` (an answer, an error): the device's other clients look again.
  void device_tokens_changed(const ClientNode& by) override;
  // Gatekeeper requests sent by this client, or by every client of its device.
  uint64_t token_requests(const ClientNode& client) const;
  // The clients on the same device as `client` (itself included; itself alone without one).
  std::vector<ClientNode*> device_clients(const ClientNode& client) const;

  // --- health and delays (the freshness checker) ---
  // A fault happened now (partition, heal, clog, crash, restart, shape deletion, token expiry).
  void note_fault() { last_fault_ = now_; }
  // Something happened to this client alone (login, logout, route switch, offline, online,
  // crash, restart, purge).
  void note_client_disturbed(const ClientNode& client) override;
  // Whether nothing could have delayed this client's traffic since `since`: no fault, no clog,
  // a network without loss, long tails or lost answers, the server up, the client up, online,
  // signed in, not slow and not disturbed.
  bool healthy_since(const ClientNode& client, Timestamp since) const;
  // How long a healthy client may take to receive a committed change or to purge after losing
  // access: a few round trips at the drawn latency (jitter taken at 20x its mean).
  Duration freshness_bound() const;
  // Delays observed, by kind ("delivery", "revocation", "confirmation"), for the run summary.
  void note_delay(const std::string& kind, Duration d) override { delays_[kind].push_back(d); }
  const std::map<std::string, std::vector<Duration>>& delays() const { return delays_; }
  void after_client_restart(const ClientNode& client) override;

  bool reachable(NodeId node) const {
    return network_.connected(node, server_->id()) && network_.connected(server_->id(), node);
  }
  Timestamp now() const override { return now_; }
  const WorldConfig& config() const { return config_; }
  Trace& trace() override { return trace_; }
  ServerNode& server() { return *server_; }
  const ServerNode& server() const { return *server_; }
  const std::vector<std::unique_ptr<ClientNode>>& clients() const { return clients_; }
  ClientNode* find_client(const std::string& name) const;
  std::optional<NodeId> node_id(const std::string& name) const;
  uint64_t events_processed() const { return events_; }
  // The longest a client received a row after its user lost access (authorized-rows checker).
  void note_exposure(Duration d) { max_exposure_ = std::max(max_exposure_, d); }
  Duration max_exposure() const { return max_exposure_; }
  bool event_cap_hit() const { return cap_hit_; }

  // NodeEnv: what nodes use (sim/node_env.h).
  void schedule(Timestamp at, std::function<void()> action) override;
  RequestId next_request_id() override { return RequestId{++last_request_id_}; }
  void send_request(NodeId from, RequestId id, HttpRequest request) override;
  void send_response(NodeId from, NodeId to, RequestId id, HttpResponse response, bool is_write) override;
  // ClientHost: the deployment as a client's application knows it.
  int64_t user_token_seconds() const override;
  bool auth() const override { return config_.auth.has_value(); }
  std::optional<TableSchema> find_table(const std::string& schema, const std::string& table) const override;
  std::optional<ShapeDefinition> resolve_route(const std::string& user, const std::string& route) const override;
  std::optional<ShapeDefinition> served_shape(const std::string& handle) const override;
  double client_crash_chance() const override { return config_.client_crash_chance; }
  const std::string& node_name(NodeId id) const;

 private:
  bool step(Timestamp limit);  // runs one event at or before limit; false if none
  void record_start();

  WorldConfig config_;
  Random rng_;
  Network network_;
  Random response_loss_rng_;
  EventQueue queue_;
  Timestamp now_{0};
  Trace trace_;
  std::unique_ptr<SimDisk> server_disk_;  // null: the server's store is not on a simulated disk
  std::unique_ptr<ServerNode> server_;
  std::vector<std::unique_ptr<ClientNode>> clients_;
  std::map<std::string, std::shared_ptr<ShapeTokens>> device_tokens_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<InvariantChecker>> checkers_;
  Duration max_exposure_{0};
  Timestamp last_fault_{0};
  std::map<std::string, Timestamp> client_disturbed_;
  std::map<std::string, std::vector<Duration>> delays_;
  std::set<std::pair<std::string, std::string>> expected_rejections_;
  std::vector<Violation> violations_;
  uint64_t last_request_id_ = 0;
  uint64_t events_ = 0;
  bool cap_hit_ = false;
};

// Random stream ids: fixed so adding a node never perturbs another stream.
inline constexpr uint64_t kNetworkStream = 1;
inline constexpr uint64_t kStartStream = 2;
inline constexpr uint64_t kDiskStream = 3;
inline constexpr uint64_t kResponseLossStream = 4;
inline constexpr uint64_t kClientStreamBase = 1000;
inline constexpr uint64_t kDeviceStreamBase = 500;  // + the device's index (first use)

// The store path on the server's simulated disk.
inline constexpr const char* kServerStorePath = "/server/store.db";

}  // namespace shapesim::sim
