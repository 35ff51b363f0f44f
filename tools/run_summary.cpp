#include "tools/run_summary.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "reference/common/coverage.h"
#include "tools/sim_command_support.h"

namespace shapesim::tools {

namespace {

std::string format_sim_time(int64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(micros) / 1e6);
  return buf;
}

struct Row {
  std::string name;
  uint64_t runs = 0, passed = 0, events = 0;
  int64_t sim_micros = 0;
  std::string first_hash;  // of its lowest seed
};

}  // namespace

void sort_records(std::vector<RunRecord>& records) {
  std::stable_sort(records.begin(), records.end(), [](const RunRecord& a, const RunRecord& b) {
    return a.index != b.index ? a.index < b.index : a.seed < b.seed;
  });
}

int print_summary(std::vector<RunRecord> records, const SummaryOptions& options, std::ostream& out) {
  sort_records(records);
  std::vector<Row> rows;
  std::map<RunOutcome, uint64_t> outcomes;
  uint64_t nondeterministic = 0, total_events = 0, failed = 0;
  int64_t sim_total = 0;
  std::map<std::string, uint64_t> probe_runs;  // runs that reached each probe
  std::map<std::string, std::vector<int64_t>> delays;
  std::vector<std::string> failure_lines;
  for (const auto& r : records) {
    if (rows.empty() || rows.back().name != r.scenario) rows.push_back(Row{r.scenario});
    Row& row = rows.back();
    ++row.runs;
    row.events += r.events;
    row.sim_micros += r.sim_us;
    if (row.first_hash.empty()) row.first_hash = r.trace_hash;
    total_events += r.events;
    sim_total += r.sim_us;
    ++outcomes[r.outcome];
    nondeterministic += r.nondeterministic;
    for (const auto& [name, hits] : r.probes) probe_runs[name] += hits > 0;
    for (const auto& [kind, ds] : r.delays_us) delays[kind].insert(delays[kind].end(), ds.begin(), ds.end());
    if (r.passed) {
      ++row.passed;
      continue;
    }
    ++failed;
    failure_lines.push_back("FAIL " + r.scenario + " seed=" + std::to_string(r.seed) + " (" + run_outcome_name(r.outcome) + "):");
    for (const auto& f : r.failures) failure_lines.push_back("  " + f);
    for (const auto& n : r.notes) failure_lines.push_back("  " + n);
  }

  char line[400];
  std::snprintf(line, sizeof line, "%-40s %7s %7s %7s %10s %10s  %s\n", "scenario", "seeds", "passed", "failed",
                "events", "sim time", "trace hash (first seed)");
  out << line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-40s %7llu %7llu %7llu %10llu %10s  %s\n", r.name.c_str(),
                  static_cast<unsigned long long>(r.runs), static_cast<unsigned long long>(r.passed),
                  static_cast<unsigned long long>(r.runs - r.passed), static_cast<unsigned long long>(r.events),
                  format_sim_time(r.sim_micros).c_str(), r.first_hash.c_str());
    out << line;
  }
  const uint64_t total = records.size();
  std::snprintf(line, sizeof line,
                "\n%llu runs (%s): %llu passed, %llu failed (%llu safety, %llu liveness, %llu expectation, "
                "%llu setup, %llu nondeterministic)\n",
                static_cast<unsigned long long>(total), options.seeds.c_str(),
                static_cast<unsigned long long>(total - failed), static_cast<unsigned long long>(failed),
                static_cast<unsigned long long>(outcomes[RunOutcome::kSafetyViolation]),
                static_cast<unsigned long long>(outcomes[RunOutcome::kLivenessFailure]),
                static_cast<unsigned long long>(outcomes[RunOutcome::kExpectationFailed]),
                static_cast<unsigned long long>(outcomes[RunOutcome::kSetupError]),
                static_cast<unsigned long long>(nondeterministic));
  out << line;
  double wall = options.wall_seconds;
  std::snprintf(line, sizeof line,
                "speed: %llu events, %.1f s simulated in %.2f s wall (%.0fx real time, %.0f events/s)\n",
                static_cast<unsigned long long>(total_events), static_cast<double>(sim_total) / 1e6, wall,
                wall > 0 ? static_cast<double>(sim_total) / 1e6 / wall : 0.0,
                wall > 0 ? static_cast<double>(total_events) / wall : 0.0);
  out << line;
  // Freshness: how long changes, revocations and confirmations took (simulated time).
  for (auto& [kind, ds] : delays) {
    if (ds.empty()) continue;
    std::sort(ds.begin(), ds.end());
    auto at = [&](double q) {
      return static_cast<double>(ds[std::min(ds.size() - 1, static_cast<size_t>(q * static_cast<double>(ds.size())))]) / 1000.0;
    };
    std::snprintf(line, sizeof line, "%s delays: %zu, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", kind.c_str(),
                  ds.size(), at(0.5), at(0.9), at(0.99), static_cast<double>(ds.back()) / 1000.0);
    out << line;
  }
  std::vector<std::string> missed;
  for (size_t p = 0; p < kProbeCount; ++p) {
    const char* name = probe_name(static_cast<Probe>(p));
    if (probe_runs[name] == 0) missed.push_back(name);
  }
  out << "coverage probes: " << (kProbeCount - missed.size()) << "/" << kProbeCount << " reached";
  if (missed.empty()) {
    out << "\n";
  } else {
    out << "; never reached:";
    for (const auto& m : missed) out << " " << m;
    out << "\n";
  }
  if (!failure_lines.empty()) {
    out << "\n";
    for (const auto& f : failure_lines) out << f << "\n";
  }
  if (nondeterministic > 0) return kExitNondeterminism;
  if (failed == 0) return kExitPassed;
  return failed == outcomes[RunOutcome::kLivenessFailure] ? kExitLiveness : kExitFailed;
}

}  // namespace shapesim::tools
