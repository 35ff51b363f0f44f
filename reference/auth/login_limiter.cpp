#include "reference/auth/login_limiter.h"

#include <algorithm>

#include "reference/common/assert.h"

namespace shapesim::auth {

int64_t LoginLimiter::tokens_at(const Bucket& b, Timestamp now) const {
  const int64_t full = options_.burst * options_.refill.micros;
  return std::min(full, b.tokens_micros + std::max<int64_t>(0, (now - b.at).micros));
}

std::optional<int64_t> LoginLimiter::blocked(const std::string& key, Timestamp now) const {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return std::nullopt;
  int64_t have = tokens_at(it->second, now);
  if (have >= options_.refill.micros) return std::nullopt;  // at least one whole token
  int64_t wait_micros = options_.refill.micros - have;
  return std::max<int64_t>(1, (wait_micros + 999'999) / 1'000'000);
}

void LoginLimiter::failed(const std::string& key, Timestamp now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_keys) {
      auto oldest = by_age_.begin();
      buckets_.erase(oldest->second);
      by_age_.erase(oldest);
    }
    it = buckets_.emplace(key, Bucket{options_.burst * options_.refill.micros, now}).first;
  } else {
    by_age_.erase({it->second.at, key});
  }
  Bucket& b = it->second;
  b.tokens_micros = std::max<int64_t>(0, tokens_at(b, now) - options_.refill.micros);
  b.at = now;
  by_age_.insert({now, key});
  SHAPESIM_ASSERT(by_age_.size() == buckets_.size() && buckets_.size() <= options_.max_keys);
}

}  // namespace shapesim::auth
