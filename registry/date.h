// A calendar date (proleptic Gregorian), the unit every register fact is dated in.
//
// Kept as year/month/day with conversions to a day number so that arithmetic (ages, "days
// since") is exact and cheap. No time zones: the register records dates, not instants.
#ifndef POPGATE_REGISTRY_DATE_H_
#define POPGATE_REGISTRY_DATE_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace popgate::registry {

struct Date {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31

  // True when the fields name a real day (rejects 30.02., 31.04., 29.02. of common years).
  bool valid() const;

  // Days since 1970-01-01 (negative before). Only for valid dates.
  std::int64_t to_days() const;
  static Date from_days(std::int64_t days);

  Date plus_days(std::int64_t n) const { return from_days(to_days() + n); }

  // Completed years of age on `on` (a person born on 29.02. turns a year older on 01.03.).
  int age_on(const Date& on) const;

  // "YYYY-MM-DD".
  std::string iso() const;
  // "DD.MM.YYYY", as Finnish forms and clients' files write it.
  std::string finnish() const;

  // Parses "YYYY-MM-DD" or "DD.MM.YYYY" (also D.M.YYYY). Returns nullopt for anything else or
  // an impossible date.
  static std::optional<Date> parse(std::string_view text);

  // Today in the local time zone of the process.
  static Date today();

  friend auto operator<=>(const Date&, const Date&) = default;
};

bool is_leap_year(int year);
int days_in_month(int year, int month);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_DATE_H_
