#include "reference/pg/replication_pump.h"

#include "reference/pg/pgoutput.h"

namespace shapesim::pg {

Result<ServerOutput> ReplicationPump::drain(Timestamp now) {
  ServerOutput all;
  Status st = stream_.poll([&](std::string_view payload) -> Status {
    SHAPESIM_ASSIGN_OR_RETURN(PgMessage message, decode_pgoutput(payload));
    SHAPESIM_ASSIGN_OR_RETURN(AssemblerEvent ev, assembler_.feed(message));
    for (const auto& [schema, table] : ev.changed_relations) {
      source_.forget_table(schema, table);
      all.append(server_.invalidate_table(schema, table));
    }
    if (!ev.transaction) return Status::Ok();
    SHAPESIM_ASSIGN_OR_RETURN(ServerOutput routed, server_.on_replicated(*ev.transaction, now));
    all.append(std::move(routed));
    return stream_.acknowledge(ev.end_lsn);
  });
  if (!st.ok()) return invalid_argument("replication stopped: " + st.message());
  return all;
}

}  // namespace shapesim::pg
