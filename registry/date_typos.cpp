#include "registry/date_typos.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace popgate::registry {
namespace {

// DD.MM.YYYY's eight digits.
using Digits = std::array<int, 8>;

Digits digits_of(const Date& date) {
  return {date.day / 10,         date.day % 10,        date.month / 10,     date.month % 10,
          date.year / 1000 % 10, date.year / 100 % 10, date.year / 10 % 10, date.year % 10};
}

Date date_of(const Digits& d) {
  return Date{d[4] * 1000 + d[5] * 100 + d[6] * 10 + d[7], d[2] * 10 + d[3], d[0] * 10 + d[1]};
}

// Pairs of adjacent digits within one field: DD, MM, YYYY.
constexpr std::array<std::array<int, 2>, 5> kAdjacentPairs = {
    {{0, 1}, {2, 3}, {4, 5}, {5, 6}, {6, 7}}};

constexpr int kFirstYear = 1800;
constexpr int kLastYear = 2199;

bool plausible(const Date& date) {
  return date.year >= kFirstYear && date.year <= kLastYear && date.valid();
}

}  // namespace

std::string_view describe(DateTypo typo) {
  switch (typo) {
    case DateTypo::digit:
      return "one digit wrong";
    case DateTypo::transposed:
      return "two digits transposed";
    case DateTypo::day_month:
      return "day and month swapped";
    case DateTypo::century:
      return "wrong century";
  }
  return "";
}

std::optional<DateTypo> date_typo(const Date& typed, const Date& meant) {
  if (typed == meant || !typed.valid() || !meant.valid()) return std::nullopt;
  if (typed.day == meant.day && typed.month == meant.month &&
      std::abs(typed.year - meant.year) == 100) {
    return DateTypo::century;
  }
  if (typed.year == meant.year && typed.day == meant.month && typed.month == meant.day) {
    return DateTypo::day_month;
  }
  const Digits a = digits_of(typed);
  const Digits b = digits_of(meant);
  int differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    differing += a[i] != b[i] ? 1 : 0;
  if (differing == 1) return DateTypo::digit;
  if (differing == 2) {
    for (const auto& [i, j] : kAdjacentPairs) {
      const auto x = static_cast<std::size_t>(i);
      const auto y = static_cast<std::size_t>(j);
      if (a[x] != b[x] && a[x] == b[y] && a[y] == b[x]) return DateTypo::transposed;
    }
  }
  return std::nullopt;
}

std::vector<Date> mistyping_candidates(const Date& typed) {
  std::vector<Date> dates;
  if (!typed.valid()) return dates;
  const auto consider = [&](const Date& date) {
    if (date != typed && plausible(date)) dates.push_back(date);
  };
  const Digits digits = digits_of(typed);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    for (int other = 0; other <= 9; ++other) {
      if (other == digits[i]) continue;
      Digits changed = digits;
      changed[i] = other;
      consider(date_of(changed));
    }
  }
  for (const auto& [i, j] : kAdjacentPairs) {
    Digits swapped = digits;
    std::swap(swapped[static_cast<std::size_t>(i)], swapped[static_cast<std::size_t>(j)]);
    consider(date_of(swapped));
  }
  consider(Date{typed.year, typed.day, typed.month});
  consider(Date{typed.year - 100, typed.month, typed.day});
  consider(Date{typed.year + 100, typed.month, typed.day});
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  return dates;
}

}  // namespace popgate::registry
