// How `popgate run` and `popgate jobs` print a job: one format for both, for operators.
#ifndef POPGATE_DAEMON_CLI_JOB_REPORT_H_
#define POPGATE_DAEMON_CLI_JOB_REPORT_H_

#include <iosfwd>

#include "workflows/engine/job.h"

namespace popgate::cli {

// "job ID: state" and every step attempt with its outcome, error and outputs.
void print_job(std::ostream& out, const workflows::Job& job);
// One line: id, state, workflow, client, created time.
void print_job_line(std::ostream& out, const workflows::Job& job);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_JOB_REPORT_H_
