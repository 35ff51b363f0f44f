// What a simulated node may ask of the world around it. Nodes never hold the World: they get
// these interfaces, which World implements (sim/world.h).
//
//   NodeEnv     the narrow environment every node uses: the virtual clock, its own events, the
//               network, the trace;
//   ServerHost  what only the server node needs: reporting a broken contract, dying mid-commit,
//               telling the checkers it answered;
//   ClientHost  what only a client node needs: the deployment as its application knows it (a
//               login's token, the table, what a route or handle serves), its device, its own
//               crash points, and telling the checkers what it did.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "reference/client/shape_stream.h"
#include "reference/client/shape_tokens.h"
#include "reference/common/ids.h"
#include "reference/common/table_schema.h"
#include "reference/common/time.h"
#include "reference/common/trace.h"
#include "reference/wire/http.h"
#include "reference/wire/shape_request.h"
#include "sim/violation.h"

namespace shapesim::sim {

class ClientNode;

class NodeEnv {
 public:
  virtual Timestamp now() const = 0;
  // `at` is now or later.
  virtual void schedule(Timestamp at, std::function<void()> action) = 0;
  virtual RequestId next_request_id() = 0;
  virtual void send_request(NodeId from, RequestId id, HttpRequest request) = 0;
  virtual void send_response(NodeId from, NodeId to, RequestId id, HttpResponse response, bool is_write) = 0;
  virtual Trace& trace() = 0;

 protected:
  ~NodeEnv() = default;
};

class ServerHost {
 public:
  // A contract of the core was broken (e.g. a request answered twice).
  virtual void report(Violation v) = 0;
  // The server's disk failed under a commit: it dies before answering.
  virtual void crash_server() = 0;
  // The server sent what one event produced (the checkers look at it).
  virtual void after_server_output() = 0;

 protected:
  ~ServerHost() = default;
};

class ClientHost {
 public:
  // --- the deployment, as the application knows it ---
  // A user token for `user` as of now (what a login answers); "" if the server is down.
  virtual std::string user_token(const std::string& user) = 0;
  // How long user tokens live (the policy's; 3600 without auth).
  virtual int64_t user_token_seconds() const = 0;
  virtual bool auth() const = 0;
  // The table's schema, if the server is up and has it.
  virtual std::optional<TableSchema> find_table(const std::string& schema, const std::string& table) const = 0;
  // What a declared route serves this user now (its WHERE, scoped), if the server can say.
  virtual std::optional<ShapeDefinition> resolve_route(const std::string& user, const std::string& route) const = 0;
  // The definition the server serves under a handle (for the checkers).
  virtual std::optional<ShapeDefinition> served_shape(const std::string& handle) const = 0;
  // --- its device (clients of one device share a token cache) ---
  virtual std::shared_ptr<ShapeTokens> device_tokens(const std::string& device) = 0;
  virtual void device_tokens_changed(const ClientNode& by) = 0;
  // --- crash points ---
  // The chance it crashes at each crash point it reaches now (0 after the fault phase).
  virtual double client_crash_chance() const = 0;
  virtual void crash_client(ClientNode& client) = 0;
  virtual void restart_client(ClientNode& client) = 0;
  // --- what it did, for the checkers and the run's summary ---
  virtual void after_apply(const ClientNode& client, const StreamUpdate& update) = 0;
  virtual void after_write_acknowledged(const ClientNode& client, const std::string& batch_id) = 0;
  virtual void after_client_restart(const ClientNode& client) = 0;
  virtual void note_client_disturbed(const ClientNode& client) = 0;
  virtual void note_delay(const std::string& kind, Duration d) = 0;

 protected:
  ~ClientHost() = default;
};

// The knobs a client node takes from the world's configuration when it is made.
struct ClientNodeConfig {
  Duration request_timeout = Duration::seconds(30);
  double keep_unsynced = 0.5;  // its disk's loss model
};

}  // namespace shapesim::sim
