// Sizes and durations as operators write them in configuration ("500MB", "1h30m"), parsed
// strictly: a unit is always required, since "30" could be seconds or milliseconds.
#ifndef POPGATE_BASE_UNITS_H_
#define POPGATE_BASE_UNITS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace popgate::base {

struct DurationParse {
  std::optional<std::chrono::milliseconds> value;
  std::string error;  // empty when valid; else a whole sentence quoting the text
  bool ok() const { return value.has_value(); }
};

// Whole numbers with units, larger units first, each at most once: "250ms", "30s", "5m",
// "2h", "1h30m", "7d". Units: d, h, m, s, ms. No sign, no fractions, no spaces.
DurationParse parse_duration(std::string_view text);

struct SizeParse {
  std::optional<std::uint64_t> value;
  std::string error;  // empty when valid; else a whole sentence quoting the text
  bool ok() const { return value.has_value(); }
};

// A whole number of bytes with a unit, as operators write sizes: "500MB", "2GiB", "10 GiB".
// Units: B; kB, MB, GB, TB (powers of 1000); KiB, MiB, GiB, TiB (powers of 1024). A unit is
// required: "1024" could be bytes or kibibytes.
SizeParse parse_size(std::string_view text);

}  // namespace popgate::base

#endif  // POPGATE_BASE_UNITS_H_
