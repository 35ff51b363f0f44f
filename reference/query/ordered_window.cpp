#include "reference/query/ordered_window.h"

#include <algorithm>

namespace shapesim::query {

OrderedWindow::OrderedWindow(const QueryPlan& plan) : plan_(plan), index_(Less{&plan}) {}

void OrderedWindow::abbreviate(Entry& e) const {
  e.abbreviated = false;
  if (e.sort.empty() || plan_.order.empty()) return;
  const int64_t* v = e.sort[0].as_int();
  if (!v) return;
  // int64 -> uint64 preserving order; descending: reversed. Exact, so a difference decides.
  uint64_t u = static_cast<uint64_t>(*v) ^ (uint64_t{1} << 63);
  e.abbrev = plan_.order[0].descending ? ~u : u;
  e.abbreviated = true;
}

void OrderedWindow::bulk_load(std::vector<std::unique_ptr<Entry>> rows) {
  for (auto& e : rows) abbreviate(*e);
  Less less{&plan_};
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return less(*a, *b); });
  index_.bulk_load(std::move(rows));
}

void OrderedWindow::insert(std::unique_ptr<Entry> e, ChangeBatch& visible) {
  const size_t off = plan_.offset, stop = end();
  abbreviate(*e);
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

void OrderedWindow::erase(Entry& probe, ChangeBatch& visible) {
  const size_t off = plan_.offset, stop = end();
  abbreviate(probe);
  const auto found = index_.find(probe);
  if (!found.found()) return;
  const size_t r = found.rank;
  if (r < stop) {
    // Leaving: the erased row, or (erased before the window) the row at `off` that slides out.
    if (r >= off) {
      show(index_.at(found), -1, visible);
    } else if (index_.size() > off) {
      show(index_.at(off), -1, visible);
    }
  }
  index_.erase(found);
  if (r >= stop) return;
  // Entering: the row that slid from rank `stop` to the window's last rank.
  if (stop != static_cast<size_t>(-1) && index_.size() >= stop) show(index_.at(stop - 1), +1, visible);
}

void OrderedWindow::for_each_visible(const std::function<void(const Entry&)>& fn) const {
  index_.for_range(plan_.offset, end(), fn);
}

}  // namespace shapesim::query
