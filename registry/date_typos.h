// The mistakes typed birth dates carry, for matching rows whose birth date is wrong: a row that
// says 16.09.1938 may mean a person born 16.09.1983. Written DD.MM.YYYY, a date is mistyped
// in one of these ways (each is its own inverse, so "which dates could the client have meant"
// and "is this a mistyping of that" are the same relation):
//   digit        one digit wrong                     16.09.1983 / 16.09.1988
//   transposed   two adjacent digits of one field    16.09.1983 / 16.09.1938, 12.05. / 21.05.
//                swapped
//   day_month    day and month swapped               04.09.1983 / 09.04.1983
//   century      the right two-digit year in the     16.09.1983 / 16.09.1883
//                wrong century
#ifndef POPGATE_REGISTRY_DATE_TYPOS_H_
#define POPGATE_REGISTRY_DATE_TYPOS_H_

#include <optional>
#include <string_view>
#include <vector>

#include "registry/date.h"

namespace popgate::registry {

enum class DateTypo { digit, transposed, day_month, century };

// For the result's reason: "one digit wrong", "two digits transposed", "day and month
// swapped", "wrong century".
std::string_view describe(DateTypo typo);

// How `typed` is a mistyping of `meant`; nullopt when the dates are the same or differ in
// some other way (or either is invalid). When several kinds fit, the most telling: century
// (16.09.1883 for 1983 is also one digit wrong), day_month, transposed, digit.
std::optional<DateTypo> date_typo(const Date& typed, const Date& meant);

// Every valid date of which `typed` is a mistyping (of the years 1800-2199), each once, in
// date order: the birth dates a row's typed one may have meant.
std::vector<Date> mistyping_candidates(const Date& typed);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_DATE_TYPOS_H_
