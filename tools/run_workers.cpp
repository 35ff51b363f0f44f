#include "tools/run_workers.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "reference/common/assert.h"

namespace shapesim::tools {

namespace {

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::vector<size_t> tasks;  // what is left for it, in order
  size_t next = 0;            // tasks[next] is the one it runs now (or will)
  std::optional<size_t> running;  // started, no record yet
  std::string buffer;
};

// Forks a worker for `w.tasks[w.next..]`. The child never returns.
Status spawn(Worker& w, const WorkerCallbacks& cb) {
  int fds[2];
  if (::pipe(fds) != 0) return internal_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return internal_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    for (size_t i = w.next; i < w.tasks.size(); ++i) {
      size_t task = w.tasks[i];
      if (!write_all(fds[1], "S " + std::to_string(task) + "\n")) ::_exit(3);
      RunRecord r = cb.work(task);
      if (!write_all(fds[1], "R " + record_to_json(r).dump() + "\n")) ::_exit(3);
    }
    ::close(fds[1]);
    ::_exit(0);  // no destructors, no atexit handlers of the parent's process image
  }
  ::close(fds[1]);
  w.pid = pid;
  w.fd = fds[0];
  w.running.reset();
  w.buffer.clear();
  return Status::Ok();
}

std::string exit_description(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

Result<std::vector<RunRecord>> run_in_workers(size_t tasks, unsigned jobs, const WorkerCallbacks& cb) {
  SHAPESIM_ASSERT(jobs >= 1);
  std::vector<std::optional<RunRecord>> results(tasks);
  std::vector<Worker> workers(std::min<size_t>(jobs, std::max<size_t>(tasks, 1)));
  for (size_t i = 0; i < tasks; ++i) workers[i % workers.size()].tasks.push_back(i);
  for (auto& w : workers) {
    if (w.tasks.empty()) continue;
    if (Status st = spawn(w, cb); !st.ok()) return st;
  }
  auto take_line = [&](Worker& w, const std::string& line) -> Status {
    if (line.rfind("S ", 0) == 0) {
      w.running = std::stoull(line.substr(2));
      return Status::Ok();
    }
    if (line.rfind("R ", 0) != 0) return internal_error("worker sent an unknown line: " + line.substr(0, 80));
    auto j = nlohmann::json::parse(line.substr(2), nullptr, false);
    auto r = record_from_json(j);
    if (!r.ok()) return internal_error("worker sent a bad record: " + r.status().message());
    SHAPESIM_ASSERT(w.running && w.next < w.tasks.size() && w.tasks[w.next] == *w.running);
    results[*w.running] = std::move(*r);
    cb.on_record(*results[*w.running]);
    w.running.reset();
    ++w.next;
    return Status::Ok();
  };
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Worker*> owners;
    for (auto& w : workers) {
      if (w.fd < 0) continue;
      fds.push_back({w.fd, POLLIN, 0});
      owners.push_back(&w);
    }
    if (fds.empty()) break;
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return internal_error(std::string("poll: ") + std::strerror(errno));
    }
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Worker& w = *owners[k];
      char buf[65536];
      ssize_t n = ::read(w.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        w.buffer.append(buf, static_cast<size_t>(n));
        for (size_t nl; (nl = w.buffer.find('\n')) != std::string::npos;) {
          std::string line = w.buffer.substr(0, nl);
          w.buffer.erase(0, nl + 1);
          if (Status st = take_line(w, line); !st.ok()) return st;
        }
        continue;
      }
      // End of its pipe: the worker finished or died.
      ::close(w.fd);
      w.fd = -1;
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0 && w.next == w.tasks.size();
      if (clean) continue;
      if (w.next < w.tasks.size()) {
        size_t task = w.tasks[w.next];
        results[task] = cb.crashed(task, "the worker running it " + exit_description(status));
        cb.on_record(*results[task]);
        ++w.next;
      }
      if (w.next < w.tasks.size()) {
        if (Status st = spawn(w, cb); !st.ok()) return st;
      }
    }
  }
  std::vector<RunRecord> out;
  out.reserve(tasks);
  for (auto& r : results) {
    SHAPESIM_ASSERT(r.has_value());
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace shapesim::tools
