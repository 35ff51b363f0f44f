#include "sim/event_queue.h"

#include <algorithm>

#include "reference/common/assert.h"

namespace shapesim::sim {

void EventQueue::schedule(Timestamp at, std::function<void()> action) {
  SHAPESIM_ASSERT(static_cast<bool>(action));
  heap_.push_back(Event{at, next_seq_++, std::move(action)});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

Event EventQueue::pop_unchecked() {
  SHAPESIM_ASSERT(!heap_.empty());
  std::pop_heap(heap_.begin(), heap_.end(), later);
  Event e = std::move(heap_.back());
  heap_.pop_back();
  return e;
}

std::optional<Event> EventQueue::pop() {
  if (heap_.empty()) return std::nullopt;
  return pop_unchecked();
}

std::optional<Timestamp> EventQueue::next_time() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().at;
}

}  // namespace shapesim::sim
