// bench_pg: PostgreSQL as the source, end to end through logical replication (Google
// Benchmark, JSON with --benchmark_format=json). Needs SHAPESIM_PG_URL (a database with
// wal_level=logical; `bash ci/pg-start.sh` starts one and prints its URL).
//   write_to_client_latency - an INSERT committed in a SQL session until a parked live
//                             request on a matching shape is answered with it (pgoutput
//                             decoding, durable logging, routing); counters p50_us, p99_us
//   changes_1000_shapes     - rows inserted in SQL (1,000-row transactions) until every one is
//                             logged and routed into 1,000 shapes (`owner = k`); changes/s
//   write_to_client_latency_http - the same end to end through a `shapesim serve --pg` process:
//                             an INSERT committed in SQL until the live long-poll parked over
//                             loopback HTTP (keep-alive connection) returns it; p50_us, p99_us;
//                             /file_store:0 keeps the shape logs in memory, /file_store:1 in a
//                             SQLite file synced on every commit
// The first two drive the server core in-process (no HTTP hop).
// Goal (issue #5): p50 <= 3 ms end to end (Electric: ~6 ms).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>

#include <benchmark/benchmark.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "reference/common/testing/temp_file.h"
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
      for_each_response(*out, [&](RequestId rid, const HttpResponse& resp) {
        if (rid == poll_id) {
          answered = true;
          offset = *resp.header("electric-offset");
        }
      });
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

// `shapesim serve --pg` as a child process; its port is read from the startup line.
class ServerProcess {
 public:
  static Result<std::unique_ptr<ServerProcess>> start(const std::string& url, const std::string& slot,
                                                      const std::string& store) {
    int out[2];
    if (::pipe(out) != 0) return unavailable("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {SHAPESIM_BINARY, "serve", "--store", store, "--pg", url, "--slot", slot, "--publication", slot,
                                     "--port", "0", "--long-poll-ms", "3600000"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto p = std::unique_ptr<ServerProcess>(new ServerProcess());
    int rc = posix_spawn(&p->pid_, SHAPESIM_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      return unavailable(std::string("cannot start ") + SHAPESIM_BINARY);
    }
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(out[0]);
    auto colon = line.rfind("127.0.0.1:");
    if (colon == std::string::npos) return unavailable("shapesim serve did not start: " + line);
    p->port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 10)));
    return p;
  }
  ~ServerProcess() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  uint16_t port() const { return port_; }

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

void BM_WriteToClientLatencyHttp(benchmark::State& state) {
  namespace http = boost::beast::http;
  const char* url = std::getenv("SHAPESIM_PG_URL");
  if (!url) return state.SkipWithError("set SHAPESIM_PG_URL (bash ci/pg-start.sh prints one)");
  // The rig only prepares the table and the SQL session; the server is the child process.
  auto rig = make_rig("shapesim_bench_http_setup");
  if (!rig.ok()) return state.SkipWithError(rig.status().message().c_str());
  ReplicationRig& r = **rig;
  const std::string slot = "shapesim_bench_http";
  if (!r.drop_slot(slot).ok()) return state.SkipWithError("cannot drop the old slot");
  // Arg 0: the store in memory; 1: a file (SQLite defaults: every commit synced).
  std::string store = ":memory:";
  std::optional<testing_support::TempFile> store_file;  // outlives the server process below
  if (state.range(0) == 1) store = store_file.emplace("bench_pg.db").path();
  auto server = ServerProcess::start(url, slot, store);
  if (!server.ok()) return state.SkipWithError(server.status().message().c_str());
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), (*server)->port()});
  socket.set_option(boost::asio::ip::tcp::no_delay(true));
  boost::beast::flat_buffer buffer;
  auto get_shape = [&](const std::string& target) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(socket, req);
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return res;
  };
  std::string handle, offset = "-1";
  for (bool up_to_date = false; !up_to_date;) {  // the initial sync
    auto res = get_shape("/v1/shape?table=bench_items&offset=" + offset + (handle.empty() ? "" : "&handle=" + handle));
    handle = std::string(res["electric-handle"]);
    offset = std::string(res["electric-offset"]);
    up_to_date = res.find("electric-up-to-date") != res.end();
  }
  std::vector<double> micros;
  int64_t id = 0;
  for (auto _ : state) {
    http::request<http::empty_body> req{http::verb::get,
                                        "/v1/shape?table=bench_items&live=true&handle=" + handle + "&offset=" + offset, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(socket, req);  // parked until the insert arrives through replication
    auto start = std::chrono::steady_clock::now();
    if (!r.sql("INSERT INTO bench_items VALUES (" + std::to_string(++id) + ", 1, 'x')").ok()) {
      return state.SkipWithError("insert failed");
    }
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    if (res.result_int() != 200 || res.body().find("\"insert\"") == std::string::npos) {
      return state.SkipWithError(("unexpected answer: " + res.body()).c_str());
    }
    offset = std::string(res["electric-offset"]);
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  server->reset();
  (void)r.drop_slot(slot);
}

}  // namespace

BENCHMARK(BM_WriteToClientLatencyHttp)->ArgName("file_store")->Arg(0)->Arg(1)->Iterations(500)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_WriteToClientLatency)->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Changes1000Shapes)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
