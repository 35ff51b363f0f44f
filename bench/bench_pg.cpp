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
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

#include <benchmark/benchmark.h>

#include "reference/pg/testing/replication_rig.h"

namespace {

using namespace shapesim;

using pg::testing::ReplicationRig;

Result<std::unique_ptr<ReplicationRig>> make_rig(const std::string& slot) {
  const char* url = std::getenv("SHAPESIM_PG_URL");
  if (!url) return unavailable("set SHAPESIM_PG_URL (bash ci/pg-start.sh prints one)");
  return ReplicationRig::start(url, slot,
                               "DROP TABLE IF EXISTS bench_items; CREATE TABLE bench_items "
                               "(id int8 PRIMARY KEY, owner int4 NOT NULL, title text)",
                               ServerConfig{.long_poll_timeout = Duration::seconds(3600)});
}

HttpRequest get(const std::string& target) { return *HttpRequest::from_target("GET", target); }

void BM_WriteToClientLatency(benchmark::State& state) {
  auto rig = make_rig("shapesim_bench_latency");
  if (!rig.ok()) return state.SkipWithError(rig.status().message().c_str());
  ReplicationRig& r = **rig;
  RequestId first_id;
  auto first = r.handle(get("/v1/shape?table=bench_items&offset=-1"), first_id);
  std::string handle = *first.responses.at(0).second.header("electric-handle");
  std::string offset = "0_inf";
  std::vector<double> micros;
  int64_t id = 0;
  for (auto _ : state) {
    RequestId poll_id;
    auto parked = r.handle(get("/v1/shape?table=bench_items&live=true&handle=" + handle + "&offset=" + offset), poll_id);
    if (!parked.responses.empty()) return state.SkipWithError("the live request was not parked");
    auto start = std::chrono::steady_clock::now();
    if (!r.sql("INSERT INTO bench_items VALUES (" + std::to_string(++id) + ", 1, 'x')").ok()) {
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
  ReplicationRig& r = **rig;
  for (int k = 0; k < 1000; ++k) {
    RequestId id;
    (void)r.handle(get("/v1/shape?table=bench_items&offset=-1&where=owner%20%3D%20" + std::to_string(k)), id);
  }
  int64_t next = 0;
  uint64_t changes = 0;
  for (auto _ : state) {
    // 10 transactions of 1,000 rows, then wait until all are logged and routed.
    for (int t = 0; t < 10; ++t) {
      std::string q = "INSERT INTO bench_items SELECT g, (g % 1000)::int4, 'title ' || g FROM generate_series(" +
                      std::to_string(next + 1) + ", " + std::to_string(next + 1000) + ") g";
      if (!r.sql(q).ok()) return state.SkipWithError("insert failed");
      next += 1000;
    }
    // Every row matches exactly one shape: done when the shapes' logs hold them all.
    auto routed = [&] {
      size_t n = 0;
      for (const auto& h : r.server().registry().handles()) n += r.server().registry().find_by_handle(h)->log().entry_count();
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
