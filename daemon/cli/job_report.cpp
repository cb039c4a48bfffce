#include "daemon/cli/job_report.h"

#include <ctime>
#include <optional>
#include <ostream>
#include <string>

#include "adapters/formats/json_writer.h"
#include "base/time_text.h"

namespace popgate::cli {

void print_job_header(std::ostream& out) {
  out << "id  state  workflow  client  created\n";
}

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

namespace {

std::optional<std::string> optional_time(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return base::iso_utc_ms(*ms);
}

std::optional<std::string> optional_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// The members print_job_line shows.
void summary_fields(formats::JsonWriter& out, const workflows::Job& job) {
  out.field("id", job.id);
  out.field("state", workflows::to_string(job.state));
  out.field("workflow", job.workflow);
  out.field("client", job.client_id);
  out.field("created", base::iso_utc_ms(job.created_ms));
  out.field_optional("finished", optional_time(job.finished_ms));
}

void attempt_json(formats::JsonWriter& out, const workflows::StepAttempt& a) {
  out.begin_object();
  out.field("step", a.step_id);
  out.field("phase", a.phase == workflows::JobPhase::on_failure ? "on_failure" : "main");
  out.field_number("attempt", a.attempt);
  out.field("state", workflows::to_string(a.state));
  out.field("started", base::iso_utc_ms(a.started_ms));
  out.field_optional("finished", optional_time(a.finished_ms));
  out.field_optional("error", optional_text(a.error));
  out.key("outputs");
  out.begin_object();
  for (const auto& [name, value] : a.outputs)
    out.field(name, value);
  out.end_object();
  out.end_object();
}

}  // namespace

std::string job_json(const workflows::Job& job) {
  std::string json;
  formats::JsonWriter out(json, 2);
  out.begin_object();
  summary_fields(out, job);
  out.field("workflow_version", job.workflow_hash);
  out.field_optional("input", optional_text(job.input_path));
  out.field_optional("input_sha256", optional_text(job.input_sha256));
  out.field_optional("intake_key", optional_text(job.intake_key));
  out.field_optional("started", optional_time(job.started_ms));
  out.field_optional("next_try", job.state == workflows::JobState::retrying
                                     ? std::optional(base::iso_utc_ms(job.not_before_ms))
                                     : std::nullopt);
  out.field_optional("error", optional_text(job.error));
  out.key("attempts");
  out.begin_array();
  for (const workflows::StepAttempt& a : job.attempts)
    attempt_json(out, a);
  out.end_array();
  out.end_object();
  return json + "\n";
}

std::string jobs_json(const std::vector<workflows::Job>& jobs) {
  std::string json;
  formats::JsonWriter out(json, 2);
  out.begin_array();
  for (const workflows::Job& job : jobs) {
    out.begin_object();
    summary_fields(out, job);
    out.end_object();
  }
  out.end_array();
  return json + "\n";
}

}  // namespace popgate::cli
