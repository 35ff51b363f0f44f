#include "reference/net/connection_limits.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace shapesim::net {

namespace {

constexpr std::string_view kShedBody = R"({"message":"server busy: too many connections, retry shortly"})";

std::string shed_response() {
  return "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncache-control: no-store\r\n"
         "retry-after: 1\r\naccess-control-allow-origin: *\r\nconnection: close\r\ncontent-length: " +
         std::to_string(kShedBody.size()) + "\r\n\r\n" + std::string(kShedBody);
}

}  // namespace

uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(limit.rlim_cur);
}

void shed(int fd) {
  static const std::string response = shed_response();
  (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_RDWR);
}

void shed_one_waiting(int listener) {
  int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  shed(fd);
  ::close(fd);
}

void ReserveDescriptor::acquire() {
  if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool ReserveDescriptor::release() {
  if (fd_ < 0) return false;
  ::close(fd_);
  fd_ = -1;
  return true;
}

}  // namespace shapesim::net
