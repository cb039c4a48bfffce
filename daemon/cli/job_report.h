// How `popgate run` and `popgate jobs` print a job: one format for both, for operators.
#ifndef POPGATE_DAEMON_CLI_JOB_REPORT_H_
#define POPGATE_DAEMON_CLI_JOB_REPORT_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "workflows/engine/job.h"

namespace popgate::cli {

// "job ID: state" and every step attempt with its outcome, error and outputs.
void print_job(std::ostream& out, const workflows::Job& job);
// One line: id, state, workflow, client, created time; and the header row above such lines.
void print_job_line(std::ostream& out, const workflows::Job& job);
void print_job_header(std::ostream& out);

// The same for scripts and monitoring (--format json), with stable field names
// (docs/workflow-engine.md): a job as one JSON object, a list as an array of the objects
// print_job_line shows, each followed by a newline.
std::string job_json(const workflows::Job& job);
std::string jobs_json(const std::vector<workflows::Job>& jobs);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_JOB_REPORT_H_
