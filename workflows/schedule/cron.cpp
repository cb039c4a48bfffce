#include "workflows/schedule/cron.h"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace popgate::workflows {

using namespace std::chrono;

namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};

struct Field {
  std::string_view name;
  int min;
  int max;
  std::string_view names_kind;    // "month", "day", or empty: numbers only
  const std::string_view* names;  // names[i] stands for min + i
  std::size_t name_count;
};

constexpr std::array<Field, 5> kFields = {{
    {"minute", 0, 59, "", nullptr, 0},
    {"hour", 0, 23, "", nullptr, 0},
    {"day-of-month", 1, 31, "", nullptr, 0},
    {"month", 1, 12, "month", kMonthNames.data(), kMonthNames.size()},
    {"day-of-week", 0, 7, "day", kDayNames.data(), kDayNames.size()},
}};

struct Macro {
  std::string_view name;
  std::string_view expansion;
};

constexpr std::array<Macro, 7> kMacros = {{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

// How far to look for the next firing. Eight years always suffice (a 29 February schedule
// across 2100, which is no leap year); ten leave room.
constexpr int kHorizonYears = 10;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::vector<std::string_view> split_blanks(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_blank(text[pos]))
      ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && !is_blank(text[pos]))
      ++pos;
    if (pos > start) words.push_back(text.substr(start, pos - start));
  }
  return words;
}

int days_in_month_at_most(unsigned month) {
  // February counts its leap day: a schedule for the 29th fires in leap years.
  constexpr std::array<int, 13> kDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month];
}

}  // namespace

// Turns the text of a schedule into a CronSchedule, or into the first reason it is not one.
class CronParser {
 public:
  CronParse run(std::string_view expression) {
    schedule_.expression_ = std::string(expression);
    std::string_view text = trim(expression);
    if (text.empty()) return fail("empty cron expression");
    if (text.front() == '@') {
      const std::optional<std::string_view> expansion = expand_macro(text);
      if (!expansion) return failed();
      text = *expansion;
    }
    const std::vector<std::string_view> fields = split_blanks(text);
    if (fields.size() != kFields.size()) {
      std::string why = "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                        std::to_string(fields.size());
      if (fields.size() == 6 || fields.size() == 7) why += " (seconds and years are not supported)";
      return fail(std::move(why));
    }
    std::array<std::uint64_t, 5> sets{};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!parse_field(fields[i], kFields[i], sets[i])) return failed();
    }
    store(fields, sets);
    if (!check_can_fire()) return failed();
    return {std::move(schedule_), ""};
  }

 private:
  CronParse fail(std::string why) {
    error_ = std::move(why);
    return failed();
  }
  CronParse failed() const { return {std::nullopt, error_}; }
  bool field_error(const Field& field, std::string why) {
    error_ = std::string(field.name) + ": " + why;
    return false;
  }

  std::optional<std::string_view> expand_macro(std::string_view text) {
    for (const Macro& macro : kMacros) {
      if (equal_ignoring_case(text, macro.name)) return macro.expansion;
    }
    if (equal_ignoring_case(text, "@reboot")) {
      error_ = "@reboot is not supported: schedules run at times of day, not at start-up";
    } else {
      error_ = "unknown macro '" + std::string(text) +
               "' (use @hourly, @daily, @weekly, @monthly or @yearly)";
    }
    return std::nullopt;
  }

  // One field into a bit set (bit n: value n matches).
  bool parse_field(std::string_view text, const Field& field, std::uint64_t& set) {
    for (const std::string_view item : split(text, ',')) {
      if (item.empty()) {
        return field_error(field, "empty entry in the list '" + std::string(text) + "'");
      }
      if (!parse_item(item, field, set)) return false;
    }
    if (field.max == 7 && (set & (1ULL << 7)) != 0) set = (set & ~(1ULL << 7)) | 1ULL;  // 7: Sunday
    return true;
  }

  // "*", "a", "a-b", each with an optional "/step" (not after a single value).
  bool parse_item(std::string_view item, const Field& field, std::uint64_t& set) {
    const std::size_t slash = item.find('/');
    const std::string_view range = item.substr(0, slash);
    int low = field.min;
    int high = field.max;
    int step = 1;
    if (range == "*") {
      // the whole field
    } else if (const std::size_t dash = range.find('-'); dash != std::string_view::npos) {
      const std::string_view last = range.substr(dash + 1);
      if (!value(range.substr(0, dash), field, low) || !value(last, field, high)) return false;
      // "FRI-SUN": as the end of a range, SUN is day 7.
      if (field.max == 7 && high == 0 && !last.empty() && !is_digit(last.front())) high = 7;
      if (low > high) {
        return field_error(field, "range " + std::string(range) +
                                      " is backwards (ranges do not wrap around; split it into "
                                      "two ranges)");
      }
    } else {
      if (!value(range, field, low)) return false;
      if (slash != std::string_view::npos) {
        const std::string step_text(item.substr(slash));
        return field_error(field, "a step needs a range or '*': write '" + std::string(range) +
                                      "-" + std::to_string(field.max) + step_text + "' or '*" +
                                      step_text + "'");
      }
      high = low;
    }
    if (slash != std::string_view::npos && !parse_step(item.substr(slash + 1), field, step)) {
      return false;
    }
    for (int v = low; v <= high; v += step)
      set |= 1ULL << v;
    return true;
  }

  bool parse_step(std::string_view text, const Field& field, int& step) {
    const int limit = field.max - field.min;
    if (text.empty() || text.size() > 4) {
      return field_error(field, "step '" + std::string(text) + "' is not a number");
    }
    step = 0;
    for (const char c : text) {
      if (!is_digit(c)) {
        return field_error(field, "step '" + std::string(text) + "' is not a number");
      }
      step = step * 10 + (c - '0');
    }
    if (step < 1 || step > limit) {
      return field_error(
          field, "step " + std::to_string(step) + " is out of range 1-" + std::to_string(limit));
    }
    return true;
  }

  // A number, or a name in fields that have names.
  bool value(std::string_view text, const Field& field, int& out) {
    if (text.empty()) return field_error(field, "missing number in a range");
    if (!is_digit(text.front())) return name(text, field, out);
    for (const char c : text) {
      if (!is_digit(c)) return field_error(field, "'" + std::string(text) + "' is not a number");
    }
    if (text.size() > 4) return out_of_range(text, field);  // and no overflow below
    out = 0;
    for (const char c : text)
      out = out * 10 + (c - '0');
    if (out < field.min || out > field.max) return out_of_range(text, field);
    return true;
  }

  bool out_of_range(std::string_view text, const Field& field) {
    return field_error(field, std::string(text) + " is out of range " + std::to_string(field.min) +
                                  "-" + std::to_string(field.max));
  }

  bool name(std::string_view text, const Field& field, int& out) {
    if (field.names == nullptr) {
      return field_error(field, "'" + std::string(text) + "' is not a number");
    }
    for (std::size_t i = 0; i < field.name_count; ++i) {
      if (equal_ignoring_case(text, field.names[i])) {
        out = field.min + static_cast<int>(i);  // JAN is 1, SUN is 0
        return true;
      }
    }
    return field_error(field, "unknown " + std::string(field.names_kind) + " name '" +
                                  std::string(text) + "' (use " + std::string(field.names[0]) +
                                  "-" + std::string(field.names[field.name_count - 1]) + ")");
  }

  void store(const std::vector<std::string_view>& fields,
             const std::array<std::uint64_t, 5>& sets) {
    schedule_.minutes_ = std::bitset<60>(sets[0]);
    schedule_.hours_ = std::bitset<24>(sets[1]);
    schedule_.days_ = std::bitset<32>(sets[2]);
    schedule_.months_ = std::bitset<13>(sets[3]);
    schedule_.weekdays_ = std::bitset<7>(sets[4]);
    // Vixie cron looks at the first character only: "*/2" counts as unrestricted.
    schedule_.day_of_month_star_ = fields[2].front() == '*';
    schedule_.day_of_week_star_ = fields[4].front() == '*';
    schedule_.interval_ = fields[0].front() == '*' || fields[1].front() == '*';
  }

  // "0 0 30 2 *" parses but never fires. Only possible when the day of the week does not
  // widen the days (it is '*') and the day of month narrows them.
  bool check_can_fire() {
    if (schedule_.day_of_month_star_ || !schedule_.day_of_week_star_) return true;
    int first_day = 1;
    while (!schedule_.days_[static_cast<std::size_t>(first_day)])
      ++first_day;
    for (unsigned month = 1; month <= 12; ++month) {
      if (schedule_.months_[month] && days_in_month_at_most(month) >= first_day) return true;
    }
    return field_error(kFields[2], "the schedule never fires: no chosen month has a day " +
                                       std::to_string(first_day));
  }

  CronSchedule schedule_;
  std::string error_;
};

CronParse CronSchedule::parse(std::string_view expression) {
  return CronParser().run(expression);
}

bool CronSchedule::day_matches(const year_month_day& date, weekday day) const {
  const bool by_month_day = days_[static_cast<unsigned>(date.day())];
  const bool by_weekday = weekdays_[day.c_encoding()];
  if (day_of_month_star_ || day_of_week_star_) return by_month_day && by_weekday;
  return by_month_day || by_weekday;
}

bool CronSchedule::matches(local_seconds local) const {
  const local_days day = floor<days>(local);
  const year_month_day date{day};
  const auto minute_of_day = floor<minutes>(local - day).count();
  return months_[static_cast<unsigned>(date.month())] && day_matches(date, weekday{day}) &&
         hours_[static_cast<std::size_t>(minute_of_day / 60)] &&
         minutes_[static_cast<std::size_t>(minute_of_day % 60)];
}

std::optional<local_time<minutes>> CronSchedule::next_match(local_time<minutes> from,
                                                            int last_year) const {
  local_time<minutes> at = from;
  while (true) {
    const local_days day = floor<days>(at);
    const year_month_day date{day};
    if (static_cast<int>(date.year()) > last_year) return std::nullopt;
    if (!months_[static_cast<unsigned>(date.month())]) {
      at = local_days{(date.year() / date.month() + months{1}) / 1};
      continue;
    }
    if (!day_matches(date, weekday{day})) {
      at = day + days{1};
      continue;
    }
    const auto minute_of_day = (at - day).count();
    const auto hour = static_cast<std::size_t>(minute_of_day / 60);
    if (!hours_[hour]) {
      at = day + hours{hour + 1};
      continue;
    }
    if (!minutes_[static_cast<std::size_t>(minute_of_day % 60)]) {
      at += minutes{1};
      continue;
    }
    return at;
  }
}

std::optional<system_clock::time_point> CronSchedule::next_after(system_clock::time_point after,
                                                                 const TimeZone& zone) const {
  // Firings fall on whole seconds, so "after `after`" is "after `now`": no nanosecond
  // arithmetic that could overflow near the end of system_clock's range.
  const sys_seconds now = floor<seconds>(after);
  const year_month_day today{floor<days>(now)};

  // Walk matching local minutes in order and map each to instants. Local time can run
  // backwards by at most the zone's offset spread, so start that much before `after` and stop
  // once local times are that much past the best instant found: later local times can only
  // map to later instants.
  const seconds spread = zone.offset_spread();
  local_time<minutes> at = floor<minutes>(zone.to_local(now) - spread);
  const int last_year = static_cast<int>(today.year()) + kHorizonYears;
  std::optional<sys_seconds> best;
  while (const auto match = next_match(at, last_year)) {
    if (best && *match > zone.to_local(*best) + spread) break;
    const LocalTimeMapping mapping = zone.to_utc(*match);
    const auto consider = [&](sys_seconds instant) {
      if (instant > now && (!best || instant < *best)) best = instant;
    };
    switch (mapping.result) {
      case LocalTimeMapping::Result::unique:
        consider(mapping.first);
        break;
      case LocalTimeMapping::Result::nonexistent:
        if (!interval_) consider(mapping.first);  // the end of the gap
        break;
      case LocalTimeMapping::Result::ambiguous:
        consider(mapping.first);
        if (interval_) consider(mapping.second);
        break;
    }
    at = *match + minutes{1};
  }
  if (!best || *best > floor<seconds>(system_clock::time_point::max())) return std::nullopt;
  return system_clock::time_point(*best);
}

}  // namespace popgate::workflows
