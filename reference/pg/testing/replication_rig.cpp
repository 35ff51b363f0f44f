#include "reference/pg/testing/replication_rig.h"

#include <poll.h>

#include "reference/pg/pg_session.h"

namespace shapesim::pg::testing {

Result<std::unique_ptr<ReplicationRig>> ReplicationRig::start(const std::string& url, const std::string& slot,
                                                              const std::string& setup_sql, ServerConfig config,
                                                              const std::string& store_path) {
  std::unique_ptr<ReplicationRig> rig(new ReplicationRig());
  rig->url_ = url;
  rig->slot_ = slot;
  rig->store_path_ = store_path;
  rig->sql_ = PQconnectdb(connection_string(url, false).c_str());
  if (PQstatus(rig->sql_) != CONNECTION_OK) return unavailable(PQerrorMessage(rig->sql_));
  SHAPESIM_RETURN_IF_ERROR(rig->drop_slot(slot));
  if (!setup_sql.empty()) SHAPESIM_RETURN_IF_ERROR(rig->sql(setup_sql));
  SHAPESIM_RETURN_IF_ERROR(rig->start_server(config));
  return rig;
}

Status ReplicationRig::start_server(ServerConfig config) {
  SHAPESIM_ASSIGN_OR_RETURN(std::unique_ptr<PgSource> source, PgSource::connect({url_, slot_, false}));
  PgSource& pg_source = *source;
  SHAPESIM_ASSIGN_OR_RETURN(auto storage, EmbeddedStore::open(store_path_));
  server_ = std::make_unique<ShapeServer>(config, std::move(storage), std::move(source));
  SHAPESIM_RETURN_IF_ERROR(server_->startup_status());
  SHAPESIM_ASSIGN_OR_RETURN(feed_, ReplicationFeed::start({.stream = {url_, slot_, slot_}}, pg_source, *server_));
  return Status::Ok();
}

void ReplicationRig::stop_server() {
  feed_.reset();  // the feed refers to the server's source: release it first
  server_.reset();
}

ReplicationRig::~ReplicationRig() {
  stop_server();
  // A slot left behind would keep PostgreSQL's WAL forever.
  if (sql_ && !slot_.empty()) (void)drop_slot(slot_);
  if (sql_) PQfinish(sql_);
}

Status ReplicationRig::drop_slot(const std::string& slot) {
  // A slot released a moment ago stays active until its walsender exits: retry.
  for (int attempt = 0;; ++attempt) {
    SHAPESIM_RETURN_IF_ERROR(sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                 "WHERE slot_name = '" + slot + "' AND NOT active"));
    SHAPESIM_ASSIGN_OR_RETURN(auto left, sql_column("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
    if (left.empty()) return Status::Ok();
    if (attempt == 250) return unavailable("replication slot " + slot + " stays active (another server is using it)");
    SHAPESIM_RETURN_IF_ERROR(sql("SELECT pg_sleep(0.02)"));
  }
}

Status ReplicationRig::sql(const std::string& query) {
  PGresult* r = PQexec(sql_, query.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string message = PQresultErrorMessage(r);
  PQclear(r);
  return ok ? Status::Ok() : unavailable(message);
}

Result<std::vector<std::string>> ReplicationRig::sql_column(const std::string& query) {
  PGresult* r = PQexec(sql_, query.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string message = PQresultErrorMessage(r);
    PQclear(r);
    return unavailable(message);
  }
  std::vector<std::string> values;
  for (int i = 0; i < PQntuples(r); ++i) values.emplace_back(PQgetvalue(r, i, 0));
  PQclear(r);
  return values;
}

Result<ServerOutput> ReplicationRig::wait_and_drain(int timeout_ms, Timestamp now) {
  pollfd p{feed_->socket(), POLLIN, 0};
  ::poll(&p, p.fd >= 0 ? 1 : 0, timeout_ms);
  return feed_->poll(now);
}

ServerOutput ReplicationRig::handle(const HttpRequest& request, RequestId& id, Timestamp now) {
  id = RequestId{next_request_++};
  return server_->handle(id, request, now);
}

}  // namespace shapesim::pg::testing
