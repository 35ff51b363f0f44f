// ClientNode: a simulated application: an optional shape stream + collection, and a write
// outbox that posts batches to /api/mutations in order, one at a time, retrying each (same
// batch id, so the server applies it once) until the server answers. Every request has a timeout; a late response to a timed-out request is
// ignored, as a real client ignores a response on a connection it abandoned.
//
// It also checks, as responses arrive, that the offsets it receives never go backwards and
// strictly increase whenever a response carries changes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reference/client/collection.h"
#include "reference/client/shape_stream.h"
#include "reference/common/ids.h"
#include "reference/common/json_text.h"

namespace shapesim::sim {

class World;

class ClientNode {
 public:
  ClientNode(World& world, NodeId id, std::string name, std::optional<ShapeDefinition> shape, Random rng);

  void start();
  // Queues a write batch (a JSON body for /api/mutations with the given id) and sends it.
  void write(std::string batch_id, std::string body);
  void on_response(RequestId id, const HttpResponse& response);

  NodeId id() const { return id_; }
  const std::string& name() const { return name_; }
  bool has_shape() const { return stream_.has_value(); }
  const ShapeStream* stream() const { return stream_ ? &*stream_ : nullptr; }
  const Collection& collection() const { return collection_; }
  size_t pending_writes() const { return pending_.size(); }
  const std::map<std::string, uint64_t>& acked_writes() const { return acked_; }
  const std::map<std::string, std::string>& rejected_writes() const { return rejected_; }
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  struct PendingWrite {
    std::string body;
    uint32_t attempts = 0;
    std::optional<RequestId> in_flight;
  };

  void pump();
  void send_write(const std::string& batch_id);
  void retry_write_later(const std::string& batch_id);
  void finish_write(const std::string& batch_id);
  void on_stream_timeout(RequestId id);
  void on_write_timeout(RequestId id);
  void check_offsets(const StreamUpdate& update);

  World& world_;
  NodeId id_;
  std::string name_;
  Random rng_;
  std::optional<ShapeStream> stream_;
  Collection collection_;
  std::optional<RequestId> stream_request_;
  std::optional<Timestamp> wake_scheduled_;
  std::map<std::string, PendingWrite> pending_;
  std::deque<std::string> outbox_;  // batch ids in write order; only the front is sent
  std::map<RequestId, std::string> write_requests_;
  std::map<std::string, uint64_t> acked_;
  std::map<std::string, std::string> rejected_;
  std::optional<std::string> offsets_handle_;
  std::optional<LogOffset> last_offset_;
  std::vector<std::string> violations_;
};

}  // namespace shapesim::sim
