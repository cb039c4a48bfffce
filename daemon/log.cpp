#include "daemon/log.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "base/time_text.h"

namespace popgate::daemon {
namespace {

std::mutex g_mutex;
LogLevel g_threshold = LogLevel::info;

bool under_journald() {
  static const bool kJournald = std::getenv("JOURNAL_STREAM") != nullptr;
  return kJournald;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "DEBUG";
    case LogLevel::info:
      return "INFO";
    case LogLevel::warning:
      return "WARNING";
    case LogLevel::error:
      return "ERROR";
  }
  return "INFO";
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
  std::string prefix;
  if (under_journald()) {
    prefix += "<" + std::to_string(static_cast<int>(level)) + ">";  // journald stamps the time
  } else {
    // Taken under the lock, so that the lines' times are in the order of the lines.
    prefix += base::iso_utc_millis(std::chrono::system_clock::now());
    prefix += ' ';
    prefix += level_name(level);
    prefix += ' ';
  }
  if (!job_id.empty()) {
    prefix += "[job ";
    prefix += job_id;
    prefix += "] ";
  }
  // A message of several lines (a job's match summary) is written as that many log lines, each
  // with the prefix: a line without its time, level and job would belong to no one.
  std::string text;
  std::size_t start = 0;
  do {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    text += prefix;
    text += message.substr(start, end - start);
    text += '\n';
    start = end + 1;
  } while (start < message.size());
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace popgate::daemon
