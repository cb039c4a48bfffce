#include "base/time_text.h"

#include <cstdio>
#include <ctime>

namespace popgate::base {

std::string format_utc(SystemTime t, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, format, &utc);
  return std::string(text, n);
}

std::string iso_utc(SystemTime t) {
  return format_utc(t, "%Y-%m-%dT%H:%M:%SZ");
}

std::string iso_utc_ms(std::int64_t epoch_ms) {
  return iso_utc(from_epoch_ms(epoch_ms));
}

std::string iso_utc_millis(SystemTime t) {
  const std::int64_t millis = to_epoch_ms(t);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis % 1000));
  return format_utc(from_epoch_ms(millis - millis % 1000), "%Y-%m-%dT%H:%M:%S") + fraction;
}

SystemTime from_epoch_ms(std::int64_t epoch_ms) {
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::milliseconds(epoch_ms)));
}

std::int64_t to_epoch_ms(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace popgate::base
