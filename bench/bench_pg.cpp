// bench_pg: PostgreSQL as the source, end to end through logical replication (Google
// Benchmark, JSON with --benchmark_format=json). Needs SHAPESIM_PG_URL (a database with
// wal_level=logical; `bash ci/pg-start.sh` starts one and prints its URL).
//   write_to_client_latency - an INSERT committed in a SQL session until a parked live
//                             request on a matching shape is answered with it (pgoutput
//                             decoding, durable logging, routing); counters p50_us, p99_us
//   changes_1000_shapes     - rows inserted in SQL (1,000-row transactions) until every one is
//                             logged and routed into 1,000 shapes (`owner = k`); changes/s
// The HTTP hop is not included (loopback HTTP adds tens of microseconds; see bench_shape_server).
// Goal (issue #5): p50 <= 3 ms end to end (Electric: ~6 ms).
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include "reference/pg/pg_source.h"
#include "reference/pg/replication_stream.h"
#include "reference/pg/replication_pump.h"
#include "reference/server/shape_server.h"

namespace {

using namespace shapesim;

struct Rig {
  std::unique_ptr<ShapeServer> server;
  std::unique_ptr<pg::ReplicationStream> stream;
  std::unique_ptr<pg::ReplicationPump> pump;
  PGconn* sql = nullptr;
  uint64_t next_request = 1;
  ~Rig() {
    if (sql) PQfinish(sql);
  }

  Status exec(const std::string& q) {
    PGresult* r = PQexec(sql, q.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    return ok ? Status::Ok() : unavailable(msg);
  }

  // Waits for replication input and processes it; returns the server's output.
  Result<ServerOutput> wait_and_drain(int timeout_ms) {
    pollfd p{stream->socket(), POLLIN, 0};
    ::poll(&p, 1, timeout_ms);
    return pump->drain(Timestamp{0});
  }
};

Result<std::unique_ptr<Rig>> make_rig(const std::string& slot) {
  const char* url = std::getenv("SHAPESIM_PG_URL");
  if (!url) return unavailable("set SHAPESIM_PG_URL (bash ci/pg-start.sh prints one)");
  auto rig = std::make_unique<Rig>();
  rig->sql = PQconnectdb(url);
  if (PQstatus(rig->sql) != CONNECTION_OK) return unavailable(PQerrorMessage(rig->sql));
  SHAPESIM_RETURN_IF_ERROR(rig->exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                     "WHERE slot_name = '" + slot + "'"));
  SHAPESIM_RETURN_IF_ERROR(rig->exec("DROP TABLE IF EXISTS bench_items; CREATE TABLE bench_items "
                                     "(id int8 PRIMARY KEY, owner int4 NOT NULL, title text)"));
  SHAPESIM_ASSIGN_OR_RETURN(std::unique_ptr<pg::PgSource> source, pg::PgSource::connect({url, slot, false}));
  pg::PgSource& pg_source = *source;
  bool created = false;
  SHAPESIM_ASSIGN_OR_RETURN(rig->stream, pg::ReplicationStream::start({url, slot, slot}, created));
  SHAPESIM_ASSIGN_OR_RETURN(auto storage, EmbeddedStore::open(":memory:"));
  rig->server = std::make_unique<ShapeServer>(ServerConfig{.long_poll_timeout = Duration::seconds(3600)},
                                              std::move(storage), std::move(source));
  rig->pump = std::make_unique<pg::ReplicationPump>(*rig->stream, pg_source, *rig->server);
  return rig;
}

HttpRequest get(const std::string& target) { return *HttpRequest::from_target("GET", target); }

void BM_WriteToClientLatency(benchmark::State& state) {
  auto rig = make_rig("shapesim_bench_latency");
  if (!rig.ok()) return state.SkipWithError(rig.status().message().c_str());
  Rig& r = **rig;
  auto first = r.server->handle(RequestId{r.next_request++}, get("/v1/shape?table=bench_items&offset=-1"), Timestamp{0});
  std::string handle = *first.responses.at(0).second.header("electric-handle");
  std::string offset = "0_inf";
  std::vector<double> micros;
  int64_t id = 0;
  for (auto _ : state) {
    RequestId poll_id{r.next_request++};
    auto parked = r.server->handle(
        poll_id, get("/v1/shape?table=bench_items&live=true&handle=" + handle + "&offset=" + offset), Timestamp{0});
    if (!parked.responses.empty()) return state.SkipWithError("the live request was not parked");
    auto start = std::chrono::steady_clock::now();
    if (!r.exec("INSERT INTO bench_items VALUES (" + std::to_string(++id) + ", 1, 'x')").ok()) {
      return state.SkipWithError("insert failed");
    }
    bool answered = false;
    while (!answered) {
      auto out = r.wait_and_drain(1000);
      if (!out.ok()) return state.SkipWithError(out.status().message().c_str());
      for (auto& [rid, resp] : out->responses) {
        if (rid == poll_id) {
          answered = true;
          offset = *resp.header("electric-offset");
        }
      }
    }
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
}

void BM_Changes1000Shapes(benchmark::State& state) {
  auto rig = make_rig("shapesim_bench_changes");
  if (!rig.ok()) return state.SkipWithError(rig.status().message().c_str());
  Rig& r = **rig;
  for (int k = 0; k < 1000; ++k) {
    (void)r.server->handle(RequestId{r.next_request++},
                           get("/v1/shape?table=bench_items&offset=-1&where=owner%20%3D%20" + std::to_string(k)), Timestamp{0});
  }
  int64_t next = 0;
  uint64_t changes = 0;
  for (auto _ : state) {
    // 10 transactions of 1,000 rows, then wait until all are logged and routed.
    for (int t = 0; t < 10; ++t) {
      std::string q = "INSERT INTO bench_items SELECT g, (g % 1000)::int4, 'title ' || g FROM generate_series(" +
                      std::to_string(next + 1) + ", " + std::to_string(next + 1000) + ") g";
      if (!r.exec(q).ok()) return state.SkipWithError("insert failed");
      next += 1000;
    }
    // Every row matches exactly one shape: done when the shapes' logs hold them all.
    auto routed = [&] {
      size_t n = 0;
      for (const auto& h : r.server->registry().handles()) n += r.server->registry().find_by_handle(h)->log().entry_count();
      return static_cast<int64_t>(n);
    };
    while (routed() < next) {
      auto out = r.wait_and_drain(1000);
      if (!out.ok()) return state.SkipWithError(out.status().message().c_str());
    }
    changes += 10000;
  }
  state.counters["changes/s"] = benchmark::Counter(static_cast<double>(changes), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_WriteToClientLatency)->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Changes1000Shapes)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
