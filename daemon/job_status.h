// What a client reads while its job waits for disk space: outbox/<job>-status.json says
// "delayed" (no personal data), until the job delivers (deliver writes "delivered"), fails
// (error_report writes "failed") or ends without a status of its own (the "delayed" one goes).
#ifndef POPGATE_DAEMON_JOB_STATUS_H_
#define POPGATE_DAEMON_JOB_STATUS_H_

#include <string>

#include "workflows/engine/job.h"

namespace popgate::daemon {

// Engine::on_wait: when the job waits for disk space, writes its status file as "delayed",
// unless a status file says "delivered" already. Best effort: a disk too full for these few
// hundred bytes keeps the earlier file, and the failure is logged.
void note_job_waiting(const workflows::Job& job, const std::string& why);

// Engine::on_finished: removes a status file that still says "delayed".
void clear_delayed_status(const workflows::Job& job);

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_JOB_STATUS_H_
