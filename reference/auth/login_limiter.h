// LoginLimiter: a bounded rate of failed logins per key (a user id, a client address), as a
// token bucket per key: `burst` failures at once, then one more per `refill` (sans-I/O: `now`
// passed in). Memory is bounded: at most `max_keys` keys are tracked; when full, the key
// seen least recently is forgotten (a full bucket is the state of an unknown key anyway, so
// forgetting one only ever lets an attacker have what a new key would).
//
//   LoginLimiter limits;
//   if (auto wait = limits.blocked("user:bob", now)) -> 429, Retry-After: *wait (seconds)
//   ... wrong secret: limits.failed("user:bob", now);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "reference/common/time.h"

namespace shapesim::auth {

class LoginLimiter {
 public:
  struct Options {
    int burst = 10;                           // failures allowed at once
    Duration refill = Duration::seconds(6);   // then one more each (10 a minute)
    size_t max_keys = 4096;
  };
  LoginLimiter() : LoginLimiter(Options{}) {}
  explicit LoginLimiter(Options options) : options_(options) {}

  // Whole seconds until `key` may try again (at least 1), or nullopt if it may now.
  std::optional<int64_t> blocked(const std::string& key, Timestamp now) const;
  // Charges one failure to `key`.
  void failed(const std::string& key, Timestamp now);
  size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    int64_t tokens_micros;  // tokens, in units of refill time (burst * refill when full)
    Timestamp at;           // when tokens_micros was last brought up to date
  };
  int64_t tokens_at(const Bucket& b, Timestamp now) const;

  Options options_;
  std::map<std::string, Bucket> buckets_;
  std::set<std::pair<Timestamp, std::string>> by_age_;  // (last seen, key): the eviction order
};

}  // namespace shapesim::auth
