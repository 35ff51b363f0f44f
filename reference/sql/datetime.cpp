#include "reference/sql/datetime.h"

#include <cstdio>

namespace shapesim::sql {

namespace {

// Howard Hinnant's civil-from-days / days-from-civil.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  // Reads 1..max digits.
  bool number(int64_t& out, int min_digits, int max_digits) {
    int n = 0;
    out = 0;
    while (!done() && n < max_digits && s[i] >= '0' && s[i] <= '9') {
      out = out * 10 + (s[i++] - '0');
      ++n;
    }
    return n >= min_digits;
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  void spaces() {
    while (peek() == ' ') ++i;
  }
};

bool read_date(Cursor& c, int64_t& days) {
  int64_t y, m, d;
  if (!c.number(y, 4, 4) || !c.accept('-') || !c.number(m, 1, 2) || !c.accept('-') || !c.number(d, 1, 2)) return false;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, static_cast<unsigned>(m))) return false;
  days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

bool read_time(Cursor& c, int64_t& micros) {
  int64_t h, mi, sec = 0, frac = 0;
  if (!c.number(h, 1, 2) || !c.accept(':') || !c.number(mi, 1, 2)) return false;
  if (c.accept(':')) {
    if (!c.number(sec, 1, 2)) return false;
    if (c.accept('.')) {
      int digits = 0;
      while (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
        if (digits < 7) {
          frac = frac * 10 + (c.peek() - '0');
          ++digits;
        }
        ++c.i;
      }
      if (digits == 0) return false;
      // Round to microseconds (7th digit rounds half up, as PostgreSQL does).
      if (digits == 7) {
        frac = (frac + 5) / 10;
      } else {
        for (int k = digits; k < 6; ++k) frac *= 10;
      }
    }
  }
  if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi > 0 || sec > 0 || frac > 0))) return false;
  micros = ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
  return true;
}

bool read_zone(Cursor& c, int64_t& offset_micros) {
  offset_micros = 0;
  c.spaces();
  if (c.done()) return true;
  if (c.accept('Z') || c.accept('z')) return true;
  if (c.peek() == 'U' && c.s.substr(c.i) == "UTC") {
    c.i = c.s.size();
    return true;
  }
  bool negative;
  if (c.accept('+')) {
    negative = false;
  } else if (c.accept('-')) {
    negative = true;
  } else {
    return false;
  }
  int64_t hh, mm = 0;
  size_t start = c.i;
  if (!c.number(hh, 1, 2)) return false;
  if (c.accept(':')) {
    if (!c.number(mm, 2, 2)) return false;
  } else if (c.i - start == 2 && !c.done()) {
    if (!c.number(mm, 2, 2)) return false;
  }
  if (hh > 15 || mm > 59) return false;
  offset_micros = (hh * 60 + mm) * 60 * 1000000 * (negative ? -1 : 1);
  return true;
}

std::string two(int64_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02lld", static_cast<long long>(v));
  return buf;
}

std::string time_text(int64_t micros) {
  int64_t secs = micros / 1000000, frac = micros % 1000000;
  std::string out = two(secs / 3600) + ":" + two(secs / 60 % 60) + ":" + two(secs % 60);
  if (frac) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Result<int32_t> parse_date(std::string_view text) {
  Cursor c{text};
  c.spaces();
  int64_t days;
  if (!read_date(c, days)) return invalid_argument("invalid input syntax for type date: \"" + std::string(text) + "\"");
  c.spaces();
  if (!c.done()) return invalid_argument("invalid input syntax for type date: \"" + std::string(text) + "\"");
  return static_cast<int32_t>(days);
}

Result<int64_t> parse_time(std::string_view text) {
  Cursor c{text};
  c.spaces();
  int64_t micros;
  if (!read_time(c, micros)) {
    return invalid_argument("invalid input syntax for type time: \"" + std::string(text) + "\"");
  }
  c.spaces();
  if (!c.done()) return invalid_argument("invalid input syntax for type time: \"" + std::string(text) + "\"");
  return micros;
}

Result<int64_t> parse_timestamp(std::string_view text, bool with_time_zone) {
  const char* type = with_time_zone ? "timestamp with time zone" : "timestamp";
  auto bad = [&] { return invalid_argument(std::string("invalid input syntax for type ") + type + ": \"" + std::string(text) + "\""); };
  Cursor c{text};
  c.spaces();
  int64_t days;
  if (!read_date(c, days)) return bad();
  int64_t micros = 0;
  if (c.accept('T') || c.accept('t') || (c.peek() == ' ' && c.i + 1 < text.size() && text[c.i + 1] >= '0' && text[c.i + 1] <= '9')) {
    c.spaces();
    if (!read_time(c, micros)) return bad();
  }
  int64_t offset = 0;
  if (with_time_zone) {
    if (!read_zone(c, offset)) return bad();
  } else {
    // PostgreSQL ignores a zone given to a plain timestamp.
    int64_t ignored;
    if (!read_zone(c, ignored)) return bad();
  }
  c.spaces();
  if (!c.done()) return bad();
  return days * kMicrosPerDay + micros - offset;
}

std::string format_date(int32_t days) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string format_time(int64_t micros) { return time_text(micros); }

std::string format_timestamp(int64_t micros, bool with_time_zone) {
  int64_t days = micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  std::string out = format_date(static_cast<int32_t>(days)) + " " + time_text(rest);
  return with_time_zone ? out + "+00" : out;
}

}  // namespace shapesim::sql
