#include "workflows/schedule/posix_tz.h"

#include <algorithm>
#include <array>
#include <utility>

namespace popgate::workflows {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Years outside this range are clamped: std::chrono's civil calendar stops at ±32767, and
// nothing scheduled needs more.
constexpr int kMinYear = -30000;
constexpr int kMaxYear = 30000;

int year_of(std::chrono::sys_seconds t) {
  const auto day_count = std::chrono::floor<days>(t).time_since_epoch().count();
  // About 365.2425 days a year: clamp before converting, so the calendar never overflows.
  constexpr long long kLimit = 365LL * 30000;
  if (day_count < -kLimit) return kMinYear;
  if (day_count > kLimit) return kMaxYear;
  const std::chrono::year_month_day date{std::chrono::floor<days>(t)};
  return static_cast<int>(date.year());
}

}  // namespace

// Reads one TZ string, left to right, remembering the first problem.
class PosixTzParser {
 public:
  explicit PosixTzParser(std::string_view text) : text_(text) {}

  PosixTzParse run() {
    PosixTz tz;
    if (!name(tz.standard_.abbreviation) || !offset(tz.standard_.utc_offset, 24)) return failed();
    tz.standard_.utc_offset = -tz.standard_.utc_offset;  // POSIX counts hours west
    tz.daylight_ = tz.standard_;
    if (at_end()) return {std::move(tz), ""};

    tz.has_dst_ = true;
    tz.daylight_.is_dst = true;
    if (!name(tz.daylight_.abbreviation)) return failed();
    tz.daylight_.utc_offset = tz.standard_.utc_offset + hours(1);
    if (!at_end() && peek() != ',') {
      if (!offset(tz.daylight_.utc_offset, 24)) return failed();
      tz.daylight_.utc_offset = -tz.daylight_.utc_offset;
    }
    if (at_end()) return fail("daylight saving time without rules for when it starts and ends");
    if (!expect(',') || !rule(tz.start_) || !expect(',') || !rule(tz.end_)) return failed();
    if (!at_end()) return fail("unexpected '" + std::string(text_.substr(pos_)) + "' at the end");
    return {std::move(tz), ""};
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  PosixTzParse fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return failed();
  }
  PosixTzParse failed() const { return {std::nullopt, error_}; }
  bool set_error(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  bool expect(char c) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    return set_error(std::string("expected '") + c + "' at position " + std::to_string(pos_ + 1));
  }

  // "EET" or "<+03>".
  bool name(std::string& out) {
    const std::size_t start = pos_;
    if (peek() == '<') {
      ++pos_;
      while (!at_end() &&
             (is_alpha(peek()) || is_digit(peek()) || peek() == '+' || peek() == '-')) {
        ++pos_;
      }
      out = std::string(text_.substr(start + 1, pos_ - start - 1));
      if (!expect('>')) return false;
    } else {
      while (!at_end() && is_alpha(peek()))
        ++pos_;
      out = std::string(text_.substr(start, pos_ - start));
    }
    if (out.size() < 3) {
      return set_error("expected a zone abbreviation of three or more characters at position " +
                       std::to_string(start + 1));
    }
    return true;
  }

  // An unsigned number of at most `max_digits` digits.
  bool number(int& out, std::size_t max_digits) {
    const std::size_t start = pos_;
    out = 0;
    while (!at_end() && is_digit(peek()) && pos_ - start < max_digits) {
      out = out * 10 + (peek() - '0');
      ++pos_;
    }
    if (pos_ == start) {
      return set_error("expected a number at position " + std::to_string(start + 1));
    }
    return true;
  }

  // [+|-]hh[:mm[:ss]] with hours up to `max_hours`.
  bool offset(seconds& out, int max_hours) {
    int sign = 1;
    if (peek() == '+' || peek() == '-') {
      sign = peek() == '-' ? -1 : 1;
      ++pos_;
    }
    int h = 0, m = 0, s = 0;
    if (!number(h, 3)) return false;
    if (peek() == ':' && (++pos_, !number(m, 2))) return false;
    if (peek() == ':' && (++pos_, !number(s, 2))) return false;
    if (h > max_hours || m > 59 || s > 59) {
      return set_error("time or offset out of range before position " + std::to_string(pos_ + 1));
    }
    out = sign * (hours(h) + minutes(m) + seconds(s));
    return true;
  }

  // Jn, n or Mm.w.d, with an optional /time.
  bool rule(PosixTz::DateRule& out) {
    using Kind = PosixTz::DateRule::Kind;
    if (peek() == 'M') {
      ++pos_;
      out.kind = Kind::month_week_day;
      if (!number(out.month, 2) || !expect('.') || !number(out.week, 1) || !expect('.') ||
          !number(out.weekday, 1)) {
        return false;
      }
      if (out.month < 1 || out.month > 12 || out.week < 1 || out.week > 5 || out.weekday > 6) {
        return set_error("Mm.w.d rule out of range before position " + std::to_string(pos_ + 1));
      }
    } else if (peek() == 'J') {
      ++pos_;
      out.kind = Kind::julian_without_leap_day;
      if (!number(out.day, 3)) return false;
      if (out.day < 1 || out.day > 365) return set_error("Jn day must be 1-365");
    } else {
      out.kind = Kind::zero_based_day;
      if (!number(out.day, 3)) return false;
      if (out.day > 365) return set_error("day number must be 0-365");
    }
    out.time = hours(2);
    if (peek() == '/') {
      ++pos_;
      return offset(out.time, 167);
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

PosixTzParse PosixTz::parse(std::string_view text) {
  PosixTzParse result = PosixTzParser(text).run();
  if (!result.ok()) result.error = "TZ rule '" + std::string(text) + "': " + result.error;
  return result;
}

sys_days PosixTz::DateRule::date_in(int year) const {
  using namespace std::chrono;
  const std::chrono::year y{year};
  const sys_days january_first{y / January / 1};
  switch (kind) {
    case Kind::julian_without_leap_day:
      // Day 60 is March 1 in every year: February 29 is skipped.
      return january_first + days(day - 1 + (y.is_leap() && day >= 60 ? 1 : 0));
    case Kind::zero_based_day:
      return january_first + days(day);
    case Kind::month_week_day:
      break;
  }
  const std::chrono::month m{static_cast<unsigned>(month)};
  const std::chrono::weekday wd{static_cast<unsigned>(weekday)};
  if (week == 5) return sys_days{y / m / wd[last]};
  return sys_days{y / m / wd[static_cast<unsigned>(week)]};
}

PosixTz::sys_seconds PosixTz::dst_start(int year) const {
  // The start time is wall-clock time while standard time is still in effect.
  return start_.date_in(year) + start_.time - standard_.utc_offset;
}

PosixTz::sys_seconds PosixTz::dst_end(int year) const {
  return end_.date_in(year) + end_.time - daylight_.utc_offset;
}

namespace {

struct Change {
  std::chrono::sys_seconds at;
  bool to_dst;
  // On a tie (permanent DST written as "starts Jan 1, ends after Dec 31") DST wins, since the
  // end of one year and the start of the next are the same instant.
  friend bool operator<(const Change& a, const Change& b) {
    return a.at != b.at ? a.at < b.at : (!a.to_dst && b.to_dst);
  }
};

// The DST starts and ends of the years around `year`, in time order.
std::array<Change, 8> changes_around(const PosixTz& tz, int year) {
  std::array<Change, 8> changes;
  for (int i = 0; i < 4; ++i) {
    changes[static_cast<std::size_t>(2 * i)] = {tz.dst_start(year - 1 + i), true};
    changes[static_cast<std::size_t>(2 * i + 1)] = {tz.dst_end(year - 1 + i), false};
  }
  std::sort(changes.begin(), changes.end());
  return changes;
}

}  // namespace

const LocalTimeType& PosixTz::type_at(sys_seconds t) const {
  if (!has_dst_) return standard_;
  const auto changes = changes_around(*this, year_of(t + standard_.utc_offset));
  const Change* in_effect = nullptr;
  for (const Change& change : changes) {
    if (change.at <= t) in_effect = &change;
  }
  // Before all of them (only for clamped, far-away years): the opposite of the first change.
  const bool dst = in_effect != nullptr ? in_effect->to_dst : !changes.front().to_dst;
  return dst ? daylight_ : standard_;
}

std::optional<PosixTz::sys_seconds> PosixTz::next_transition(sys_seconds t) const {
  if (!has_dst_) return std::nullopt;
  for (const Change& change : changes_around(*this, year_of(t + standard_.utc_offset))) {
    if (change.at > t) return change.at;
  }
  return std::nullopt;  // only past the clamped calendar
}

}  // namespace popgate::workflows
