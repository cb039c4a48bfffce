#include "daemon/cli/job_report.h"

#include <ctime>
#include <ostream>
#include <string>

#include "base/time_text.h"

namespace popgate::cli {

void print_job_line(std::ostream& out, const workflows::Job& job) {
  out << job.id << "  " << workflows::to_string(job.state) << "  " << job.workflow << "  "
      << job.client_id << "  " << base::iso_utc_ms(job.created_ms) << "\n";
}

void print_job(std::ostream& out, const workflows::Job& job) {
  out << "job " << job.id << ": " << workflows::to_string(job.state) << "\n"
      << "  workflow: " << job.workflow << " (version " << job.workflow_hash.substr(0, 12) << ")\n"
      << "  client:   " << job.client_id << "\n";
  if (!job.input_path.empty())
    out << "  input:    " << job.input_path << "\n"
        << "  sha256:   "
        << (job.input_sha256.empty() ? "(not kept for this job)" : job.input_sha256) << "\n";
  if (!job.intake_key.empty()) out << "  intake key: " << job.intake_key << "\n";
  out << "  created:  " << base::iso_utc_ms(job.created_ms) << "\n";
  if (job.finished_ms) out << "  finished: " << base::iso_utc_ms(*job.finished_ms) << "\n";
  if (job.state == workflows::JobState::retrying)
    out << "  next try: " << base::iso_utc_ms(job.not_before_ms) << "\n";
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
