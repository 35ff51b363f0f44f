// Timestamp and Duration in microseconds. Cores never read a clock: drivers pass `now`.
//
//   Timestamp now{Duration::millis(1500)};
//   Timestamp deadline = now + Duration::seconds(20);
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace shapesim {

struct Duration {
  int64_t micros = 0;

  static constexpr Duration micro(int64_t us) { return Duration{us}; }
  static constexpr Duration millis(int64_t ms) { return Duration{ms * 1000}; }
  static constexpr Duration seconds(int64_t s) { return Duration{s * 1000000}; }
  constexpr int64_t as_millis() const { return micros / 1000; }
  constexpr double as_seconds() const { return static_cast<double>(micros) / 1e6; }

  friend constexpr auto operator<=>(Duration, Duration) = default;
  friend constexpr Duration operator+(Duration a, Duration b) { return {a.micros + b.micros}; }
  friend constexpr Duration operator-(Duration a, Duration b) { return {a.micros - b.micros}; }
  friend constexpr Duration operator*(Duration a, int64_t k) { return {a.micros * k}; }
};

// Microseconds since the start of a run (simulation) or the Unix epoch (real driver).
struct Timestamp {
  int64_t micros = 0;

  constexpr Timestamp() = default;
  constexpr explicit Timestamp(int64_t us) : micros(us) {}
  constexpr explicit Timestamp(Duration since_origin) : micros(since_origin.micros) {}

  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
  friend constexpr Timestamp operator+(Timestamp t, Duration d) { return Timestamp{t.micros + d.micros}; }
  friend constexpr Duration operator-(Timestamp a, Timestamp b) { return Duration{a.micros - b.micros}; }
};

// "12.345678s": fixed-width, locale-free, for traces and summaries.
std::string format_timestamp(Timestamp t);

}  // namespace shapesim
