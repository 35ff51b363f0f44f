#include "reference/query/ordered_window.h"

#include <algorithm>

namespace shapesim::query {

OrderedWindow::OrderedWindow(const QueryPlan& plan) : plan_(plan), index_(Less{&plan}) {}

void OrderedWindow::bulk_load(std::vector<std::unique_ptr<Entry>> rows, ChangeBatch& visible) {
  Less less{&plan_};
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return less(*a, *b); });
  index_.bulk_load(std::move(rows));
  index_.for_range(plan_.offset, end(), [&](const Entry& e) { show(e, +1, visible); });
}

void OrderedWindow::insert(std::unique_ptr<Entry> e, ChangeBatch& visible) {
  const size_t off = plan_.offset, stop = end();
  const Entry* inserted = e.get();
  size_t r = index_.insert(std::move(e));
  if (r >= stop) return;
  // Entering: the new row, or (inserted before the window) the row pushed to rank `off`.
  if (r >= off) {
    show(*inserted, +1, visible);
  } else if (index_.size() > off) {
    show(index_.at(off), +1, visible);
  }
  // Leaving: the row pushed from the window's last rank to `stop`.
  if (stop != static_cast<size_t>(-1) && index_.size() > stop) show(index_.at(stop), -1, visible);
}

void OrderedWindow::erase(const Entry& probe, ChangeBatch& visible) {
  const size_t off = plan_.offset, stop = end();
  size_t r = index_.rank_of(probe);
  if (r == decltype(index_)::npos) return;
  if (r < stop) {
    // Leaving: the erased row, or (erased before the window) the row at `off` that slides out.
    if (r >= off) {
      show(index_.at(r), -1, visible);
    } else if (index_.size() > off) {
      show(index_.at(off), -1, visible);
    }
  }
  index_.erase(probe);
  if (r >= stop) return;
  // Entering: the row that slid from rank `stop` to the window's last rank.
  if (stop != static_cast<size_t>(-1) && index_.size() >= stop) show(index_.at(stop - 1), +1, visible);
}

void OrderedWindow::for_each_visible(const std::function<void(const Entry&)>& fn) const {
  index_.for_range(plan_.offset, end(), fn);
}

}  // namespace shapesim::query
