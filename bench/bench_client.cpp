// Client engine costs: an optimistic write until it is visible (and its change reported), a
// synced transaction of 1,000 rows applied, and restoring a 100k-row shape from the local file.
// Run with --benchmark_format=json for machine output.
#include <filesystem>
#include <memory>

#include <benchmark/benchmark.h>

#include "reference/client/client_store.h"
#include "reference/client/optimistic_state.h"

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
  std::string path = (std::filesystem::temp_directory_path() / "bench_client_restore.db").string();
  std::filesystem::remove(path);
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
  std::filesystem::remove(path);
}
BENCHMARK(BM_RestoreFromLocalFile100k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
