// bench_live_query: the live-query workload of ../shared/docs/peers.md on shapesim's engine.
//
//   bench_live_query [--rows=N] [--users=U] [--seed=S] [--warmup=W] [--updates=K] [--queries=q1,..] [--json]
//
// For each query q1..q4, on a fresh copy of the data: the time to build the first result,
// then W warm-up and K measured updates (latency = from the write call until the live query's
// change callback returns; updates that change nothing visible fire no callback and give no
// sample), the heap the live query holds, the fingerprint of the final result, and whether the
// live result equals a from-scratch evaluation. bench/live_query_vs_tanstack.sh runs the same
// workload on @tanstack/db in the same run and compares.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "reference/query/database.h"

namespace {

using namespace shapesim;
using namespace shapesim::query;
using Clock = std::chrono::steady_clock;

struct Params {
  int64_t rows = 100000, users = 1000, warmup = 100, updates = 1000;
  uint32_t seed = 42;
  bool json = false;
  std::vector<std::string> queries = {"q1", "q2", "q3", "q4"};
};

bool parse_flag(const char* arg, const char* name, int64_t& out) {
  size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  char* end = nullptr;
  long long v = std::strtoll(arg + n + 1, &end, 10);
  if (*end != '\0' || v < 0) {
    std::fprintf(stderr, "bench_live_query: %s needs a non-negative integer\n", name);
    std::exit(2);
  }
  out = v;
  return true;
}

Params parse(int argc, char** argv) {
  Params p;
  for (int i = 1; i < argc; ++i) {
    int64_t seed = -1;
    if (parse_flag(argv[i], "--rows", p.rows) || parse_flag(argv[i], "--users", p.users) ||
        parse_flag(argv[i], "--warmup", p.warmup) || parse_flag(argv[i], "--updates", p.updates)) {
      continue;
    }
    if (parse_flag(argv[i], "--seed", seed)) {
      p.seed = static_cast<uint32_t>(seed);
      continue;
    }
    if (std::strncmp(argv[i], "--queries=", 10) == 0) {
      p.queries.clear();
      std::string list = argv[i] + 10;
      for (size_t pos = 0; pos <= list.size();) {
        size_t comma = std::min(list.find(',', pos), list.size());
        std::string q = list.substr(pos, comma - pos);
        if (q != "q1" && q != "q2" && q != "q3" && q != "q4") {
          std::fprintf(stderr, "bench_live_query: unknown query \"%s\" (q1..q4)\n", q.c_str());
          std::exit(2);
        }
        p.queries.push_back(q);
        pos = comma + 1;
      }
      continue;
    }
    if (std::strcmp(argv[i], "--json") == 0) {
      p.json = true;
      continue;
    }
    std::fprintf(stderr,
                 "usage: bench_live_query [--rows=N] [--users=U] [--seed=S] [--warmup=W] [--updates=K] [--queries=q1,..] [--json]\n"
                 "  defaults: --rows=100000 --users=1000 --seed=42 --warmup=100 --updates=1000 --queries=q1,q2,q3,q4\n");
    std::exit(std::strcmp(argv[i], "--help") == 0 ? 0 : 2);
  }
  if (p.rows == 0 || p.users == 0) {
    std::fprintf(stderr, "bench_live_query: --rows and --users must be positive\n");
    std::exit(2);
  }
  return p;
}

constexpr int64_t kBaseCreated = 1700000000000;
const char* const kStatuses[] = {"open", "in_progress", "done"};

size_t heap_in_use() { return mallinfo2().uordblks; }

// 32-bit FNV-1a over the text.
std::string fnv1a(const std::string& text) {
  uint32_t h = 0x811c9dc5u;
  for (unsigned char c : text) h = (h ^ c) * 0x01000193u;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return buf;
}

struct Figures {
  std::string query;
  double first_ms = 0, p50_us = 0, p99_us = 0;
  size_t samples = 0;
  double memory_mib = 0;
  std::string fingerprint;
  bool matches_recompute = false;
};

// Columns: id, status, priority, assignee, created_at.
Tuple task_row(int64_t id, const Params& p) {
  return {Value(id), Value(kStatuses[id % 3]), Value((id * 31) % 5), Value((id * 17) % p.users),
          Value(kBaseCreated + ((id * 7919) % p.rows) * 1000)};
}

Figures run(const std::string& name, const Params& p) {
  Database db;
  Collection& tasks = **db.create_collection("tasks", {"id", "status", "priority", "assignee", "created_at"}, {"id"});
  Collection& users = **db.create_collection("users", {"id", "name", "team"}, {"id"});
  {
    Transaction tx;
    for (int64_t id = 0; id < p.rows; ++id) tx.insert(tasks, task_row(id, p));
    for (int64_t id = 0; id < p.users; ++id) tx.insert(users, {Value(id), Value("user" + std::to_string(id)), Value(id % 10)});
    if (!db.apply(std::move(tx)).ok()) std::abort();
  }
  Query q = from(tasks, "t");
  if (name == "q1" || name == "q2") {
    q = q.where(eq(col("t.status"), "open")).order_by(desc(col("t.created_at"))).limit(100);
    if (name == "q2") {
      q = q.inner_join(users, "u", col("t.assignee"), col("u.id"))
              .select({{"id", col("t.id")}, {"priority", col("t.priority")}, {"assignee", col("t.assignee")},
                       {"created_at", col("t.created_at")}, {"name", col("u.name")}});
    } else {
      q = q.select({{"id", col("t.id")}, {"priority", col("t.priority")}, {"assignee", col("t.assignee")},
                    {"created_at", col("t.created_at")}});
    }
  } else if (name == "q3") {
    q = q.order_by(desc(col("t.created_at")));
  } else {
    q = q.group_by({col("t.assignee")})
            .select({{"assignee", col("t.assignee")}, {"count", count()}, {"total", sum(col("t.priority"))}});
  }

  Figures f;
  f.query = name;
  size_t heap_before = heap_in_use();
  auto start = Clock::now();
  LiveQuery& live = **db.live(q);
  f.first_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  size_t heap_after = heap_in_use();
  f.memory_mib = static_cast<double>(heap_after - std::min(heap_after, heap_before)) / (1024.0 * 1024.0);

  Clock::time_point fired{};
  bool callback = false;
  live.subscribe([&](const std::vector<ResultChange>&) {
    fired = Clock::now();
    callback = true;
  });
  const int64_t max_created = kBaseCreated + (p.rows - 1) * 1000;
  uint32_t s = p.seed;
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(p.updates));
  for (int64_t i = 0; i < p.warmup + p.updates; ++i) {
    s = s * 1664525u + 1013904223u;
    int64_t id = s % static_cast<uint32_t>(p.rows);
    Tuple row = *tasks.find({Value(id)});
    if (i % 2 == 0) {
      row[1] = Value("open");
      row[4] = Value(max_created + (i + 1) * 1000);
    } else {
      row[2] = Value((*row[2].as_int() + 1) % 5);
    }
    callback = false;
    auto t0 = Clock::now();
    if (!db.update(tasks, std::move(row)).ok()) std::abort();
    if (callback && i >= p.warmup) micros.push_back(std::chrono::duration<double, std::micro>(fired - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  f.samples = micros.size();
  if (!micros.empty()) {
    f.p50_us = micros[micros.size() / 2];
    f.p99_us = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  }

  // Fingerprint of the final result, as peers.md defines it.
  std::vector<ResultRow> rows = live.rows();
  std::string text = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Tuple& v = rows[i].values;
    text += i ? ",[" : "[";
    if (name == "q4") {
      text += *v[0].to_pg_text() + "," + *v[1].to_pg_text() + "," + *v[2].to_pg_text();  // sorted by assignee: the key order
    } else if (name == "q3") {
      text += *v[0].to_pg_text() + "," + *v[2].to_pg_text();
    } else {
      text += *v[0].to_pg_text() + "," + *v[1].to_pg_text();
      if (name == "q2") text += ",\"" + *v[4].as_string() + "\"";
    }
    text += "]";
  }
  text += "]";
  f.fingerprint = fnv1a(text);
  auto recomputed = evaluate(q);
  f.matches_recompute = recomputed.ok() && *recomputed == rows;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Params p = parse(argc, argv);
  std::vector<Figures> all;
  for (const std::string& q : p.queries) {
    if (!p.json) std::fprintf(stderr, "bench_live_query: %s ...\n", q.c_str());
    all.push_back(run(q, p));
  }
  if (p.json) {
    std::printf("{\"engine\":\"shapesim\",\"rows\":%lld,\"users\":%lld,\"seed\":%u,\"warmup\":%lld,\"updates\":%lld,\"queries\":[",
                static_cast<long long>(p.rows), static_cast<long long>(p.users), p.seed, static_cast<long long>(p.warmup),
                static_cast<long long>(p.updates));
    for (size_t i = 0; i < all.size(); ++i) {
      const Figures& f = all[i];
      std::printf("%s{\"query\":\"%s\",\"first_result_ms\":%.3f,\"p50_us\":%.3f,\"p99_us\":%.3f,\"samples\":%zu,"
                  "\"memory_mib\":%.2f,\"fingerprint\":\"%s\",\"matches_recompute\":%s}",
                  i ? "," : "", f.query.c_str(), f.first_ms, f.p50_us, f.p99_us, f.samples, f.memory_mib, f.fingerprint.c_str(),
                  f.matches_recompute ? "true" : "false");
    }
    std::printf("]}\n");
  } else {
    std::printf("rows=%lld users=%lld seed=%u warmup=%lld updates=%lld\n", static_cast<long long>(p.rows),
                static_cast<long long>(p.users), p.seed, static_cast<long long>(p.warmup), static_cast<long long>(p.updates));
    std::printf("%-5s %14s %10s %10s %8s %12s %12s %s\n", "query", "first result", "p50", "p99", "samples", "memory", "fingerprint",
                "recompute");
    for (const Figures& f : all) {
      std::printf("%-5s %11.2f ms %7.2f us %7.2f us %8zu %8.1f MiB %12s %s\n", f.query.c_str(), f.first_ms, f.p50_us, f.p99_us,
                  f.samples, f.memory_mib, f.fingerprint.c_str(), f.matches_recompute ? "equal" : "DIFFERENT");
    }
  }
  for (const Figures& f : all) {
    if (!f.matches_recompute) return 1;
  }
  return 0;
}
