// ShapeUsage: when each shape was last read, for the shape limit and idle expiry (Electric
// expires shapes nobody reads). Ordered by (time, handle): eviction is deterministic.
//
//   usage.touch("h1", now);                       // a request read (or waits on) h1
//   usage.least_recent(busy);                      // the eviction candidate, skipping busy ones
//   usage.read_before(now - idle);                 // idle shapes
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reference/common/time.h"

namespace shapesim {

class ShapeUsage {
 public:
  void touch(const std::string& handle, Timestamp now);
  void forget(const std::string& handle);
  // The least recently read handle for which `busy` is false.
  std::optional<std::string> least_recent(const std::function<bool(const std::string&)>& busy) const;
  // Handles last read before `cutoff`, least recent first.
  std::vector<std::string> read_before(Timestamp cutoff) const;
  // When the least recently read shape was read.
  std::optional<Timestamp> oldest() const;
  size_t size() const { return last_.size(); }

 private:
  std::map<std::string, Timestamp> last_;
  std::set<std::pair<Timestamp, std::string>> order_;
};

}  // namespace shapesim
