// ReplicationPump: moves what the replication stream has delivered into the shape server.
// For each pgoutput message: decode, assemble; a changed relation retires its shapes (and
// the source forgets the cached table); a whole transaction is logged durably and routed
// (ShapeServer::on_replicated), then acknowledged to PostgreSQL.
//
//   ReplicationPump pump(stream, source, server);
//   on socket readable:  auto out = pump.drain(now);   // dispatch *out; an error stops the server
#pragma once

#include "reference/pg/pg_source.h"
#include "reference/pg/replication_stream.h"
#include "reference/pg/transaction_assembler.h"
#include "reference/server/shape_server.h"

namespace shapesim::pg {

class ReplicationPump {
 public:
  ReplicationPump(ReplicationStream& stream, PgSource& source, ShapeServer& server)
      : stream_(stream), source_(source), server_(server) {}

  // Processes everything that has arrived, without blocking.
  Result<ServerOutput> drain(Timestamp now);

 private:
  ReplicationStream& stream_;
  PgSource& source_;
  ShapeServer& server_;
  TransactionAssembler assembler_;
};

}  // namespace shapesim::pg
