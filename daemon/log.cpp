#include "daemon/log.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace popgate::daemon {
namespace {

std::mutex g_mutex;
LogLevel g_threshold = LogLevel::info;

bool under_journald() {
  static const bool kJournald = std::getenv("JOURNAL_STREAM") != nullptr;
  return kJournald;
}

}  // namespace

void set_log_level(std::string_view level) {
  std::lock_guard lock(g_mutex);
  if (level == "debug")
    g_threshold = LogLevel::debug;
  else if (level == "warning")
    g_threshold = LogLevel::warning;
  else if (level == "error")
    g_threshold = LogLevel::error;
  else
    g_threshold = LogLevel::info;
}

void log(LogLevel level, std::string_view job_id, std::string_view message) {
  std::lock_guard lock(g_mutex);
  // Lower numbers are more severe (syslog order).
  if (static_cast<int>(level) > static_cast<int>(g_threshold)) return;
  std::string line;
  if (under_journald()) line += "<" + std::to_string(static_cast<int>(level)) + ">";
  if (!job_id.empty()) {
    line += "[job ";
    line += job_id;
    line += "] ";
  }
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace popgate::daemon
