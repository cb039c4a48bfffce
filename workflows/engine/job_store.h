// Where jobs live between (and across) processes. An interface, so that the engine does not
// depend on SQLite: adapters/store/sqlite_job_store.h implements it on state.db.
//
// Every method is one atomic change: after a crash the store holds either the state before
// or the state after, never half. Implementations are safe to call from several threads.
#ifndef POPGATE_WORKFLOWS_ENGINE_JOB_STORE_H_
#define POPGATE_WORKFLOWS_ENGINE_JOB_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workflows/engine/job.h"

namespace popgate::workflows {

struct SubmitResult {
  Job job;
  bool created = false;  // false: the same (workflow, client, intake_key) was submitted before
};

struct ClaimLimits {
  int max_running = 8;             // jobs running at once, over all clients
  int max_running_per_client = 2;  // jobs of one client running at once
  // Claim only this job (for `popgate run`, which must not run other clients' jobs).
  std::optional<std::string> only_job;
};

// How many jobs of a workflow are in a state (for metrics).
struct JobCount {
  std::string workflow;
  JobState state = JobState::queued;
  std::int64_t count = 0;
};

struct ListFilter {
  std::optional<JobState> state;
  std::optional<std::string> client_id;
  int limit = 100;  // newest first
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Creates a queued job, or returns the existing one for the same (workflow, client,
  // intake_key) in whatever state it is: a second upload of the same file is not a second
  // disclosure. Jobs without an intake key are always created.
  virtual SubmitResult submit(const NewJob& job, std::int64_t now) = 0;

  // Marks the next runnable job running and returns it (without attempts). Runnable: queued,
  // or retrying with not_before <= now. Honours `limits` and each job's workflow Concurrency.
  // Fair between clients: the client served longest ago goes first (round-robin), and within
  // a client the oldest job goes first.
  virtual std::optional<Job> claim(const ClaimLimits& limits, std::int64_t now) = 0;

  // Records that a step starts; returns its attempt number within the job's current run.
  virtual int start_step(const std::string& job_id, JobPhase phase, int step_index,
                         const std::string& step_id, std::int64_t now) = 0;
  // The step succeeded: its outputs are kept and the job moves on to the next step.
  virtual void finish_step(const std::string& job_id, int attempt, const StepOutputs& outputs,
                           std::int64_t now) = 0;
  // The step's current attempt ended without success (failed, timed_out, cancelled). In the
  // on_failure phase the job still moves on: those steps run once each.
  virtual void fail_step(const std::string& job_id, int attempt, AttemptState state,
                         const std::string& error, std::int64_t now) = 0;
  // The job waits until `not_before` without holding a worker, then retries its step.
  virtual void retry_later(const std::string& job_id, std::int64_t not_before,
                           const std::string& error) = 0;
  // The main steps failed: the job stays running, now in its on_failure steps.
  // `client_error` is what an error report to the client may say (StepError::client_message).
  virtual void begin_on_failure(const std::string& job_id, const std::string& error,
                                const std::string& client_error) = 0;
  // succeeded, failed or cancelled.
  virtual void finish_job(const std::string& job_id, JobState state, const std::string& error,
                          std::int64_t now) = 0;

  virtual std::optional<Job> get(const std::string& job_id) = 0;  // with its attempts
  virtual std::vector<Job> list(const ListFilter& filter) = 0;    // without attempts
  // Every (workflow, state) that has jobs, with how many: one aggregate read, for metrics.
  virtual std::vector<JobCount> count_by_workflow_and_state() = 0;
  // Whether an operator asked to cancel the (running) job.
  virtual bool cancel_requested(const std::string& job_id) = 0;

  // A queued or retrying job is cancelled at once; a running one is flagged and its worker
  // stops it. False when the job is unknown or already finished.
  virtual bool request_cancel(const std::string& job_id, std::int64_t now) = 0;
  // A failed or cancelled job is queued again at the step where it stopped, with fresh
  // attempt counts; earlier steps' outputs are kept. False for other states.
  virtual bool retry(const std::string& job_id) = 0;

  // At start-up: jobs left running by a crash are queued again at the step that was running
  // (that attempt is marked interrupted). `only_job` limits it to one job (`popgate run`,
  // which may share state.db with a live daemon). Returns how many jobs were recovered.
  virtual int recover(std::int64_t now, const std::optional<std::string>& only_job) = 0;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_JOB_STORE_H_
