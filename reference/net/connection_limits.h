// Descriptor exhaustion, for the real-network driver (POSIX; no Asio): the process's
// descriptor limit, a reserve descriptor to give up when accept() fails with EMFILE, and the
// 503 written straight to a connection the server cannot take on.
#pragma once

#include <cstdint>

namespace shapesim::net {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the resulting soft limit.
uint64_t raise_descriptor_limit();

// Writes a 503 (retry-after: 1, connection: close) to `fd` without blocking and shuts it
// down; the caller closes it.
void shed(int fd);

// Accepts one waiting connection on the listening socket `listener` (non-blocking), answers
// it 503 and closes it. Needs a free descriptor: call after ReserveDescriptor::release().
void shed_one_waiting(int listener);

// One descriptor held open (on /dev/null) so that, when the process runs out, one can be
// freed to answer a waiting connection instead of leaving it hanging.
class ReserveDescriptor {
 public:
  ReserveDescriptor() = default;
  ReserveDescriptor(const ReserveDescriptor&) = delete;
  ReserveDescriptor& operator=(const ReserveDescriptor&) = delete;
  ~ReserveDescriptor() { release(); }

  void acquire();  // opens it again if it is not held (may fail while descriptors are short)
  bool release();  // closes it; false if it was not held

 private:
  int fd_ = -1;
};

}  // namespace shapesim::net
