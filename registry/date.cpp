#include "registry/date.h"

#include <charconv>
#include <cstdint>
#include <ctime>

#include "base/strings.h"

namespace popgate::registry {

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

bool Date::valid() const {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month);
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for the whole proleptic calendar.
std::int64_t Date::to_days() const {
  const std::int64_t y = month <= 2 ? year - 1 : year;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date Date::from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  Date d;
  d.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  d.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  d.year = static_cast<int>(yoe + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

int Date::age_on(const Date& on) const {
  int age = on.year - year;
  if (on.month < month || (on.month == month && on.day < day)) --age;
  return age;
}

namespace {

void append_padded(std::string& out, int value, int width) {
  char buf[8];
  int n = 0;
  for (int i = 0; i < width; ++i) {
    buf[width - 1 - i] = static_cast<char>('0' + value % 10);
    value /= 10;
    ++n;
  }
  out.append(buf, static_cast<size_t>(n));
}

// Parses all of `text` as a non-negative decimal of 1..max_digits digits.
std::optional<int> parse_number(std::string_view text, size_t min_digits, size_t max_digits) {
  if (text.size() < min_digits || text.size() > max_digits) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A fixed-width field of an ISO date: its ASCII digits and nothing else.
std::optional<int> fixed_digits(std::string_view text) {
  const std::optional<std::int64_t> value = base::parse_digits(text, 9999);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

}  // namespace

std::string Date::iso() const {
  std::string out;
  out.reserve(10);
  append_padded(out, year, 4);
  out += '-';
  append_padded(out, month, 2);
  out += '-';
  append_padded(out, day, 2);
  return out;
}

std::string Date::finnish() const {
  std::string out;
  out.reserve(10);
  append_padded(out, day, 2);
  out += '.';
  append_padded(out, month, 2);
  out += '.';
  append_padded(out, year, 4);
  return out;
}

std::optional<Date> Date::parse(std::string_view text) {
  std::optional<int> y, m, d;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    y = fixed_digits(text.substr(0, 4));
    m = fixed_digits(text.substr(5, 2));
    d = fixed_digits(text.substr(8, 2));
  } else {
    const size_t first = text.find('.');
    const size_t second = first == std::string_view::npos ? first : text.find('.', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    d = parse_number(text.substr(0, first), 1, 2);
    m = parse_number(text.substr(first + 1, second - first - 1), 1, 2);
    y = parse_number(text.substr(second + 1), 4, 4);
  }
  if (!y || !m || !d) return std::nullopt;
  const Date date{*y, *m, *d};
  if (!date.valid()) return std::nullopt;
  return date;
}

Date Date::today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

}  // namespace popgate::registry
