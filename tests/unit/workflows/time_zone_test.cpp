#include "workflows/schedule/time_zone.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "workflows/schedule/posix_tz.h"

namespace popgate::workflows {
namespace {

using namespace std::chrono;
using Result = LocalTimeMapping::Result;

sys_seconds utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

local_seconds local(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  return local_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

const TimeZone& zone(const char* name) {
  static std::map<std::string, TimeZone> zones;
  auto found = zones.find(name);
  if (found == zones.end()) {
    TimeZoneLoad loaded = TimeZone::load(name);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error;
      loaded.zone = TimeZone::utc();
    }
    found = zones.emplace(name, std::move(*loaded.zone)).first;
  }
  return found->second;
}

const TimeZone& helsinki() {
  return zone("Europe/Helsinki");
}

// The last Sunday of `month` in `y`.
sys_days last_sunday(int y, unsigned m) {
  return sys_days{year{y} / month{m} / Sunday[last]};
}

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A version 2 TZif file with no transitions, one local time type and a footer: the shape of
// zic's "slim" output for a zone whose rules have not changed since the epoch.
std::string footer_only_tzif(std::int32_t offset, const std::string& abbreviation,
                             const std::string& footer) {
  const auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  const auto chars = abbreviation + '\0';
  std::string header = "TZif2" + std::string(15, '\0');
  header += be32(0) + be32(0) + be32(0) + be32(0) + be32(1) +
            be32(static_cast<std::uint32_t>(chars.size()));
  const std::string type = be32(static_cast<std::uint32_t>(offset)) + '\0' + '\0';
  const std::string block = header + type + chars;
  return block + block + "\n" + footer + "\n";
}

TEST(TimeZone, KnowsHelsinkiWinterAndSummerTime) {
  const TimeZone& tz = helsinki();
  EXPECT_EQ(tz.name(), "Europe/Helsinki");
  const LocalTimeType& winter = tz.type_at(utc(2024, 1, 15, 12));
  EXPECT_EQ(winter.utc_offset, hours(2));
  EXPECT_FALSE(winter.is_dst);
  EXPECT_EQ(winter.abbreviation, "EET");
  const LocalTimeType& summer = tz.type_at(utc(2024, 7, 1, 12));
  EXPECT_EQ(summer.utc_offset, hours(3));
  EXPECT_TRUE(summer.is_dst);
  EXPECT_EQ(summer.abbreviation, "EEST");
}

// The EU rule: summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
// Sunday of October. Up to 2037 from the file's table, later from its TZ rule.
TEST(TimeZone, ChangesHelsinkiClocksAt0100UtcOnTheLastSundays) {
  const TimeZone& tz = helsinki();
  for (int y = 1996; y <= 2060; ++y) {
    const sys_seconds spring = last_sunday(y, 3) + hours(1);
    const sys_seconds autumn = last_sunday(y, 10) + hours(1);
    EXPECT_EQ(tz.offset_at(spring - seconds(1)), hours(2)) << y;
    EXPECT_EQ(tz.offset_at(spring), hours(3)) << y;
    EXPECT_EQ(tz.offset_at(autumn - seconds(1)), hours(3)) << y;
    EXPECT_EQ(tz.offset_at(autumn), hours(2)) << y;
    EXPECT_EQ(tz.next_transition(utc(y, 1, 1)), spring) << y;
    EXPECT_EQ(tz.next_transition(spring), autumn) << y;
  }
  EXPECT_EQ(last_sunday(2024, 3), sys_days{year{2024} / March / 31});
  EXPECT_EQ(last_sunday(2024, 10), sys_days{year{2024} / October / 27});
}

TEST(TimeZone, KnowsHelsinkiHistory) {
  const TimeZone& tz = helsinki();
  // Helsinki Mean Time until 1921, then EET; summer time in 1942 and again from 1981.
  EXPECT_EQ(tz.offset_at(utc(1900, 1, 1)), hours(1) + minutes(39) + seconds(49));
  EXPECT_EQ(tz.type_at(utc(1900, 1, 1)).abbreviation, "HMT");
  EXPECT_EQ(tz.offset_at(utc(1930, 7, 1)), hours(2));
  EXPECT_EQ(tz.offset_at(utc(1942, 7, 1)), hours(3));
  EXPECT_EQ(tz.offset_at(utc(1970, 7, 1)), hours(2));
  EXPECT_EQ(tz.offset_at(utc(1990, 7, 1)), hours(3));
  // Until 1995 summer time ended on the last Sunday of September.
  EXPECT_EQ(tz.offset_at(utc(1995, 10, 15)), hours(2));
  EXPECT_EQ(tz.offset_at(utc(1996, 10, 15)), hours(3));
}

TEST(TimeZone, ConvertsToLocalTime) {
  const TimeZone& tz = helsinki();
  EXPECT_EQ(tz.to_local(utc(2024, 1, 15, 12)), local(2024, 1, 15, 14));
  EXPECT_EQ(tz.to_local(utc(2024, 7, 1, 21, 30)), local(2024, 7, 2, 0, 30));
  EXPECT_EQ(tz.to_local(utc(2024, 3, 31, 0, 59)), local(2024, 3, 31, 2, 59));
  EXPECT_EQ(tz.to_local(utc(2024, 3, 31, 1, 0)), local(2024, 3, 31, 4, 0));
  EXPECT_EQ(tz.to_local(utc(2024, 10, 27, 0, 30)), local(2024, 10, 27, 3, 30));
  EXPECT_EQ(tz.to_local(utc(2024, 10, 27, 1, 30)), local(2024, 10, 27, 3, 30));
}

TEST(TimeZone, MapsLocalTimesToUtcAcrossBothTransitions) {
  const TimeZone& tz = helsinki();
  const LocalTimeMapping noon = tz.to_utc(local(2024, 6, 1, 12));
  EXPECT_EQ(noon.result, Result::unique);
  EXPECT_EQ(noon.first, utc(2024, 6, 1, 9));
  EXPECT_EQ(noon.second, noon.first);

  // Spring forward: 03:00-03:59 does not exist; it maps to the end of the gap.
  const LocalTimeMapping gap = tz.to_utc(local(2024, 3, 31, 3, 30));
  EXPECT_EQ(gap.result, Result::nonexistent);
  EXPECT_EQ(gap.first, utc(2024, 3, 31, 1));
  EXPECT_EQ(tz.to_utc(local(2024, 3, 31, 3, 0)).result, Result::nonexistent);
  EXPECT_EQ(tz.to_utc(local(2024, 3, 31, 2, 59)).first, utc(2024, 3, 31, 0, 59));
  EXPECT_EQ(tz.to_utc(local(2024, 3, 31, 4, 0)).result, Result::unique);
  EXPECT_EQ(tz.to_utc(local(2024, 3, 31, 4, 0)).first, utc(2024, 3, 31, 1));

  // Fall back: 03:00-03:59 happens twice, first in summer time.
  const LocalTimeMapping twice = tz.to_utc(local(2024, 10, 27, 3, 30));
  EXPECT_EQ(twice.result, Result::ambiguous);
  EXPECT_EQ(twice.first, utc(2024, 10, 27, 0, 30));
  EXPECT_EQ(twice.second, utc(2024, 10, 27, 1, 30));
  EXPECT_EQ(tz.to_utc(local(2024, 10, 27, 2, 59)).result, Result::unique);
  EXPECT_EQ(tz.to_utc(local(2024, 10, 27, 4, 0)).result, Result::unique);
  EXPECT_EQ(tz.to_utc(local(2024, 10, 27, 4, 0)).first, utc(2024, 10, 27, 2));
  // And from the TZ rule, past the file's table.
  EXPECT_EQ(tz.to_utc(local(2050, 3, 27, 3, 30)).result, Result::nonexistent);
  EXPECT_EQ(tz.to_utc(local(2050, 10, 30, 3, 30)).second, utc(2050, 10, 30, 1, 30));
}

TEST(TimeZone, RoundTripsEveryQuarterHourAroundTransitions) {
  const TimeZone& tz = helsinki();
  for (int y = 2020; y <= 2045; ++y) {
    for (const unsigned m : {3u, 10u}) {
      const sys_seconds start = last_sunday(y, m) - hours(6);
      for (sys_seconds t = start; t < start + hours(12); t += minutes(15)) {
        const LocalTimeMapping mapping = tz.to_utc(tz.to_local(t));
        EXPECT_NE(mapping.result, Result::nonexistent);
        EXPECT_TRUE(mapping.first == t || mapping.second == t) << y << " " << m;
      }
    }
  }
}

TEST(TimeZone, KnowsNewYork) {
  const TimeZone& tz = zone("America/New_York");
  EXPECT_EQ(tz.type_at(utc(2024, 1, 15)).abbreviation, "EST");
  EXPECT_EQ(tz.offset_at(utc(2024, 1, 15)), hours(-5));
  EXPECT_EQ(tz.offset_at(utc(2024, 7, 1)), hours(-4));
  // Second Sunday of March and first of November, at 02:00 local.
  EXPECT_EQ(tz.next_transition(utc(2024, 1, 1)), utc(2024, 3, 10, 7));
  EXPECT_EQ(tz.next_transition(utc(2024, 3, 10, 7)), utc(2024, 11, 3, 6));
  EXPECT_EQ(tz.next_transition(utc(2050, 1, 1)), utc(2050, 3, 13, 7));
  EXPECT_EQ(tz.to_utc(local(2024, 3, 10, 2, 30)).result, Result::nonexistent);
  EXPECT_EQ(tz.to_utc(local(2024, 3, 10, 2, 30)).first, utc(2024, 3, 10, 7));
  const LocalTimeMapping twice = tz.to_utc(local(2024, 11, 3, 1, 30));
  EXPECT_EQ(twice.result, Result::ambiguous);
  EXPECT_EQ(twice.first, utc(2024, 11, 3, 5, 30));
  EXPECT_EQ(twice.second, utc(2024, 11, 3, 6, 30));
}

TEST(TimeZone, KnowsUtc) {
  for (const TimeZone& tz : {zone("UTC"), TimeZone::utc()}) {
    EXPECT_EQ(tz.offset_at(utc(2024, 7, 1)), seconds(0));
    EXPECT_EQ(tz.type_at(utc(2024, 7, 1)).abbreviation, "UTC");
    EXPECT_EQ(tz.to_local(utc(2024, 7, 1, 12)), local(2024, 7, 1, 12));
    EXPECT_EQ(tz.to_utc(local(2024, 7, 1, 12)).first, utc(2024, 7, 1, 12));
    EXPECT_EQ(tz.next_transition(utc(2024, 1, 1)), std::nullopt);
    EXPECT_EQ(tz.offset_spread(), seconds(0));
  }
}

TEST(TimeZone, KnowsSouthernAndNegativeSummerTime) {
  // Sydney: summer time from October to April.
  const TimeZone& sydney = zone("Australia/Sydney");
  EXPECT_EQ(sydney.offset_at(utc(2050, 1, 15)), hours(11));
  EXPECT_EQ(sydney.offset_at(utc(2050, 7, 15)), hours(10));
  // Dublin: Irish Standard Time in summer, and "daylight saving" GMT in winter.
  const TimeZone& dublin = zone("Europe/Dublin");
  EXPECT_EQ(dublin.offset_at(utc(2050, 1, 15)), hours(0));
  EXPECT_TRUE(dublin.type_at(utc(2050, 1, 15)).is_dst);
  EXPECT_EQ(dublin.offset_at(utc(2050, 7, 15)), hours(1));
  EXPECT_EQ(dublin.next_transition(utc(2050, 1, 1)), last_sunday(2050, 3) + hours(1));
  // Nuuk: its rule changes clocks at -01:00 local time.
  const TimeZone& nuuk = zone("America/Nuuk");
  EXPECT_EQ(nuuk.next_transition(utc(2050, 1, 1)), last_sunday(2050, 3) + hours(1));
}

TEST(TimeZone, ReadsZonesThatRelyOnTheirRule) {
  const TimeZoneLoad slim = TimeZone::from_tzif(
      "Slim/Helsinki", footer_only_tzif(7200, "EET", "EET-2EEST,M3.5.0/3,M10.5.0/4"));
  ASSERT_TRUE(slim.ok()) << slim.error;
  for (sys_seconds t = utc(1996, 1, 1); t < utc(2040, 1, 1); t += hours(5)) {
    ASSERT_EQ(slim.zone->type_at(t), helsinki().type_at(t)) << t.time_since_epoch().count();
  }
  const TimeZoneLoad fixed =
      TimeZone::from_tzif("Plus3", footer_only_tzif(10800, "+03", "<+03>-3"));
  ASSERT_TRUE(fixed.ok()) << fixed.error;
  EXPECT_EQ(fixed.zone->offset_at(utc(2040, 1, 1)), hours(3));
  EXPECT_EQ(fixed.zone->type_at(utc(2040, 1, 1)).abbreviation, "+03");
  EXPECT_EQ(fixed.zone->next_transition(utc(2040, 1, 1)), std::nullopt);
}

TEST(TimeZone, RefusesUnknownZonesAndBadNames) {
  EXPECT_EQ(TimeZone::load("Europe/Helsinky").error,
            "unknown time zone 'Europe/Helsinky' (no file /usr/share/zoneinfo/Europe/Helsinky)");
  EXPECT_EQ(TimeZone::load("Europe").error,
            "unknown time zone 'Europe' (no file /usr/share/zoneinfo/Europe)");
  EXPECT_EQ(TimeZone::load("../../etc/passwd").error, "invalid time zone name '../../etc/passwd'");
  EXPECT_EQ(TimeZone::load("/etc/localtime").error, "invalid time zone name '/etc/localtime'");
  EXPECT_EQ(TimeZone::load("").error, "invalid time zone name ''");
  EXPECT_EQ(TimeZone::load("Europe/Hel sinki").error, "invalid time zone name 'Europe/Hel sinki'");
  EXPECT_EQ(TimeZone::load("zone.tab").error,
            "time zone 'zone.tab': not a TZif file (no \"TZif\" magic)");
  EXPECT_EQ(TimeZone::load("right/Europe/Helsinki").error,
            "time zone 'right/Europe/Helsinki': zones with leap seconds (\"right/\") are not "
            "supported");
}

TEST(TimeZone, RefusesMalformedTzifFiles) {
  const std::string good = file_contents("/usr/share/zoneinfo/Europe/Helsinki");
  ASSERT_GT(good.size(), 100u);
  const auto error = [](const std::string& data) { return TimeZone::from_tzif("X", data).error; };
  EXPECT_EQ(error(""), "time zone 'X': not a TZif file (too short)");
  EXPECT_EQ(error(good.substr(0, 100)), "time zone 'X': truncated TZif file");
  EXPECT_EQ(error(good.substr(0, good.size() - 10)), "time zone 'X': unterminated footer");
  std::string version = good;
  version[4] = '9';
  EXPECT_EQ(error(version), "time zone 'X': unsupported TZif version");
  std::string no_types = footer_only_tzif(0, "UTC", "UTC0");
  no_types[20 + 4 * 4 + 3] = '\0';  // the first header's typecnt
  EXPECT_EQ(error(no_types), "time zone 'X': bad count of local time types");
  EXPECT_EQ(error(footer_only_tzif(7200, "EET", "EET-2EEST")),
            "time zone 'X': TZ rule 'EET-2EEST': daylight saving time without rules for when "
            "it starts and ends");
  std::string unterminated = footer_only_tzif(0, "UTC", "UTC0");
  const std::size_t second_block = unterminated.size() / 2 - 3;
  unterminated[second_block + 44 + 6 + 3] = 'X';  // overwrite the abbreviation's NUL
  EXPECT_EQ(error(unterminated), "time zone 'X': unterminated time zone abbreviation");
  EXPECT_TRUE(TimeZone::from_tzif("X", footer_only_tzif(0, "UTC", "UTC0")).ok());
}

PosixTz rule(std::string_view text) {
  PosixTzParse parsed = PosixTz::parse(text);
  EXPECT_TRUE(parsed.ok()) << parsed.error;
  return parsed.rule.value_or(PosixTz::parse("UTC0").rule.value());
}

std::string rule_error(std::string_view text) {
  return PosixTz::parse(text).error;
}

TEST(TimeZoneRule, ParsesTheHelsinkiRule) {
  const PosixTz tz = rule("EET-2EEST,M3.5.0/3,M10.5.0/4");
  EXPECT_TRUE(tz.has_dst());
  EXPECT_EQ(tz.standard().abbreviation, "EET");
  EXPECT_EQ(tz.standard().utc_offset, hours(2));
  EXPECT_EQ(tz.daylight().abbreviation, "EEST");
  EXPECT_EQ(tz.daylight().utc_offset, hours(3));
  EXPECT_EQ(tz.dst_start(2024), utc(2024, 3, 31, 1));
  EXPECT_EQ(tz.dst_end(2024), utc(2024, 10, 27, 1));
  EXPECT_EQ(tz.dst_start(2026), utc(2026, 3, 29, 1));
  EXPECT_EQ(tz.dst_end(2026), utc(2026, 10, 25, 1));
}

TEST(TimeZoneRule, ParsesOtherForms) {
  const PosixTz plain = rule("UTC0");
  EXPECT_FALSE(plain.has_dst());
  EXPECT_EQ(plain.type_at(utc(2024, 1, 1)).abbreviation, "UTC");
  EXPECT_EQ(rule("<+0330>-3:30").standard().utc_offset, hours(3) + minutes(30));
  EXPECT_EQ(rule("<-03>3").standard().abbreviation, "-03");
  EXPECT_EQ(rule("XXX-1:02:03").standard().utc_offset, hours(1) + minutes(2) + seconds(3));
  // Daylight offset given explicitly; default change time 02:00.
  const PosixTz us = rule("EST5EDT4,M3.2.0,M11.1.0");
  EXPECT_EQ(us.dst_start(2024), utc(2024, 3, 10, 7));
  EXPECT_EQ(us.dst_end(2024), utc(2024, 11, 3, 6));
  // Jn never counts February 29: J60 is March 1 in every year.
  const PosixTz julian = rule("AAA0BBB,J60/0,J300/0");
  EXPECT_EQ(julian.dst_start(2023), utc(2023, 3, 1) + hours(0));
  EXPECT_EQ(julian.dst_start(2024), utc(2024, 3, 1));
  // n counts from 0 and includes February 29.
  const PosixTz zero_based = rule("AAA0BBB,59/0,300/0");
  EXPECT_EQ(zero_based.dst_start(2023), utc(2023, 3, 1));
  EXPECT_EQ(zero_based.dst_start(2024), utc(2024, 2, 29));
  // Version 3: times past 24 hours and negative times.
  EXPECT_EQ(rule("AAA0BBB,M3.5.0/-1,M10.5.0/26").dst_start(2024), utc(2024, 3, 30, 23));
  EXPECT_EQ(rule("AAA0BBB,M3.5.0/-1,M10.5.0/26").dst_end(2024), utc(2024, 10, 28, 1));
}

TEST(TimeZoneRule, HandlesDaylightTimeAllYear) {
  // zic writes permanent summer time as DST from January 1 to "25:00 on December 31".
  const PosixTz tz = rule("EST5EDT,0/0,J365/25");
  for (const sys_seconds t : {utc(2024, 1, 1), utc(2024, 1, 1, 5), utc(2024, 6, 1),
                              utc(2024, 12, 31, 23), utc(2025, 1, 1, 4, 30)}) {
    EXPECT_EQ(tz.type_at(t).utc_offset, hours(-4)) << t.time_since_epoch().count();
  }
}

TEST(TimeZoneRule, ExplainsBadRules) {
  EXPECT_EQ(rule_error("EET"), "TZ rule 'EET': expected a number at position 4");
  EXPECT_EQ(rule_error("E-2"),
            "TZ rule 'E-2': expected a zone abbreviation of three or more characters at "
            "position 1");
  EXPECT_EQ(rule_error("EET-25"),
            "TZ rule 'EET-25': time or offset out of range before position 7");
  EXPECT_EQ(rule_error("EET-2EEST,M13.5.0,M10.5.0"),
            "TZ rule 'EET-2EEST,M13.5.0,M10.5.0': Mm.w.d rule out of range before position 18");
  EXPECT_EQ(rule_error("EET-2EEST,M3.5.0"),
            "TZ rule 'EET-2EEST,M3.5.0': expected ',' at position 17");
  EXPECT_EQ(rule_error("EET-2EEST,M3.5.0,M10.5.0x"),
            "TZ rule 'EET-2EEST,M3.5.0,M10.5.0x': unexpected 'x' at the end");
  EXPECT_EQ(rule_error("<+03-3"), "TZ rule '<+03-3': expected '>' at position 7");
  EXPECT_EQ(rule_error("AAA0BBB,J0,J365"), "TZ rule 'AAA0BBB,J0,J365': Jn day must be 1-365");
}

}  // namespace
}  // namespace popgate::workflows
