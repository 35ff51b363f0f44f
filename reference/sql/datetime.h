// Dates and times in PostgreSQL's ISO text formats, with the session time zone fixed at UTC.
//   date        - days since 1970-01-01            "2024-02-29"
//   time        - microseconds since midnight      "13:45:00.5"
//   timestamp   - microseconds since the epoch     "2024-02-29 13:45:00.5"
//   timestamptz - microseconds since the epoch UTC "2024-02-29 13:45:00.5+00"
// Input accepts 'T' or ' ' between date and time, optional seconds and fraction, and for
// timestamptz an offset (Z, +HH, +HH:MM, +HHMM). Years 1..9999 only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reference/common/status.h"

namespace shapesim::sql {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

Result<int32_t> parse_date(std::string_view text);
Result<int64_t> parse_time(std::string_view text);
Result<int64_t> parse_timestamp(std::string_view text, bool with_time_zone);

std::string format_date(int32_t days);
std::string format_time(int64_t micros);
std::string format_timestamp(int64_t micros, bool with_time_zone);

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace shapesim::sql
