#include "workflows/schedule/time_zone.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

namespace popgate::workflows {

using std::chrono::seconds;

namespace {

// The counts in a TZif header, in file order.
struct TzifCounts {
  std::uint32_t isutcnt = 0;
  std::uint32_t isstdcnt = 0;
  std::uint32_t leapcnt = 0;
  std::uint32_t timecnt = 0;
  std::uint32_t typecnt = 0;
  std::uint32_t charcnt = 0;

  // The size of the data block that follows the header, with `time_size`-byte times.
  std::uint64_t data_size(std::uint64_t time_size) const {
    return std::uint64_t{timecnt} * time_size + timecnt + std::uint64_t{typecnt} * 6 + charcnt +
           std::uint64_t{leapcnt} * (time_size + 4) + isstdcnt + isutcnt;
  }
};

constexpr std::size_t kHeaderSize = 44;

bool valid_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (const char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '+' || c == '.';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

// Parses the bytes of one TZif file into a TimeZone.
class TzifReader {
 public:
  TzifReader(std::string_view name, std::string_view data) : name_(name), data_(data) {}

  TimeZoneLoad run() {
    TzifCounts counts;
    char version = 0;
    if (!header(version, counts, 4)) return failed();
    if (version == 0) {
      if (!body(counts, 4)) return failed();
    } else {
      // Version 2+: skip the 32-bit data, then a second header and the 64-bit data.
      pos_ += counts.data_size(4);
      char second_version = 0;
      if (!header(second_version, counts, 8) || !body(counts, 8) || !footer()) return failed();
    }
    zone_.name_ = std::string(name_);
    zone_.compute_offset_range();
    return {std::move(zone_), ""};
  }

 private:
  TimeZoneLoad failed() const {
    return {std::nullopt, "time zone '" + std::string(name_) + "': " + error_};
  }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  bool has(std::uint64_t bytes) const {
    return pos_ <= data_.size() && data_.size() - pos_ >= bytes;
  }

  std::uint64_t read_unsigned(std::size_t bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes; ++i) {
      value = (value << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    }
    pos_ += bytes;
    return value;
  }

  std::int64_t read_signed(std::size_t bytes) {
    const std::uint64_t raw = read_unsigned(bytes);
    if (bytes == 8) return static_cast<std::int64_t>(raw);
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(raw));
  }

  // A header, and that the data block after it (with `time_size`-byte times) is all there.
  bool header(char& version, TzifCounts& counts, std::size_t time_size) {
    if (!has(kHeaderSize)) return fail("not a TZif file (too short)");
    if (data_.substr(pos_, 4) != "TZif") return fail("not a TZif file (no \"TZif\" magic)");
    version = data_[pos_ + 4];
    if (version != 0 && version != '2' && version != '3' && version != '4') {
      return fail("unsupported TZif version");
    }
    pos_ += 20;  // magic, version, 15 reserved bytes
    counts.isutcnt = static_cast<std::uint32_t>(read_unsigned(4));
    counts.isstdcnt = static_cast<std::uint32_t>(read_unsigned(4));
    counts.leapcnt = static_cast<std::uint32_t>(read_unsigned(4));
    counts.timecnt = static_cast<std::uint32_t>(read_unsigned(4));
    counts.typecnt = static_cast<std::uint32_t>(read_unsigned(4));
    counts.charcnt = static_cast<std::uint32_t>(read_unsigned(4));
    if (counts.typecnt == 0 || counts.typecnt > 256) return fail("bad count of local time types");
    if (counts.charcnt == 0) return fail("no time zone abbreviations");
    if ((counts.isstdcnt != 0 && counts.isstdcnt != counts.typecnt) ||
        (counts.isutcnt != 0 && counts.isutcnt != counts.typecnt)) {
      return fail("bad standard/UT indicator counts");
    }
    if (counts.leapcnt != 0) return fail("zones with leap seconds (\"right/\") are not supported");
    if (!has(counts.data_size(time_size))) return fail("truncated TZif file");
    return true;
  }

  bool body(const TzifCounts& counts, std::size_t time_size) {
    zone_.transition_times_.clear();
    zone_.transition_types_.clear();
    zone_.types_.clear();
    for (std::uint32_t i = 0; i < counts.timecnt; ++i) {
      const std::int64_t t = read_signed(time_size);
      if (!zone_.transition_times_.empty() && t <= zone_.transition_times_.back()) {
        return fail("transition times are not in increasing order");
      }
      zone_.transition_times_.push_back(t);
    }
    for (std::uint32_t i = 0; i < counts.timecnt; ++i) {
      const auto type = static_cast<std::uint8_t>(read_unsigned(1));
      if (type >= counts.typecnt) return fail("transition to an undefined local time type");
      zone_.transition_types_.push_back(type);
    }
    struct RawType {
      std::int64_t offset;
      std::uint64_t is_dst;
      std::uint64_t abbreviation;
    };
    std::vector<RawType> raw(counts.typecnt);
    for (RawType& type : raw) {
      type.offset = read_signed(4);
      type.is_dst = read_unsigned(1);
      type.abbreviation = read_unsigned(1);
      if (type.offset == std::numeric_limits<std::int32_t>::min() || type.is_dst > 1 ||
          type.abbreviation >= counts.charcnt) {
        return fail("malformed local time type");
      }
    }
    const std::string_view abbreviations = data_.substr(pos_, counts.charcnt);
    for (const RawType& type : raw) {
      const std::size_t end = abbreviations.find('\0', type.abbreviation);
      if (end == std::string_view::npos) return fail("unterminated time zone abbreviation");
      zone_.types_.push_back(
          {seconds(type.offset), type.is_dst == 1,
           std::string(abbreviations.substr(type.abbreviation, end - type.abbreviation))});
    }
    // The standard/wall and UT/local indicators only matter for POSIX-style TZ strings without
    // rules, which TZif footers never are: skip them with the abbreviations.
    pos_ += counts.charcnt + counts.isstdcnt + counts.isutcnt;
    return true;
  }

  // "\n<POSIX TZ string>\n"; an empty string means "no rule".
  bool footer() {
    if (!has(1) || data_[pos_] != '\n') return fail("missing footer");
    const std::size_t end = data_.find('\n', pos_ + 1);
    if (end == std::string_view::npos) return fail("unterminated footer");
    const std::string_view text = data_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    if (text.empty()) return true;
    PosixTzParse parsed = PosixTz::parse(text);
    if (!parsed.ok()) return fail(std::move(parsed.error));
    zone_.rule_ = std::move(parsed.rule);
    return true;
  }

  std::string_view name_;
  std::string_view data_;
  std::uint64_t pos_ = 0;
  std::string error_;
  TimeZone zone_;
};

TimeZoneLoad TimeZone::load(std::string_view name) {
  return load(name, std::string(kZoneInfoDir));
}

TimeZoneLoad TimeZone::load(std::string_view name, const std::string& zoneinfo_dir) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (!valid_zone_name(name)) return {std::nullopt, "invalid time zone name " + quoted};
  const std::filesystem::path path = std::filesystem::path(zoneinfo_dir) / std::string(name);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return {std::nullopt, "unknown time zone " + quoted + " (no file " + path.string() + ")"};
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  if (!in) return {std::nullopt, "time zone " + quoted + ": cannot read " + path.string()};
  return from_tzif(name, contents.str());
}

TimeZoneLoad TimeZone::from_tzif(std::string_view name, std::string_view data) {
  return TzifReader(name, data).run();
}

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  zone.types_.push_back({seconds(0), false, "UTC"});
  return zone;
}

void TimeZone::compute_offset_range() {
  std::vector<seconds> offsets;
  for (const LocalTimeType& type : types_)
    offsets.push_back(type.utc_offset);
  if (rule_) {
    offsets.push_back(rule_->standard().utc_offset);
    offsets.push_back(rule_->daylight().utc_offset);
  }
  min_offset_ = *std::min_element(offsets.begin(), offsets.end());
  max_offset_ = *std::max_element(offsets.begin(), offsets.end());
}

const LocalTimeType& TimeZone::type_at(sys_seconds t) const {
  const std::int64_t when = t.time_since_epoch().count();
  if (transition_times_.empty() || when >= transition_times_.back()) {
    if (rule_) return rule_->type_at(t);
    if (transition_times_.empty()) return types_.front();
    return types_[transition_types_.back()];
  }
  const auto next = std::upper_bound(transition_times_.begin(), transition_times_.end(), when);
  // RFC 8536: before the first transition, the first local time type applies.
  if (next == transition_times_.begin()) return types_.front();
  return types_[transition_types_[static_cast<std::size_t>(next - transition_times_.begin() - 1)]];
}

std::optional<TimeZone::sys_seconds> TimeZone::next_transition(sys_seconds t) const {
  const std::int64_t when = t.time_since_epoch().count();
  const auto next = std::upper_bound(transition_times_.begin(), transition_times_.end(), when);
  if (next != transition_times_.end()) return sys_seconds(seconds(*next));
  if (rule_) return rule_->next_transition(t);
  return std::nullopt;
}

TimeZone::local_seconds TimeZone::to_local(sys_seconds t) const {
  return local_seconds((t + offset_at(t)).time_since_epoch());
}

LocalTimeMapping TimeZone::to_utc(local_seconds local) const {
  // Every instant that shows `local` lies in [local - max offset, local - min offset]. Walk the
  // periods of constant offset that cover that window; in each, `local` minus the period's
  // offset is a solution if it falls inside the period.
  const sys_seconds wall(local.time_since_epoch());
  const sys_seconds window_end = wall - min_offset_;
  sys_seconds period_start = wall - max_offset_;
  seconds offset = offset_at(period_start);
  std::vector<sys_seconds> solutions;
  std::optional<sys_seconds> gap_end;
  while (true) {
    const std::optional<sys_seconds> period_end = next_transition(period_start);
    const sys_seconds candidate = wall - offset;
    if (candidate >= period_start && (!period_end || candidate < *period_end)) {
      solutions.push_back(candidate);
    }
    if (!period_end || *period_end > window_end) break;
    const seconds next_offset = offset_at(*period_end);
    // Clocks jumped from period_end + offset to period_end + next_offset, skipping `local`.
    if (*period_end + offset <= wall && wall < *period_end + next_offset) gap_end = *period_end;
    period_start = *period_end;
    offset = next_offset;
  }
  if (solutions.empty()) {
    const sys_seconds at = gap_end.value_or(wall - offset);  // gap_end is always found
    return {LocalTimeMapping::Result::nonexistent, at, at};
  }
  if (solutions.size() == 1) {
    return {LocalTimeMapping::Result::unique, solutions.front(), solutions.front()};
  }
  return {LocalTimeMapping::Result::ambiguous, solutions.front(), solutions.back()};
}

}  // namespace popgate::workflows
