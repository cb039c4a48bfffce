// Instants as text, in UTC: the ISO 8601 forms of logs, status files, job listings and the
// audit log, and the compact forms in file names and job ids. One gmtime_r + strftime.
#ifndef POPGATE_BASE_TIME_TEXT_H_
#define POPGATE_BASE_TIME_TEXT_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace popgate::base {

using SystemTime = std::chrono::system_clock::time_point;

// `t` in UTC through strftime's `format` ("%Y%m%d-%H%M%S"), to whole seconds.
std::string format_utc(SystemTime t, const char* format);

// "2026-11-22T18:24:09Z"
std::string iso_utc(SystemTime t);
// The same for milliseconds since the epoch (how the stores keep instants).
std::string iso_utc_ms(std::int64_t epoch_ms);
// "2026-11-22T18:24:09.123Z": the audit log's timestamps.
std::string iso_utc_millis(SystemTime t);

// Milliseconds since the epoch as a time point, and back.
SystemTime from_epoch_ms(std::int64_t epoch_ms);
std::int64_t to_epoch_ms(SystemTime t);

}  // namespace popgate::base

#endif  // POPGATE_BASE_TIME_TEXT_H_
