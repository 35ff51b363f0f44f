// bench_shape_server: the shape server core (no sockets), Google Benchmark, JSON with
// --benchmark_format=json.
//   cached_chunk_responses - GET of an already-written log chunk (what a CDN miss costs)
//   changes_appended/K     - write batches of K inserts (one transaction each) through the write
//                            endpoint: JSON in, committed to the store, routed into two shapes' logs
//   snapshot_rows/1000000  - an initial snapshot of a 1,000,000-row table: shape creation
//                            (read, filter, encode, chunk) and the -1 response
//   fan_out/N              - N long-polls parked on one shape; one write releases all of them
//                            (the time per iteration is one write's fan-out in the core: route,
//                            encode once, answer N), then the N clients park again at the new
//                            offset (not timed). Goal (issue #14): 10,000 clients well inside 50 ms.
// Goals (issue #4): >= 1,000,000 snapshot rows/s, >= 100,000 changes/s appended.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "reference/server/shape_server.h"

namespace {

using namespace shapesim;

TableSchema items() {
  return TableSchema{"public", "items",
                     {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"owner", ColumnType::kInt4},
                      {"done", ColumnType::kBool}},
                     {"id"}};
}

std::unique_ptr<ShapeServer> make_server(size_t rows, size_t chunk_bytes = 10000) {
  auto store = EmbeddedStore::open(":memory:");
  (void)(*store)->create_table(items());
  const size_t per_batch = 10000;
  for (size_t start = 0; start < rows; start += per_batch) {
    WriteBatch b{"seed-" + std::to_string(start), {}};
    for (size_t i = start; i < std::min(rows, start + per_batch); ++i) {
      b.mutations.push_back({ChangeKind::kInsert, "public", "items", {},
                             Row{{"id", Value(static_cast<int64_t>(i))}, {"title", Value("item title " + std::to_string(i))},
                                 {"owner", Value(static_cast<int64_t>(i % 100))}, {"done", Value(i % 2 == 0)}}});
    }
    (void)(*store)->apply(b);
  }
  return std::make_unique<ShapeServer>(ServerConfig{.chunk_bytes = chunk_bytes}, std::move(*store));
}

HttpRequest get(const std::string& target) { return *HttpRequest::from_target("GET", target); }

HttpRequest post_mutations(std::string body) {
  HttpRequest w;
  w.method = "POST";
  w.path = "/api/mutations";
  w.body = std::move(body);
  return w;
}

void BM_SnapshotRows(benchmark::State& state) {
  const size_t rows = static_cast<size_t>(state.range(0));
  auto server = make_server(rows);
  uint64_t n = 0, served = 0;
  for (auto _ : state) {
    // A new definition each iteration, so every iteration builds a fresh snapshot.
    std::string target = "/v1/shape?table=items&offset=-1&where=owner%20%3C%20" + std::to_string(1000 + n);
    auto out = server->handle(RequestId{++n}, get(target), Timestamp{0});
    served += out.responses[0].second.body.size();
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows * n), benchmark::Counter::kIsRate);
  state.counters["response_bytes"] = static_cast<double>(served) / static_cast<double>(std::max<uint64_t>(n, 1));
}

void BM_CachedChunkResponses(benchmark::State& state) {
  auto server = make_server(1000, 10000);
  auto first = server->handle(RequestId{1}, get("/v1/shape?table=items&offset=-1"), Timestamp{0});
  std::string handle = *first.responses[0].second.header("electric-handle");
  std::string offset = *first.responses[0].second.header("electric-offset");
  uint64_t n = 1;
  for (auto _ : state) {
    auto out = server->handle(RequestId{++n}, get("/v1/shape?table=items&offset=" + offset + "&handle=" + handle), Timestamp{0});
    benchmark::DoNotOptimize(out);
  }
  state.counters["responses/s"] = benchmark::Counter(static_cast<double>(n - 1), benchmark::Counter::kIsRate);
}

void BM_ChangesAppended(benchmark::State& state) {
  const int64_t per_batch = state.range(0);
  auto server = make_server(0);
  (void)server->handle(RequestId{1}, get("/v1/shape?table=items&offset=-1&where=owner%20%3D%207"), Timestamp{0});
  (void)server->handle(RequestId{2}, get("/v1/shape?table=items&offset=-1"), Timestamp{0});
  uint64_t n = 2;
  int64_t id = 0;
  for (auto _ : state) {
    std::string body = "{\"id\":\"w" + std::to_string(id) + "\",\"mutations\":[";
    for (int64_t k = 0; k < per_batch; ++k, ++id) {
      if (k) body += ",";
      body += "{\"op\":\"insert\",\"table\":\"items\",\"value\":{\"id\":" + std::to_string(id) +
                ",\"title\":\"t\",\"owner\":" + std::to_string(id % 10) + ",\"done\":false}}";
    }
    body += "]}";
    auto out = server->handle(RequestId{++n}, post_mutations(std::move(body)), Timestamp{0});
    benchmark::DoNotOptimize(out);
  }
  state.counters["changes/s"] = benchmark::Counter(static_cast<double>(id), benchmark::Counter::kIsRate);
}

void BM_FanOut(benchmark::State& state) {
  const size_t clients = static_cast<size_t>(state.range(0));
  auto server = make_server(10);  // a one-chunk snapshot: 0_0 reads the log
  auto first = server->handle(RequestId{1}, get("/v1/shape?table=items&offset=-1"), Timestamp{0});
  std::string handle = *first.responses[0].second.header("electric-handle");
  std::string offset = *first.responses[0].second.header("electric-offset");
  uint64_t n = 1;
  auto park_all = [&] {
    for (size_t c = 0; c < clients; ++c) {
      auto out = server->handle(RequestId{++n},
                                get("/v1/shape?table=items&live=true&offset=" + offset + "&handle=" + handle +
                                    "&cursor=" + std::to_string(c % 7)),
                                Timestamp{Duration::seconds(1)});
      if (!out.responses.empty()) {
        state.SkipWithError(("a live request was answered instead of parked: " + out.responses[0].second.body).c_str());
        return;
      }
    }
  };
  park_all();
  int64_t id = 1000;
  uint64_t answered = 0;
  for (auto _ : state) {
    HttpRequest w = post_mutations("{\"id\":\"f" + std::to_string(id) +
                                   "\",\"mutations\":[{\"op\":\"insert\",\"table\":\"items\",\"value\":{\"id\":" +
                                   std::to_string(id) + ",\"title\":\"t\",\"owner\":1,\"done\":false}}]}");
    ++id;
    auto out = server->handle(RequestId{++n}, w, Timestamp{Duration::seconds(2)});
    state.PauseTiming();
    for (const auto& shared : out.shared_responses) answered += shared.ids.size();
    if (out.shared_responses.size() != 1) return state.SkipWithError("the parked clients did not share one answer");
    offset = *out.shared_responses[0].response.header("electric-offset");
    park_all();
    state.ResumeTiming();
  }
  state.counters["answers/write"] = static_cast<double>(answered) / static_cast<double>(state.iterations());
  state.counters["parked"] = static_cast<double>(server->parked_count());
}

}  // namespace

BENCHMARK(BM_CachedChunkResponses);
BENCHMARK(BM_ChangesAppended)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_FanOut)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SnapshotRows)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
