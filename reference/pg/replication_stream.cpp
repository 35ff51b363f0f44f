#include "reference/pg/replication_stream.h"

#include <chrono>

#include <libpq-fe.h>

#include "reference/common/sql_identifier.h"
#include "reference/pg/pg_session.h"
#include "reference/pg/pgoutput.h"

namespace shapesim::pg {

struct ReplicationStream::Connections {
  PGconn* lock = nullptr;    // ordinary session: setup and the advisory lock
  PGconn* stream = nullptr;  // replication=database session in COPY BOTH mode
  ~Connections() {
    if (stream) PQfinish(stream);
    if (lock) PQfinish(lock);
  }
};

namespace {

std::string escape_literal(PGconn* c, const std::string& s) {
  char* e = PQescapeLiteral(c, s.c_str(), s.size());
  std::string out = e ? e : "''";
  PQfreemem(e);
  return out;
}

// Runs one statement; returns its single value (or "" for none).
Result<std::string> query_value(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    return unavailable("PostgreSQL: " + msg);
  }
  std::string v = st == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  return v;
}

void put_u64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

ReplicationStream::~ReplicationStream() = default;

Result<std::unique_ptr<ReplicationStream>> ReplicationStream::start(const ReplicationOptions& o, bool& slot_created) {
  std::unique_ptr<ReplicationStream> s(new ReplicationStream());
  s->conns_ = std::make_unique<Connections>();
  auto& c = *s->conns_;
  c.lock = PQconnectdb(connection_string(o.url, false).c_str());
  if (PQstatus(c.lock) != CONNECTION_OK) return unavailable(std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(c.lock));
  SHAPESIM_ASSIGN_OR_RETURN(std::string locked,
                            query_value(c.lock, "SELECT pg_try_advisory_lock(hashtext(" +
                                                    escape_literal(c.lock, "shapesim slot " + o.slot) + "))"));
  if (locked != "t") return failed_precondition("another server is using replication slot \"" + o.slot + "\"");
  SHAPESIM_ASSIGN_OR_RETURN(std::string has_pub, query_value(c.lock, "SELECT count(*) FROM pg_publication WHERE pubname = " +
                                                                         escape_literal(c.lock, o.publication)));
  if (has_pub == "0") SHAPESIM_RETURN_IF_ERROR(query_value(c.lock, "CREATE PUBLICATION " + quote_identifier(o.publication)).status());
  // A slot PostgreSQL invalidated (wal_status 'lost', max_slot_wal_keep_size exceeded) can no
  // longer stream: drop it and start over like a missing one. (wal_status exists from 13 on.)
  SHAPESIM_ASSIGN_OR_RETURN(std::string slot_state,
                            query_value(c.lock, "SELECT coalesce(to_jsonb(s)->>'wal_status', 'unknown') "
                                                "FROM pg_replication_slots s WHERE slot_name = " + escape_literal(c.lock, o.slot)));
  if (slot_state == "lost") {
    SHAPESIM_RETURN_IF_ERROR(
        query_value(c.lock, "SELECT pg_drop_replication_slot(" + escape_literal(c.lock, o.slot) + ")").status());
    slot_state = "";
  }
  slot_created = slot_state.empty();
  if (slot_created) {
    SHAPESIM_RETURN_IF_ERROR(query_value(c.lock, "SELECT pg_create_logical_replication_slot(" +
                                                     escape_literal(c.lock, o.slot) + ", 'pgoutput')").status());
  }
  c.stream = PQconnectdb(connection_string(o.url, true).c_str());
  if (PQstatus(c.stream) != CONNECTION_OK) {
    return unavailable(std::string("cannot open a replication connection: ") + PQerrorMessage(c.stream));
  }
  std::string start_sql = "START_REPLICATION SLOT " + quote_identifier(o.slot) +
                          " LOGICAL 0/0 (proto_version '1', publication_names " +
                          escape_literal(c.stream, quote_identifier(o.publication)) + ")";
  PGresult* r = PQexec(c.stream, start_sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_BOTH) {
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    return unavailable("START_REPLICATION failed: " + msg);
  }
  PQclear(r);
  if (PQsetnonblocking(c.stream, 1) != 0) return unavailable("cannot make the replication connection non-blocking");
  return s;
}

int ReplicationStream::socket() const { return PQsocket(conns_->stream); }

Status ReplicationStream::poll(const std::function<Status(std::string_view)>& payload) {
  PGconn* c = conns_->stream;
  if (PQconsumeInput(c) == 0) return unavailable(std::string("replication connection lost: ") + PQerrorMessage(c));
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(c, &buf, /*async=*/1);
    if (n == 0) break;  // nothing more yet
    if (n == -1) return unavailable("the replication stream ended");
    if (n == -2) return unavailable(std::string("replication stream error: ") + PQerrorMessage(c));
    std::string_view msg(buf, static_cast<size_t>(n));
    Status st = Status::Ok();
    if (msg[0] == 'w' && msg.size() >= 25) {
      st = payload(msg.substr(25));  // after start LSN, end LSN and send time
    } else if (msg[0] == 'k' && msg.size() >= 18) {
      if (msg[17] != 0) st = send_status();  // a reply was asked for
    } else {
      st = invalid_argument("unexpected replication message of type 0x" + std::to_string(static_cast<unsigned char>(msg[0])));
    }
    PQfreemem(buf);
    SHAPESIM_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

Status ReplicationStream::acknowledge(uint64_t lsn) {
  if (lsn <= acknowledged_) return Status::Ok();
  acknowledged_ = lsn;
  return send_status();
}

Status ReplicationStream::send_status() {
  // Standby status update: written, flushed, applied, send time (µs since 2000-01-01), reply.
  std::string m = "r";
  put_u64(m, acknowledged_);
  put_u64(m, acknowledged_);
  put_u64(m, acknowledged_);
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  put_u64(m, static_cast<uint64_t>(now.count() - 946684800LL * 1000000LL));
  m.push_back(0);
  PGconn* c = conns_->stream;
  if (PQputCopyData(c, m.data(), static_cast<int>(m.size())) != 1 || PQflush(c) < 0) {
    return unavailable(std::string("cannot acknowledge to PostgreSQL: ") + PQerrorMessage(c));
  }
  return Status::Ok();
}

}  // namespace shapesim::pg
