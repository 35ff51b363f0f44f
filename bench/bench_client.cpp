// Client engine costs: an optimistic write until it is visible (and its change reported), a
// synced transaction of 1,000 rows applied, and a restart with a 100k-row shape: restored from
// the local file, against refetching the same shape from the server (in-process, so the
// network is left out and the refetch is a lower bound).
// Run with --benchmark_format=json for machine output.
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "reference/client/client_engine.h"
#include "reference/client/client_store.h"
#include "reference/client/optimistic_state.h"
#include "reference/server/shape_server.h"
#include "reference/common/testing/temp_file.h"

using namespace shapesim;

namespace {

StreamUpdate rows_update(int from, int count, uint64_t txid) {
  StreamUpdate u;
  u.accepted = true;
  for (int i = from; i < from + count; ++i) {
    ChangeMessage c;
    c.key = "\"public\".\"tasks\"/\"" + std::to_string(i) + "\"";
    c.op = Operation::kInsert;
    c.value = {{"id", std::to_string(i)}, {"title", "task " + std::to_string(i)}, {"done", "f"}};
    c.txids = {txid};
    c.lsn = txid;
    c.op_position = static_cast<uint64_t>(2 * (i - from));
    u.changes.push_back(std::move(c));
  }
  return u;
}

// commit() of a one-row update over 10,000 synced rows: applied, visible, change reported.
void BM_OptimisticWriteVisible(benchmark::State& state) {
  OptimisticState s;
  s.add_collection("tasks");
  s.apply_synced("tasks", rows_update(0, 10000, 1));
  (void)s.take_changes();
  uint64_t n = 0;
  for (auto _ : state) {
    std::string key = "\"public\".\"tasks\"/\"" + std::to_string(n % 10000) + "\"";
    auto seq = s.commit("t" + std::to_string(n++), {{LocalMutation::Op::kUpdate, "tasks", key, {{"title", "edited"}}}});
    auto changes = s.take_changes();
    benchmark::DoNotOptimize(changes);
    state.PauseTiming();
    s.fail(*seq, "bench");  // keep the state small: one pending at a time
    (void)s.take_changes();
    (void)s.take_events();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_OptimisticWriteVisible);

// A synced transaction of 1,000 rows into a collection with nothing pending.
void BM_SyncedTransaction1000(benchmark::State& state) {
  uint64_t txid = 1;
  std::unique_ptr<OptimisticState> s;
  for (auto _ : state) {
    state.PauseTiming();
    s.reset();  // the previous state is freed outside the timed region
    s = std::make_unique<OptimisticState>();
    s->add_collection("tasks");
    StreamUpdate u = rows_update(0, 1000, txid++);
    state.ResumeTiming();
    s->apply_synced("tasks", u);
    benchmark::DoNotOptimize(s->take_changes());
  }
  state.counters["rows/s"] = benchmark::Counter(1000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SyncedTransaction1000);

// Loading a 100k-row shape and its position from the local file (what a restart costs instead
// of refetching the snapshot).
void BM_RestoreFromLocalFile100k(benchmark::State& state) {
  testing_support::TempFile file("bench_client_restore.db");
  const std::string& path = file.path();
  {
    auto store = ClientStore::open(path);
    Collection rows;
    StreamUpdate u = rows_update(0, 100000, 1);
    rows.apply(u);
    if (!(*store)->save_update("tasks", u, rows.rows(), ShapeStreamPosition{"h", *LogOffset::parse("1_0")}).ok()) {
      return state.SkipWithError("cannot write the file");
    }
  }
  auto store = ClientStore::open(path);
  for (auto _ : state) {
    auto saved = (*store)->load_shape("tasks");
    if (!saved.ok() || saved->rows.size() != 100000) return state.SkipWithError("bad restore");
    benchmark::DoNotOptimize(saved);
  }
  state.counters["rows/s"] = benchmark::Counter(100000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RestoreFromLocalFile100k)->Unit(benchmark::kMillisecond);

constexpr int kRestartRows = 100000;

TableSchema bench_tasks() {
  return TableSchema{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}, {"done", ColumnType::kBool}}, {"id"}};
}

std::unique_ptr<ShapeServer> server_with_rows(int n) {
  auto store = EmbeddedStore::open(":memory:");
  if (!store.ok() || !(*store)->create_table(bench_tasks()).ok()) return nullptr;
  WriteBatch batch{"seed", {}};
  for (int i = 0; i < n; ++i) {
    batch.mutations.push_back({ChangeKind::kInsert, "public", "tasks", {},
                               Row{{"id", Value(int64_t{i})}, {"title", Value("task " + std::to_string(i))}, {"done", Value(false)}}});
  }
  if (!(*store)->apply(batch).ok()) return nullptr;
  return std::make_unique<ShapeServer>(ServerConfig{}, std::move(*store));
}

// Runs the engine against the server until its stream is up to date.
bool sync_until_up_to_date(ClientEngine& e, ShapeServer& server, Timestamp now) {
  uint64_t id = 1;
  for (int round = 0; round < 10000 && !e.stream().up_to_date(); ++round) {
    auto out = e.poll(now);
    if (!out) return false;
    ServerOutput answer = server.handle(RequestId{id}, out->request, now);
    answer.expand_shared();
    for (auto& [rid, response] : answer.responses) {
      if (rid.value == id) e.on_response(out->kind, out->batch_id, response, now);
    }
    ++id;
  }
  return e.stream().up_to_date();
}

// A restart that refetches: a fresh local file, the whole shape fetched from the server (JSON
// encoded, decoded, applied, saved).
void BM_RestartRefetch100k(benchmark::State& state) {
  auto server = server_with_rows(kRestartRows);
  if (!server) return state.SkipWithError("cannot build the server");
  testing_support::TempFile file("bench_client_refetch.db");
  const std::string& path = file.path();
  Timestamp now{Duration::seconds(1)};
  {
    // Warm the server's shape (its snapshot is taken once; a refetch reads the shape log).
    auto engine = ClientEngine::open({.collection = "tasks", .shape = {.table = "tasks"}}, nullptr, Random(1));
    if (!sync_until_up_to_date(**engine, *server, now)) return state.SkipWithError("did not sync");
  }
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove(path);
    auto store = ClientStore::open(path);
    state.ResumeTiming();
    auto engine = ClientEngine::open({.collection = "tasks", .shape = {.table = "tasks"}}, store->get(), Random(2));
    if (!sync_until_up_to_date(**engine, *server, now) || (*engine)->state().synced("tasks").size() != kRestartRows) {
      return state.SkipWithError("bad refetch");
    }
    state.PauseTiming();
    engine->reset();
    state.ResumeTiming();
  }
  state.counters["rows/s"] = benchmark::Counter(double(kRestartRows) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RestartRefetch100k)->Unit(benchmark::kMillisecond);

// A restart that resumes: ClientEngine::open over the file the refetch left (rows into the
// synced layer, position restored), then one request that finds it up to date.
void BM_RestartResume100k(benchmark::State& state) {
  auto server = server_with_rows(kRestartRows);
  if (!server) return state.SkipWithError("cannot build the server");
  testing_support::TempFile file("bench_client_resume.db");
  const std::string& path = file.path();
  Timestamp now{Duration::seconds(1)};
  {
    auto store = ClientStore::open(path);
    auto engine = ClientEngine::open({.collection = "tasks", .shape = {.table = "tasks"}}, store->get(), Random(1));
    if (!sync_until_up_to_date(**engine, *server, now)) return state.SkipWithError("did not sync");
  }
  for (auto _ : state) {
    auto store = ClientStore::open(path);
    auto engine = ClientEngine::open({.collection = "tasks", .shape = {.table = "tasks"}}, store->get(), Random(2));
    if (!engine.ok() || (*engine)->state().synced("tasks").size() != kRestartRows || !(*engine)->stream().position()) {
      return state.SkipWithError("bad resume");
    }
    // Resumed live at its offset: the next request is a live long-poll, nothing to refetch.
    auto next = (*engine)->poll(now);
    if (!next || next->request.query.at("offset") == "-1") return state.SkipWithError("refetched");
    state.PauseTiming();
    engine->reset();
    state.ResumeTiming();
  }
  state.counters["rows/s"] = benchmark::Counter(double(kRestartRows) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RestartResume100k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
