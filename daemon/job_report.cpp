#include "daemon/job_report.h"

#include <ctime>
#include <ostream>
#include <string>

namespace popgate::cli {
namespace {

std::string utc_time(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

void print_job_line(std::ostream& out, const workflows::Job& job) {
  out << job.id << "  " << workflows::to_string(job.state) << "  " << job.workflow << "  "
      << job.client_id << "  " << utc_time(job.created_ms) << "\n";
}

void print_job(std::ostream& out, const workflows::Job& job) {
  out << "job " << job.id << ": " << workflows::to_string(job.state) << "\n"
      << "  workflow: " << job.workflow << " (version " << job.workflow_hash.substr(0, 12) << ")\n"
      << "  client:   " << job.client_id << "\n";
  if (!job.input_path.empty())
    out << "  input:    " << job.input_path << " (sha256 " << job.input_sha256 << ")\n";
  out << "  created:  " << utc_time(job.created_ms) << "\n";
  if (job.finished_ms) out << "  finished: " << utc_time(*job.finished_ms) << "\n";
  if (job.state == workflows::JobState::retrying)
    out << "  next try: " << utc_time(job.not_before_ms) << "\n";
  for (const workflows::StepAttempt& a : job.attempts) {
    out << "  " << (a.phase == workflows::JobPhase::on_failure ? "on_failure " : "") << "step "
        << a.step_id << " attempt " << a.attempt << ": " << workflows::to_string(a.state);
    if (a.finished_ms) out << " (" << (*a.finished_ms - a.started_ms) << " ms)";
    out << "\n";
    if (!a.error.empty()) out << "    error: " << a.error << "\n";
    for (const auto& [name, value] : a.outputs)
      out << "    " << name << " = " << value << "\n";
  }
  if (!job.error.empty()) out << "  error: " << job.error << "\n";
}

}  // namespace popgate::cli
