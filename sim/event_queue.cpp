#include "sim/event_queue.h"

namespace shapesim::sim {

void EventQueue::schedule(Timestamp at, std::function<void()> action) {
  heap_.push(Event{at, next_seq_++, std::move(action)});
}

std::optional<Event> EventQueue::pop() {
  if (heap_.empty()) return std::nullopt;
  Event e = heap_.top();
  heap_.pop();
  return e;
}

std::optional<Timestamp> EventQueue::next_time() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.top().at;
}

}  // namespace shapesim::sim
