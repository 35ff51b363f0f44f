#include "reference/server/shape_usage.h"

#include "reference/common/assert.h"

namespace shapesim {

void ShapeUsage::touch(const std::string& handle, Timestamp now) {
  auto [it, inserted] = last_.try_emplace(handle, now);
  if (!inserted) {
    if (it->second == now) return;
    SHAPESIM_ASSERT(order_.erase({it->second, handle}) == 1);
    it->second = now;
  }
  order_.insert({now, handle});
  SHAPESIM_ASSERT(order_.size() == last_.size());
}

void ShapeUsage::forget(const std::string& handle) {
  auto it = last_.find(handle);
  if (it == last_.end()) return;
  SHAPESIM_ASSERT(order_.erase({it->second, handle}) == 1);
  last_.erase(it);
}

std::optional<std::string> ShapeUsage::least_recent(const std::function<bool(const std::string&)>& busy) const {
  for (const auto& [_, handle] : order_) {
    if (!busy(handle)) return handle;
  }
  return std::nullopt;
}

std::vector<std::string> ShapeUsage::read_before(Timestamp cutoff) const {
  std::vector<std::string> out;
  for (const auto& [t, handle] : order_) {
    if (t >= cutoff) break;
    out.push_back(handle);
  }
  return out;
}

std::optional<Timestamp> ShapeUsage::oldest() const {
  if (order_.empty()) return std::nullopt;
  return order_.begin()->first;
}

}  // namespace shapesim
