// `shapesim conform`: the scenarios against a live deployment, in real time, with the reference
// client engine over real HTTP and the wall clock (a driver, like `shapesim client`).
//
// Each scenario gets its clients (a local file each, in a temporary directory), plays its steps
// in real time, and is held to the same expectations as in simulation: `expect` steps,
// `transact` outcomes, and at every settle and at the end, convergence of every client with a
// fresh read of its shape from the target, and the local-transactions promises (every
// committed transaction acknowledged or rolled back, nothing pending, what is shown is what
// was synced). Steps a live deployment cannot be made to do (partitions, clogs, server
// crashes, shape deletion, token expiry, membership changes) make the scenario skipped, with
// the reason. Clients take turns on one thread: the target's long-poll timeout should be short
// (`shapesim serve --long-poll-ms 300`).
#include "tools/conform_command.h"

#include "tools/live_run.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "reference/net/http_client.h"
#include "scenarios/scenario.h"
#include "tools/cli.h"

namespace shapesim::tools {

namespace {

using nlohmann::json;

struct ConformArgs {
  std::string target;
  std::optional<std::string> junit;
  std::optional<std::string> print_schema;
  std::optional<std::string> pg_url;  // membership changes as SQL
  bool list = false;
  int64_t max_wait_s = 30;
  std::vector<std::string> paths;
  bool help = false;
};

void print_help(std::ostream& out) {
  out << "usage: shapesim conform --target URL [--pg URL] [--junit FILE] [--max-wait-s N] SCENARIO|DIR...\n"
         "       shapesim conform --list SCENARIO|DIR...\n"
         "       shapesim conform --print-schema SCENARIO\n"
         "\n"
         "Runs scenario files (docs/scenarios.md) against a live deployment in real time with the\n"
         "reference client engine, and checks the same expectations as the simulator: expect steps,\n"
         "transact outcomes, convergence with a fresh read of each shape, and that every committed\n"
         "transaction was acknowledged or rolled back. Scenarios with steps a live deployment cannot\n"
         "be made to do (partition, heal, clog, crash/restart of the server, delete_shape,\n"
         "expire_tokens, grant/revoke/set_role), or waiting longer than --max-wait-s (30) in total,\n"
         "are skipped and listed. The target must hold the scenario's tables and seed rows (a fresh\n"
         "`shapesim serve --schema` per scenario: --print-schema writes that file; under auth, serve\n"
         "it with --auth and the scenario's policy). Exit 0 if nothing failed, 1 otherwise.\n"
         "\n"
         "  --target URL        the deployment, e.g. http://127.0.0.1:3000\n"
         "  --junit FILE        also write JUnit XML (one testcase per scenario) for CI systems\n"
         "  --pg URL            the deployment's PostgreSQL: grant, revoke and set_role become SQL on its\n"
         "                      memberships table (the change reaches the server by replication)\n"
         "  --max-wait-s N      skip scenarios whose wait steps add up to more than N seconds\n"
         "  --list              print PLAY or SKIP (with the reason) for each scenario; run nothing\n"
         "  --print-schema F    print the `serve --schema` file for scenario F (tables, seed rows)\n";
}

std::optional<std::string> parse(const std::vector<std::string>& args, ConformArgs& a) {
  CLI::App app{"shapesim conform"};
  app.set_help_flag();  // its own --help text
  std::optional<std::string> target, max_wait;
  app.add_flag("-h,--help", a.help);
  app.add_option("--target", target);
  app.add_option("--junit", a.junit);
  app.add_option("--print-schema", a.print_schema);
  app.add_option("--pg", a.pg_url);
  app.add_flag("--list", a.list);
  app.add_option("--max-wait-s", max_wait);
  app.add_option("paths", a.paths);
  if (auto e = parse_cli(app, args, {{"--target", "--target needs a URL"},
                                     {"--junit", "--junit needs a file"},
                                     {"--print-schema", "--print-schema needs a scenario file"},
                                     {"--pg", "--pg needs a PostgreSQL URL"},
                                     {"--max-wait-s", "--max-wait-s needs a number"}})) {
    return e;
  }
  if (target) a.target = *target;
  if (max_wait) {
    if (max_wait->empty() || max_wait->size() > 12 || max_wait->find_first_not_of("0123456789") != std::string::npos) {
      return "--max-wait-s needs a number";
    }
    a.max_wait_s = std::stoll(*max_wait);
  }
  if (a.help || a.print_schema) return std::nullopt;
  if (a.target.empty() && !a.list) return "--target is required";
  if (a.paths.empty()) return "give at least one scenario file or directory";
  return std::nullopt;
}

// Why a scenario cannot run against a live deployment ("" if it can).
std::string unsupported(const Scenario& s, int64_t max_wait_s, bool sql) {
  static const std::set<StepKind> kLiveSteps = {StepKind::kWrite,       StepKind::kTransact,     StepKind::kWait,
                                                StepKind::kSettle,      StepKind::kExpect,       StepKind::kOffline,
                                                StepKind::kOnline,      StepKind::kCrashClient,  StepKind::kRestartClient,
                                                StepKind::kLogin,       StepKind::kLogout,       StepKind::kSwitchOrg,
                                                StepKind::kExpectNoRowsFrom, StepKind::kLiveQuery};
  std::set<std::string> missing;
  int64_t waited_ms = 0;
  for (const auto& step : s.steps) {
    bool membership = step.kind == StepKind::kGrant || step.kind == StepKind::kRevoke || step.kind == StepKind::kSetRole;
    if (!kLiveSteps.count(step.kind) && !(membership && sql)) missing.insert(step_kind_name(step.kind) + std::string(membership ? " (needs --pg)" : ""));
    if (step.kind == StepKind::kRevoke && (step.args.contains("with") || step.args.contains("with_before"))) {
      missing.insert("a revocation with other writes in its transaction");
    }
    if (step.kind == StepKind::kWait) waited_ms += step.args["ms"].get<int64_t>();
    if (step.kind == StepKind::kExpectNoRowsFrom) waited_ms += step.args.value("within_ms", int64_t{0});
  }
  if (s.keep_unsynced != 0.5 || s.client_crash_points > 0) missing.insert("disk faults");
  if (s.network.loss > 0 || s.network.duplicate > 0 || s.network.tail_probability > 0 || s.network.response_loss > 0) {
    missing.insert("network faults");
  }
  for (const auto& c : s.clients) {
    if (c.clock_skew_ms != 0 || c.clock_drift_ppm != 0 || c.slow_ms != 0) missing.insert("client clocks and slowness");
  }
  std::string why;
  for (const auto& m : missing) why += (why.empty() ? "" : ", ") + m;
  if (!why.empty()) return "cannot be injected live: " + why;
  if (waited_ms > max_wait_s * 1000) return "waits " + std::to_string(waited_ms / 1000) + " s (over --max-wait-s)";
  return "";
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

struct CaseResult {
  std::string name;
  std::string path;
  double seconds = 0;
  std::vector<std::string> failures;
  std::string skipped;
};

void write_junit(const std::string& file, const std::vector<CaseResult>& cases, const std::string& target) {
  size_t failures = 0, skipped = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += !c.failures.empty();
    skipped += !c.skipped.empty();
    total += c.seconds;
  }
  std::ofstream out(file);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites><testsuite name=\"shapesim conform " << xml_escape(target) << "\" tests=\"" << cases.size() << "\" failures=\""
      << failures << "\" skipped=\"" << skipped << "\" time=\"" << total << "\">\n";
  for (const auto& c : cases) {
    out << "  <testcase classname=\"scenarios\" name=\"" << xml_escape(c.name) << "\" file=\"" << xml_escape(c.path) << "\" time=\""
        << c.seconds << "\">";
    if (!c.skipped.empty()) out << "<skipped message=\"" << xml_escape(c.skipped) << "\"/>";
    for (const auto& f : c.failures) out << "<failure message=\"" << xml_escape(f) << "\"/>";
    out << "</testcase>\n";
  }
  out << "</testsuite></testsuites>\n";
}

}  // namespace

int conform_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ConformArgs a;
  if (auto e = parse(args, a)) {
    err << "shapesim conform: " << *e << "\n\n";
    print_help(err);
    return 2;
  }
  if (a.help) {
    print_help(out);
    return 0;
  }
  if (a.print_schema) {
    auto s = load_scenario_file(*a.print_schema);
    if (!s.ok()) {
      err << "shapesim conform: " << s.status().message() << "\n";
      return 2;
    }
    out << scenario_schema_file(*s).dump(1) << "\n";
    return 0;
  }
  auto endpoint = net::parse_http_url(a.list ? std::string("http://127.0.0.1:1") : a.target);
  if (!endpoint.ok()) {
    err << "shapesim conform: " << endpoint.status().message() << "\n";
    return 2;
  }
  std::vector<std::string> files;
  for (const auto& p : a.paths) {
    if (std::filesystem::is_directory(p)) {
      std::vector<std::string> in_dir;
      for (const auto& e : std::filesystem::directory_iterator(p)) {
        if (e.path().extension() == ".json") in_dir.push_back(e.path().string());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(p);
    }
  }
  std::vector<CaseResult> cases;
  for (const auto& file : files) {
    CaseResult r;
    r.path = file;
    auto s = load_scenario_file(file);
    if (!s.ok()) {
      r.name = file;
      r.failures.push_back(s.status().message());
      cases.push_back(r);
      out << "FAIL " << file << ": " << s.status().message() << std::endl;
      continue;
    }
    r.name = s->name;
    r.skipped = unsupported(*s, a.max_wait_s, a.pg_url.has_value());
    if (a.list) {
      out << (r.skipped.empty() ? "PLAY " + s->name : "SKIP " + s->name + ": " + r.skipped) << std::endl;
      continue;
    }
    if (!r.skipped.empty()) {
      out << "SKIP " << s->name << ": " << r.skipped << std::endl;
      cases.push_back(r);
      continue;
    }
    auto dir = std::filesystem::temp_directory_path() / ("shapesim-conform-" + std::to_string(net::wall_clock_now().micros));
    std::filesystem::create_directories(dir);
    Timestamp start = net::wall_clock_now();
    r.failures = play_live(*s, *endpoint, dir.string(), a.pg_url);
    r.seconds = static_cast<double>((net::wall_clock_now() - start).micros) / 1e6;
    std::filesystem::remove_all(dir);
    if (r.failures.empty()) {
      out << "PASS " << s->name << " (" << r.seconds << " s)" << std::endl;
    } else {
      out << "FAIL " << s->name << " (" << r.seconds << " s):" << std::endl;
      for (const auto& f : r.failures) out << "  " << f << std::endl;
    }
    cases.push_back(r);
  }
  if (a.list) return 0;
  size_t passed = 0, failed = 0, skipped = 0;
  for (const auto& c : cases) {
    if (!c.skipped.empty()) ++skipped;
    else if (c.failures.empty()) ++passed;
    else ++failed;
  }
  out << cases.size() << " scenarios against " << a.target << ": " << passed << " passed, " << failed << " failed, " << skipped
      << " skipped" << std::endl;
  if (a.junit) write_junit(*a.junit, cases, a.target);
  return failed > 0 ? 1 : 0;
}

}  // namespace shapesim::tools
