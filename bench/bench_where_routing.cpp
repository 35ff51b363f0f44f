// bench_where_routing: changes routed per second (Google Benchmark; --benchmark_format=json).
// A change is one new row of `tasks`; routing it means converting the row once, asking the
// table's routing index for candidate shapes and evaluating each candidate's full WHERE.
//   indexable/10000 - 10,000 shapes `owner = <k>` (goal >= 1,000,000 changes/s; Electric ~5k/s)
//   ilike/100       - 100 shapes `title ILIKE '%<word>%'`  (goal >= 100,000 changes/s; Electric ~140/s)
#include <benchmark/benchmark.h>

#include "reference/common/random.h"
#include "reference/sql/routing_index.h"

namespace {

using namespace shapesim;

TableSchema tasks() {
  return TableSchema{"public", "tasks",
                     {{"id", ColumnType::kInt8, true}, {"owner", ColumnType::kInt8}, {"title", ColumnType::kText},
                      {"status", ColumnType::kText}, {"priority", ColumnType::kInt4}},
                     {"id"}};
}

const std::vector<std::string> kWords = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
                                         "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"};

std::vector<Row> make_changes(size_t n, uint64_t owners) {
  Random r(7);
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i) {
    std::string title = "Task " + kWords[r.uniform(0, kWords.size() - 1)] + " " + kWords[r.uniform(0, kWords.size() - 1)] +
                        " #" + std::to_string(r.uniform(0, 99999));
    rows.push_back(Row{{"id", Value(static_cast<int64_t>(i))},
                       {"owner", Value(static_cast<int64_t>(r.uniform(0, owners - 1)))},
                       {"title", Value(title)},
                       {"status", Value(r.bernoulli(0.5) ? "open" : "done")},
                       {"priority", Value(static_cast<int64_t>(r.uniform(0, 4)))}});
  }
  return rows;
}

void route(benchmark::State& state, const std::vector<std::string>& clauses, uint64_t owners) {
  TableSchema t = tasks();
  sql::RoutingIndex index(t);
  std::vector<sql::WhereClause> shapes;
  shapes.reserve(clauses.size());
  for (size_t i = 0; i < clauses.size(); ++i) {
    auto w = sql::WhereClause::compile(clauses[i], t, {});
    if (!w.ok()) {
      state.SkipWithError(w.status().message().c_str());
      return;
    }
    shapes.push_back(std::move(*w));
    index.add(static_cast<uint32_t>(i), shapes.back());
  }
  const std::vector<Row> changes = make_changes(8192, owners);
  std::vector<uint32_t> candidates;
  uint64_t routed = 0, matched = 0;
  for (auto _ : state) {
    const Row& row = changes[routed % changes.size()];
    auto sql_row = sql::to_sql_row(row, t);
    candidates.clear();
    index.candidates(*sql_row, candidates);
    for (uint32_t id : candidates) {
      auto m = shapes[id].matches(*sql_row);
      matched += m.ok() && *m;
    }
    ++routed;
  }
  state.SetItemsProcessed(static_cast<int64_t>(routed));
  state.counters["changes/s"] = benchmark::Counter(static_cast<double>(routed), benchmark::Counter::kIsRate);
  state.counters["matches/change"] = static_cast<double>(matched) / static_cast<double>(std::max<uint64_t>(routed, 1));
  state.counters["shapes"] = static_cast<double>(clauses.size());
}

void BM_RouteIndexable(benchmark::State& state) {
  std::vector<std::string> clauses;
  for (int64_t k = 0; k < state.range(0); ++k) clauses.push_back("owner = " + std::to_string(k));
  route(state, clauses, static_cast<uint64_t>(state.range(0)) * 2);  // half the changes hit a shape
}

void BM_RouteIndexableWithExtraClause(benchmark::State& state) {
  std::vector<std::string> clauses;
  for (int64_t k = 0; k < state.range(0); ++k) {
    clauses.push_back("owner = " + std::to_string(k) + " AND status = 'open' AND priority < 3");
  }
  route(state, clauses, static_cast<uint64_t>(state.range(0)) * 2);
}

void BM_RouteILike(benchmark::State& state) {
  std::vector<std::string> clauses;
  for (int64_t k = 0; k < state.range(0); ++k) {
    // Half the patterns are single words (they match often), half word pairs (rarely).
    const std::string& a = kWords[static_cast<size_t>(k) % kWords.size()];
    const std::string& b = kWords[static_cast<size_t>(k / 7) % kWords.size()];
    clauses.push_back("title ILIKE '%" + (k % 2 ? a : a + " " + b) + "%'");
  }
  route(state, clauses, 1000);
}

}  // namespace

BENCHMARK(BM_RouteIndexable)->Arg(10000)->Arg(100000);
BENCHMARK(BM_RouteIndexableWithExtraClause)->Arg(10000);
BENCHMARK(BM_RouteILike)->Arg(10)->Arg(100);
BENCHMARK_MAIN();
