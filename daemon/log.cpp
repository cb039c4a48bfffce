#include "daemon/log.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "base/time_text.h"

namespace popgate::daemon {
namespace {

std::mutex g_mutex;
LogLevel g_threshold = LogLevel::info;

// systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected stderr to; a child
// that inherited the variable but writes elsewhere (stderr redirected to a file) must not
// send to the journal (sd-daemon(3), systemd.exec(5)).
bool stderr_is_the_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (::fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

bool under_journald() {
  static const bool kJournald = stderr_is_the_journal();
  return kJournald;
}

// One journal entry with its fields; the text is the same line stderr would get, without the
// time (journald keeps its own) and level (PRIORITY says it).
void send_to_journal(LogLevel level, const LogFields& fields, std::string_view line) {
  std::string message = "MESSAGE=";
  message += line;
  std::string priority = "PRIORITY=" + std::to_string(static_cast<int>(level));
  std::string job = "POPGATE_JOB=";
  job += fields.job_id;
  std::string client = "POPGATE_CLIENT=";
  client += fields.client;
  std::string identifier = "SYSLOG_IDENTIFIER=popgate";
  iovec entry[5];
  int count = 0;
  for (std::string* field : {&message, &priority, &identifier})
    entry[count++] = {field->data(), field->size()};
  if (!fields.job_id.empty()) entry[count++] = {job.data(), job.size()};
  if (!fields.client.empty()) entry[count++] = {client.data(), client.size()};
  sd_journal_sendv(entry, count);
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

bool logging_to_journal() {
  return under_journald();
}

void log(LogLevel level, const LogFields& fields, std::string_view message) {
  std::lock_guard lock(g_mutex);
  // Lower numbers are more severe (syslog order).
  if (static_cast<int>(level) > static_cast<int>(g_threshold)) return;
  const bool journal = under_journald();
  std::string prefix;
  if (!journal) {
    // Taken under the lock, so that the lines' times are in the order of the lines.
    prefix += base::iso_utc_millis(std::chrono::system_clock::now());
    prefix += ' ';
    prefix += level_name(level);
    prefix += ' ';
  }
  if (!fields.job_id.empty()) {
    prefix += "[job ";
    prefix += fields.job_id;
    prefix += "] ";
  }
  // A message of several lines (a job's match summary) is written as that many log lines, each
  // with the prefix: a line without its time, level and job would belong to no one.
  std::string text;
  std::size_t start = 0;
  do {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    if (journal) {
      send_to_journal(level, fields, prefix + std::string(message.substr(start, end - start)));
      start = end + 1;
      continue;
    }
    text += prefix;
    text += message.substr(start, end - start);
    text += '\n';
    start = end + 1;
  } while (start < message.size());
  if (text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace popgate::daemon
