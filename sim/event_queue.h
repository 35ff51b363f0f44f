// EventQueue: the simulator's run loop order. Events run in (time, sequence) order, so
// events scheduled for the same instant run in the order they were scheduled: no ties.
//
//   EventQueue q;
//   q.schedule(Timestamp{5}, [] { ... });
//   while (auto e = q.pop()) e->action();
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "reference/common/time.h"

namespace shapesim::sim {

struct Event {
  Timestamp at;
  uint64_t seq = 0;
  std::function<void()> action;
};

class EventQueue {
 public:
  void schedule(Timestamp at, std::function<void()> action);
  std::optional<Event> pop();
  // Precondition: !empty(). Moves the earliest event out.
  Event pop_unchecked();
  std::optional<Timestamp> next_time() const;
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }

 private:
  // A binary min-heap on (at, seq) in a vector; events are moved, never copied.
  static bool later(const Event& a, const Event& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace shapesim::sim
