// ReplicationStream: PostgreSQL logical replication over libpq (pgoutput, protocol 1).
//
//   auto s = ReplicationStream::start({url, "shapesim", "shapesim"});   // publication, slot, lock
//   poll the socket s->socket(); on readable: s->poll([](std::string_view payload) {...});
//   after a transaction is durable: s->acknowledge(end_lsn);
//
// One server per slot: a session-level advisory lock (held by a second, ordinary
// connection) keeps a second server off the slot. Keepalives that ask for a reply are
// answered with the last acknowledged position; nothing beyond it is ever reported flushed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reference/common/status.h"

namespace shapesim::pg {

struct ReplicationOptions {
  std::string url;
  std::string publication = "shapesim";
  std::string slot = "shapesim";
};

class ReplicationStream {
 public:
  // Takes the advisory lock, creates the publication and the slot when missing (or the slot
  // when PostgreSQL invalidated it; `slot_created` tells) and starts streaming from the
  // slot's confirmed position.
  static Result<std::unique_ptr<ReplicationStream>> start(const ReplicationOptions& options, bool& slot_created);
  ~ReplicationStream();

  int socket() const;
  // Reads whatever has arrived without blocking; `payload` gets each XLogData payload (one
  // pgoutput message) in order. An error from `payload` or the connection stops here.
  Status poll(const std::function<Status(std::string_view payload)>& payload);
  // Reports everything up to `lsn` as durable (flushed) to PostgreSQL.
  Status acknowledge(uint64_t lsn);
  uint64_t acknowledged() const { return acknowledged_; }

 private:
  ReplicationStream() = default;
  Status send_status();

  struct Connections;
  std::unique_ptr<Connections> conns_;
  uint64_t acknowledged_ = 0;
};

}  // namespace shapesim::pg
