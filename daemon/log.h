// The daemon's log: one line per event, every line carrying the job id when there is one.
// Under systemd's journal (stderr is the journal stream named by JOURNAL_STREAM) each line is
// sent with sd_journal_send as an entry of its own, with its priority and the fields
//   POPGATE_JOB=<job id>   POPGATE_CLIENT=<client id>
// when it has them, so that `journalctl -u popgate POPGATE_CLIENT=acme` shows one client's
// lines (journald adds the time). Elsewhere each line goes to stderr with its RFC 3339 UTC time
// and level:
//   2026-12-03T09:31:00.123Z INFO [job 20261203-...] submitted: update for demo on upload ...
#ifndef POPGATE_DAEMON_LOG_H_
#define POPGATE_DAEMON_LOG_H_

#include <string>
#include <string_view>

namespace popgate::daemon {

enum class LogLevel { debug = 7, info = 6, warning = 4, error = 3 };

// What a line is about, beyond its text; empty fields are left out. A job id alone converts
// (log(level, job.id, text)). Views: valid for the call only.
struct LogFields {
  LogFields() = default;
  LogFields(std::string_view job, std::string_view client_id = {})  // NOLINT: converts on purpose
      : job_id(job), client(client_id) {}
  LogFields(const std::string& job)  // NOLINT(google-explicit-constructor): as above
      : job_id(job) {}
  LogFields(const char* job) : job_id(job) {}  // NOLINT(google-explicit-constructor)

  std::string_view job_id;
  std::string_view client;
};

// Sets the lowest level written ("debug", "info", "warning", "error"; others keep "info").
void set_log_level(std::string_view level);
// Writes "[job <id>] message" (or just the message when there is no job). Thread-safe.
void log(LogLevel level, const LogFields& fields, std::string_view message);
inline void log_info(std::string_view message) {
  log(LogLevel::info, LogFields{}, message);
}
inline void log_error(std::string_view message) {
  log(LogLevel::error, LogFields{}, message);
}
// True when lines go to the journal (as above), for tests.
bool logging_to_journal();

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_LOG_H_
