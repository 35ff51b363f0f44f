// The shape limit and idle expiry of ShapeServer: which shapes were read when (ShapeUsage),
// evicting the least recently read shape nobody waits on when the limit is reached, and
// retiring shapes idle for shape_idle_timeout. An evicted shape's clients get 409 and
// refetch (the definition gets a new handle). See shape_server.h for the contract.
#include "reference/common/assert.h"
#include "reference/server/shape_server.h"

namespace shapesim {

void ShapeServer::start_usage(Timestamp now) {
  if (usage_started_) return;
  usage_started_ = true;
  for (const auto& handle : registry_.handles()) usage_.touch(handle, now);
}

bool ShapeServer::in_use(const std::string& handle) const {
  if (parked_by_handle_.count(handle)) return true;
  for (const auto& [_, stream] : streams_) {
    if (stream.handle == handle) return true;
  }
  return false;
}

Status ShapeServer::make_room() {
  if (config_.max_shapes == 0) return Status::Ok();
  while (registry_.size() >= config_.max_shapes) {
    auto victim = usage_.least_recent([this](const std::string& h) { return in_use(h); });
    if (!victim) {
      return unavailable("the server holds its maximum of " + std::to_string(config_.max_shapes) +
                         " shapes, all in use; retry later");
    }
    retire(*victim);
  }
  SHAPESIM_ASSERT(registry_.size() < config_.max_shapes);
  return Status::Ok();
}

void ShapeServer::expire_idle(Timestamp now) {
  if (config_.shape_idle_timeout.micros <= 0) return;
  for (const auto& handle : usage_.read_before(now + Duration{-config_.shape_idle_timeout.micros})) {
    if (in_use(handle)) {
      usage_.touch(handle, now);  // someone waits on it: not idle
    } else {
      retire(handle);
    }
  }
}

}  // namespace shapesim
