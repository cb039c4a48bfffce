// The daemon's log: one line per event on stderr, every line carrying the job id when there
// is one. Under systemd (JOURNAL_STREAM set) each line starts with its syslog priority
// ("<6>"), which journald turns into the entry's priority (and journald adds the time);
// elsewhere each line starts with its RFC 3339 UTC time and level:
//   2026-12-03T09:31:00.123Z INFO [job 20261203-...] submitted: update for demo on upload ...
#ifndef POPGATE_DAEMON_LOG_H_
#define POPGATE_DAEMON_LOG_H_

#include <string>
#include <string_view>

namespace popgate::daemon {

enum class LogLevel { debug = 7, info = 6, warning = 4, error = 3 };

// Sets the lowest level written ("debug", "info", "warning", "error"; others keep "info").
void set_log_level(std::string_view level);
// Writes "[job <id>] message" (or just the message when job_id is empty). Thread-safe.
void log(LogLevel level, std::string_view job_id, std::string_view message);
inline void log_info(std::string_view message) {
  log(LogLevel::info, {}, message);
}
inline void log_error(std::string_view message) {
  log(LogLevel::error, {}, message);
}

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_LOG_H_
