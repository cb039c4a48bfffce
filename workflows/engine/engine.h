// Runs jobs: N worker threads claim jobs from a JobStore and run their steps in order.
//
// Everything a job needs to continue lives in the store, so a crash loses at most the step
// that was running, and recover() plus start() re-runs it. Retries wait in the store
// (state retrying, not_before) rather than in a sleeping worker. One monitor thread enforces
// step timeouts and operators' cancel requests by setting the step's `cancelled` flag. Steps
// poll that flag (StepContext::should_stop); one that ignores it keeps its worker until it
// returns, and is then recorded as timed out or cancelled all the same.
#ifndef POPGATE_WORKFLOWS_ENGINE_ENGINE_H_
#define POPGATE_WORKFLOWS_ENGINE_ENGINE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "workflows/engine/job_store.h"
#include "workflows/engine/step_registry.h"
#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// One step attempt that ended, for metrics.
struct StepTiming {
  std::string workflow;
  std::string step_type;  // the step's `uses`
  std::string outcome;    // "succeeded", "failed", "timed_out", "cancelled"
  std::chrono::duration<double> elapsed{0};
};

struct EngineOptions {
  int workers = 4;
  ClaimLimits limits;
  std::filesystem::path work_root = "work";  // a job works in work_root/<job-id>/
  // How often an idle worker looks again for due retries (new submissions wake it at once).
  std::chrono::milliseconds poll_interval{50};
  // How often the monitor checks deadlines and cancel requests.
  std::chrono::milliseconds monitor_interval{20};
  // A line about a job; default: stderr as "popgate[job=<id>]: <line>".
  std::function<void(const std::string& job_id, const std::string& line)> log;
  // The Workflow for a job whose workflow version was not add_workflow()ed: e.g. one started
  // before a reload, parsed from Job::workflow_text. nullopt fails the job.
  std::function<std::optional<Workflow>(const Job&)> load_workflow;
  std::uint64_t seed = 0;  // for the retry jitter; 0: random
  // A job waits: a retryable failure is scheduled again, or its state could not be recorded
  // (state.db's disk full). `why` is the error. The daemon tells the client when the wait is
  // for disk space (daemon/job_status.h).
  std::function<void(const Job& job, const std::string& why)> on_wait;
  // A job ended (succeeded, failed or cancelled), as stored.
  std::function<void(const Job& job)> on_finished;
  // A step attempt ended (not called for an attempt the engine's stop interrupted: it runs
  // again after the restart).
  std::function<void(const StepTiming& timing)> on_step_done;
};

class Engine {
 public:
  Engine(JobStore& store, const StepRegistry& steps, EngineOptions options);
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Makes a workflow version runnable; `hash` is SHA-256 of workflow.source_text.
  void add_workflow(const Workflow& workflow, const std::string& hash);

  // Submits (idempotently, see JobStore::submit) and wakes a worker. `announce` (e.g. the
  // daemon's "submitted:" log line) runs before any worker can claim the job, so that the
  // job's own lines (its permit's "allowed:") never come before it.
  SubmitResult submit(const NewJob& job,
                      const std::function<void(const SubmitResult&)>& announce = {});

  // Requeues jobs a crash left running (JobStore::recover). Call before start().
  int recover(const std::optional<std::string>& only_job = std::nullopt);

  void start();
  // Stops claiming, asks running steps to stop, and joins the threads. Jobs that were running
  // stay `running` in the store: the next recover() picks them up.
  void stop();

  // Requests a cancel; a running step sees its `cancelled` flag at once.
  bool cancel(const std::string& job_id);

  // Waits until the job is finished (succeeded, failed, cancelled) or `timeout` passes; returns
  // the job as stored (with its attempts) either way.
  std::optional<Job> wait(const std::string& job_id, std::chrono::milliseconds timeout);
  // Waits until at least `count` jobs finished in this engine; false on timeout.
  bool wait_finished(std::uint64_t count, std::chrono::milliseconds timeout);
  std::uint64_t finished_jobs() const { return finished_.load(); }

 private:
  struct Running;
  struct StepResult;

  void worker_loop();
  void monitor_loop();
  void run_job(Job job);
  void run_on_failure(const Job& job, const Workflow& workflow, int from, const std::string& error,
                      std::map<std::string, StepOutputs>& outputs);
  StepResult run_step(const Job& job, const Workflow& workflow, const StepSpec& spec,
                      JobPhase phase, int index, const std::map<std::string, StepOutputs>& outputs);
  std::optional<Workflow> workflow_for(const Job& job);
  void finish(const std::string& job_id, JobState state, const std::string& error);
  void log(const std::string& job_id, const std::string& line) const;
  void wake_workers();
  double next_jitter();

  JobStore& store_;
  const StepRegistry& steps_;
  EngineOptions options_;

  std::mutex workflows_mutex_;
  std::map<std::string, Workflow> workflows_;  // by hash

  // Held from a submission to its announcement and around every claim: a job cannot start
  // before its submission is announced.
  std::mutex submit_mutex_;
  std::mutex mutex_;  // guards generation_, running_, stopping_
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::uint64_t generation_ = 0;  // bumped whenever new work may be claimable
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Running>> running_;  // by job id
  // Jobs whose store update failed (a full disk): still `running` in the store, run by no
  // worker. The monitor requeues each when its time comes, backing off while the store fails.
  struct Stranded {
    std::chrono::steady_clock::time_point next_try;
    std::chrono::milliseconds backoff;
  };
  std::map<std::string, Stranded> stranded_;  // by job id, guarded by mutex_
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> finished_{0};

  void strand(const std::string& job_id);
  void notify_wait(const Job& job, const std::string& why);  // options_.on_wait, never throws
  void requeue_stranded();

  std::mutex random_mutex_;
  std::mt19937_64 random_;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_ENGINE_H_
