// bench_fanout: N long-polling clients of one shape of a real `shapesim serve` on loopback,
// K writes; every write must reach every client exactly once. Prints the delivery latency
// (write sent -> a client's answer complete) p50/p99/max and the server's RSS before the
// first write, after a tenth of them and at the end (flat RSS: the last two agree).
//
//   bench_fanout --bin build/release/tools/shapesim [--clients 10000] [--writes 60]
//                [--interval-ms 1000] [--p99-goal-ms 0] [--json FILE]
//
// A driver, not a core: it uses epoll and the real clock. One thread holds every client
// socket (raw HTTP/1.1 keep-alive, no parsing beyond framing), so it costs the server's
// machine far less than the server it measures. Exit status 1 on a lost or duplicated change,
// a client error or a missed p99 goal; 2 on bad usage.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/http_framing.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bin;
  std::string schema;
  int clients = 10000;
  int writes = 60;
  int interval_ms = 1000;
  double p99_goal_ms = 0;
  std::string json;
};

pid_t g_server_pid = -1;  // killed on the way out

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_fanout: %s\n", message.c_str());
  if (g_server_pid > 0) kill(g_server_pid, SIGTERM);
  std::exit(1);
}

void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: bench_fanout --bin PATH/TO/shapesim [--schema FILE] [--clients N (10000)] [--writes K (60)]\n"
               "                    [--interval-ms MS (1000)] [--p99-goal-ms MS (0: none)] [--json FILE]\n"
               "N clients long-poll one shape of a fresh `shapesim serve` on loopback while K single-row\n"
               "writes go in; prints delivery p50/p99/max, lost/duplicated changes and server RSS.\n");
  std::exit(code);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") usage(0);
    if (i + 1 >= argc) usage(2);
    std::string v = argv[++i];
    try {
      if (a == "--bin") o.bin = v;
      else if (a == "--schema") o.schema = v;
      else if (a == "--clients") o.clients = std::stoi(v);
      else if (a == "--writes") o.writes = std::stoi(v);
      else if (a == "--interval-ms") o.interval_ms = std::stoi(v);
      else if (a == "--p99-goal-ms") o.p99_goal_ms = std::stod(v);
      else if (a == "--json") o.json = v;
      else usage(2);
    } catch (const std::exception&) {
      std::fprintf(stderr, "bench_fanout: %s needs a number, got '%s'\n", a.c_str(), v.c_str());
      std::exit(2);
    }
  }
  if (o.bin.empty() || o.clients < 1 || o.writes < 1 || o.interval_ms < 0) usage(2);
  return o;
}

long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
};

// Starts `shapesim serve` on an ephemeral port with an in-memory store and waits for its
// "listening on http://HOST:PORT" line.
Server start_server(const Options& o) {
  int out[2];
  if (pipe(out) != 0) die("pipe: " + std::string(std::strerror(errno)));
  std::string max_connections = std::to_string(o.clients + 100);
  std::vector<std::string> args = {o.bin, "serve", "--store", ":memory:", "--schema", o.schema, "--port", "0",
                                   "--max-connections", max_connections};
  pid_t pid = fork();
  if (pid < 0) die("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "bench_fanout: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(out[1]);
  g_server_pid = pid;
  std::string seen;
  char buf[512];
  for (;;) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) die("shapesim serve exited before listening (output: " + seen + ")");
    seen.append(buf, static_cast<size_t>(n));
    auto at = seen.find("listening on http://");
    if (at == std::string::npos) continue;
    auto end = seen.find('\n', at);
    if (end == std::string::npos) continue;
    auto colon = seen.find(':', at + std::string_view("listening on http://").size());
    Server s{pid, static_cast<uint16_t>(std::strtol(seen.c_str() + colon + 1, nullptr, 10))};
    // Keep draining the server's stdout so it never blocks on a full pipe.
    if (fork() == 0) {
      while (read(out[0], buf, sizeof buf) > 0) {
      }
      _exit(0);
    }
    close(out[0]);
    return s;
  }
}

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect: " + std::string(std::strerror(errno)));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      usleep(100);
      continue;
    }
    if (n <= 0) die("send: " + std::string(std::strerror(errno)));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// One blocking request on its own connection (the initial snapshot and each write).
shapesim::bench::HttpAnswer request(uint16_t port, const std::string& bytes) {
  int fd = connect_to(port);
  send_all(fd, bytes);
  shapesim::bench::ResponseFramer framer;
  char buf[65536];
  for (;;) {
    if (auto answer = framer.next()) {
      close(fd);
      return *answer;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) die("server closed a request's connection");
    framer.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

struct Client {
  int fd = -1;
  std::string offset;
  shapesim::bench::ResponseFramer framer;
  std::vector<uint16_t> seen;  // per write: times delivered
  bool error = false;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  if (o.schema.empty()) o.schema = std::string(SHAPESIM_SOURCE_DIR) + "/ci/conformance/schema.json";
  signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();
  Server server = start_server(o);

  auto first = request(server.port, "GET /v1/shape?table=items&offset=-1 HTTP/1.1\r\nhost: localhost\r\n\r\n");
  if (first.status != 200) die("initial snapshot answered " + std::to_string(first.status));
  std::string handle = first.header("electric-handle");
  std::string poll_prefix = "GET /v1/shape?table=items&handle=" + handle + "&live=true&offset=";

  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Client> clients(static_cast<size_t>(o.clients));
  for (size_t i = 0; i < clients.size(); ++i) {
    Client& c = clients[i];
    c.fd = connect_to(server.port);
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    c.offset = first.header("electric-offset");
    c.seen.assign(static_cast<size_t>(o.writes) + 1, 0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    send_all(c.fd, poll_prefix + c.offset + " HTTP/1.1\r\nhost: localhost\r\n\r\n");
    if ((i + 1) % 2000 == 0) std::fprintf(stderr, "bench_fanout: %zu/%d clients connected\n", i + 1, o.clients);
  }

  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(o.clients) * static_cast<size_t>(o.writes));
  std::vector<epoll_event> events(1024);
  std::vector<size_t> repoll;
  char buf[65536];
  int current = 0;  // the write in flight (0: none yet)
  int delivered = 0;
  Clock::time_point sent;
  // Runs the event loop until `done()` or `timeout_ms` passes.
  auto pump = [&](auto done, double timeout_ms) {
    auto start = Clock::now();
    while (!done() && ms_since(start) < timeout_ms) {
      int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
      // Read every ready client first and re-poll afterwards: the clients stand for separate
      // machines, so one client's next request must not delay another's answer.
      repoll.clear();
      for (int e = 0; e < n; ++e) {
        size_t index = events[static_cast<size_t>(e)].data.u64;
        Client& c = clients[index];
        ssize_t got = recv(c.fd, buf, sizeof buf, 0);
        if (got <= 0) {
          if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
          c.error = true;
          epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          continue;
        }
        c.framer.feed(std::string_view(buf, static_cast<size_t>(got)));
        while (auto answer = c.framer.next()) {
          if (answer->status != 200) {
            std::fprintf(stderr, "bench_fanout: a client got %d: %s\n", answer->status, answer->body.c_str());
            c.error = true;
            break;
          }
          for (int64_t id : shapesim::bench::row_ids(answer->body)) {
            if (id < 1 || id > o.writes) continue;
            if (++c.seen[static_cast<size_t>(id)] == 1 && id == current) {
              latencies.push_back(ms_since(sent));
              ++delivered;
            }
          }
          c.offset = answer->header("electric-offset");
          repoll.push_back(index);
        }
      }
      for (size_t index : repoll) {
        send_all(clients[index].fd, poll_prefix + clients[index].offset + " HTTP/1.1\r\nhost: localhost\r\n\r\n");
      }
    }
  };
  // Let every request park before the first write.
  pump([] { return false; }, 500 + o.clients / 10.0);
  long rss_before = rss_kb(server.pid), rss_tenth = rss_before;
  for (int w = 1; w <= o.writes; ++w) {
    std::string body = R"({"id":"fanout-)" + std::to_string(w) + R"(","mutations":[{"op":"insert","table":"items","value":{"id":)" +
                       std::to_string(w) + R"(,"title":"row )" + std::to_string(w) + R"("}}]})";
    current = w;
    delivered = 0;
    sent = Clock::now();
    auto answer = request(server.port, "POST /api/mutations HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
                                       "content-length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    if (answer.status != 200) die("write " + std::to_string(w) + " answered " + std::to_string(answer.status) + ": " + answer.body);
    pump([&] { return delivered >= o.clients; }, 30000);
    if (w == std::max(1, o.writes / 10)) rss_tenth = rss_kb(server.pid);
    if (w % 10 == 0) std::fprintf(stderr, "bench_fanout: %d/%d writes delivered\n", w, o.writes);
    pump([] { return false; }, o.interval_ms);
  }
  long rss_after = rss_kb(server.pid);
  kill(server.pid, SIGTERM);
  waitpid(server.pid, nullptr, 0);

  long lost = 0, duplicated = 0, errors = 0;
  for (const Client& c : clients) {
    errors += c.error ? 1 : 0;
    for (int w = 1; w <= o.writes; ++w) {
      lost += c.seen[static_cast<size_t>(w)] == 0 ? 1 : 0;
      duplicated += c.seen[static_cast<size_t>(w)] > 1 ? 1 : 0;
    }
    close(c.fd);
  }
  std::sort(latencies.begin(), latencies.end());
  double p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99);
  double max = latencies.empty() ? 0 : latencies.back();
  std::printf("bench_fanout: %d clients, %d writes: delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms; lost %ld, "
              "duplicated %ld, client errors %ld; server RSS %ld kB before, %ld kB after %d writes, %ld kB at the end\n",
              o.clients, o.writes, p50, p99, max, lost, duplicated, errors, rss_before, rss_tenth, std::max(1, o.writes / 10),
              rss_after);
  if (!o.json.empty()) {
    std::ofstream(o.json) << "{\"clients\":" << o.clients << ",\"writes\":" << o.writes << ",\"p50_ms\":" << p50
                          << ",\"p99_ms\":" << p99 << ",\"max_ms\":" << max << ",\"lost\":" << lost
                          << ",\"duplicated\":" << duplicated << ",\"client_errors\":" << errors
                          << ",\"rss_before_kb\":" << rss_before << ",\"rss_tenth_kb\":" << rss_tenth
                          << ",\"rss_after_kb\":" << rss_after << "}\n";
  }
  bool failed = lost > 0 || duplicated > 0 || errors > 0 || (o.p99_goal_ms > 0 && p99 > o.p99_goal_ms);
  return failed ? 1 : 0;
}
