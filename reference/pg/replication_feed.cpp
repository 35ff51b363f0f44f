#include "reference/pg/replication_feed.h"

#include <algorithm>

#include "reference/pg/pg_types.h"
#include "reference/pg/pgoutput.h"

namespace shapesim::pg {

Result<std::unique_ptr<ReplicationFeed>> ReplicationFeed::start(ReplicationFeedOptions options, PgSource& source,
                                                                ShapeServer& server) {
  std::unique_ptr<ReplicationFeed> feed(new ReplicationFeed(std::move(options), source, server));
  ServerOutput ignored;  // nothing is waiting yet
  SHAPESIM_RETURN_IF_ERROR(feed->connect(ignored));
  return feed;
}

Status ReplicationFeed::connect(ServerOutput& out) {
  bool created = false;
  SHAPESIM_ASSIGN_OR_RETURN(stream_, ReplicationStream::start(options_.stream, created));
  assembler_ = TransactionAssembler();  // a new session announces its relations again
  backoff_ = options_.initial_backoff;
  if (created) {
    ++slots_created_;
    source_.forget_all_tables();  // the publication may be new too: prepare tables again
    if (server_.registry().size() > 0) {
      size_t retired = server_.registry().size();
      out.append(server_.invalidate_all());
      notices_.push_back("replication slot " + options_.stream.slot + " was (re)created: " + std::to_string(retired) +
                         " shapes retired (their clients refetch)");
    }
  }
  return Status::Ok();
}

void ReplicationFeed::disconnect(const Status& why, Timestamp now) {
  stream_.reset();
  reconnect_at_ = now + backoff_;
  notices_.push_back("replication connection lost (" + why.message() + "); reconnecting in " +
                     std::to_string(backoff_.as_millis()) + " ms");
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
}

Status ReplicationFeed::process(std::string_view payload, ServerOutput& out, Timestamp now) {
  SHAPESIM_ASSIGN_OR_RETURN(PgMessage message, decode_pgoutput(payload));
  if (const auto* relation = std::get_if<PgRelation>(&message)) {
    bool changed = false;
    for (const Shape* shape : server_.registry().shapes_on(relation->schema, relation->name)) {
      changed = changed || !relation_matches_table(*relation, shape->table());
    }
    const TableSchema* cached = source_.cached_table(relation->schema, relation->name);
    if (changed || (cached && !relation_matches_table(*relation, *cached))) {
      source_.forget_table(relation->schema, relation->name);
      out.append(server_.invalidate_table(relation->schema, relation->name));
    }
  }
  SHAPESIM_ASSIGN_OR_RETURN(AssemblerEvent ev, assembler_.feed(message));
  if (!ev.transaction) return Status::Ok();
  SHAPESIM_ASSIGN_OR_RETURN(ServerOutput routed, server_.on_replicated(*ev.transaction, now));
  out.append(std::move(routed));
  pending_ack_ = ev.end_lsn;
  return Status::Ok();
}

Result<ServerOutput> ReplicationFeed::poll(Timestamp now) {
  ServerOutput out;
  if (!stream_) {
    if (now < reconnect_at_) return out;
    Status st = connect(out);
    if (!st.ok()) {
      disconnect(st, now);
      return out;
    }
    ++reconnections_;
    notices_.push_back("replication reconnected to slot " + options_.stream.slot);
  }
  std::optional<Status> fatal;
  Status st = stream_->poll([&](std::string_view payload) -> Status {
    Status processed = process(payload, out, now);
    if (!processed.ok()) {
      fatal = processed;
      return processed;
    }
    if (pending_ack_ == 0) return Status::Ok();
    // Only after the transaction is logged durably: PostgreSQL may then discard its WAL.
    return stream_->acknowledge(std::exchange(pending_ack_, 0));
  });
  if (fatal) return invalid_argument("replication stopped: " + fatal->message());
  if (!st.ok()) disconnect(st, now);
  return out;
}

}  // namespace shapesim::pg
