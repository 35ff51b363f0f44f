// ServerNode: drives a ShapeServer inside the simulation, seeing the world only through
// NodeEnv (clock, events, network, trace) and ServerHost (reports, dying mid-commit).
// Requests arrive from the network, responses go back to the node that sent the request, and
// the server's next_deadline() becomes a timer event so parked long-polls time out in
// virtual time.
//
// Every delivered request gets its own server-side id, so a duplicated request is two
// requests to the server (as a retried or proxied HTTP request would be). crash() drops the
// core with every parked request and timer; restart() installs a core reopened from the
// disk. If the disk fails under the core (a crash in the middle of a commit), the node
// crashes before answering.
//
// With a policy (enable_auth), an auth::AuthGate sits in front of the core, as under
// `shapesim serve --auth`: network requests go through it; operator requests go to the core
// and their output through AuthGate::observe (an administrator's change, like SQL under --pg).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "reference/auth/auth_gate.h"
#include "reference/server/shape_server.h"
#include "sim/node_env.h"

namespace shapesim::sim {

class SimDisk;

class ServerNode {
 public:
  ServerNode(NodeEnv& env, ServerHost& host, NodeId id, std::unique_ptr<ShapeServer> server, SimDisk* disk)
      : env_(env), host_(host), id_(id), server_(std::move(server)), disk_(disk) {}

  void on_request(NodeId from, RequestId id, const HttpRequest& request);
  // An operator's request made on the server itself (e.g. DELETE /v1/shape): not through
  // the network; its answer is discarded. Returns the status.
  int operator_request(const HttpRequest& request);
  bool up() const { return server_ != nullptr; }
  // Puts an AuthGate with this policy in front of the core (now and after every restart).
  Status enable_auth(auth::Policy policy);
  // Every token issued so far stops working (the signing key is replaced; kept across
  // restarts). Clients get 401s and must log in again.
  Status expire_tokens();
  // A dead gatekeeper: requests to /api/gatekeeper/ are answered 503 (by whatever fronts it)
  // until it is back. Kept across restarts.
  void set_gatekeeper_down(bool down) { gatekeeper_down_ = down; }
  // The gate, when auth is on and the server is up.
  const auth::AuthGate* gate() const { return gate_.get(); }
  auth::AuthGate* gate() { return gate_.get(); }
  void crash();
  void restart(std::unique_ptr<ShapeServer> server);
  ShapeServer& core() { return *server_; }
  const ShapeServer& core() const { return *server_; }
  NodeId id() const { return id_; }

 private:
  void deliver(ServerOutput out);
  void schedule_tick();
  void on_tick(Timestamp at, uint64_t generation);
  bool disk_failed() const;
  Status make_gate();
  HttpService& service() { return gate_ ? static_cast<HttpService&>(*gate_) : *server_; }

  NodeEnv& env_;
  ServerHost& host_;
  NodeId id_;
  std::unique_ptr<ShapeServer> server_;
  std::optional<auth::Policy> policy_;
  uint64_t key_rotations_ = 0;
  bool gatekeeper_down_ = false;
  std::unique_ptr<auth::AuthGate> gate_;  // in front of server_ when policy_ is set
  SimDisk* disk_;
  struct Origin {
    NodeId from;
    RequestId id;  // the client's id for the request
    bool is_write;
  };
  std::map<RequestId, Origin> origin_;  // by server-side request id
  uint64_t next_server_request_ = 0;
  std::optional<Timestamp> tick_at_;
  uint64_t generation_ = 0;  // bumped by crash(): timers of a dead core do nothing
};

}  // namespace shapesim::sim
