// A job: one run of one workflow for one client on one input, as state.db keeps it.
//
// A job carries the text of the workflow it started with (and its SHA-256), so that a reload
// of the workflow files never changes a job half way through. Times are milliseconds since
// the Unix epoch (UTC): they sort, they survive a restart, and SQLite stores them as integers.
#ifndef POPGATE_WORKFLOWS_ENGINE_JOB_H_
#define POPGATE_WORKFLOWS_ENGINE_JOB_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/engine/step_type.h"
#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// queued -> running -> succeeded | failed | cancelled; running -> retrying -> running when a
// step fails retryably (the job waits for not_before without holding a worker).
enum class JobState { queued, running, retrying, succeeded, failed, cancelled };

std::string_view to_string(JobState state);
std::optional<JobState> parse_job_state(std::string_view text);
bool is_terminal(JobState state);

// interrupted: the process died while the step ran; the engine runs the step again.
enum class AttemptState { running, succeeded, failed, timed_out, cancelled, interrupted };

std::string_view to_string(AttemptState state);
std::optional<AttemptState> parse_attempt_state(std::string_view text);

// Which list of steps a job is in: the workflow's steps, or its on_failure steps after a
// failure (run once each, in order).
enum class JobPhase { main, on_failure };

struct StepAttempt {
  JobPhase phase = JobPhase::main;
  int step_index = 0;
  std::string step_id;
  int attempt = 1;  // 1-based, per step and per run of the job (see Job::run)
  AttemptState state = AttemptState::running;
  std::int64_t started_ms = 0;
  std::optional<std::int64_t> finished_ms;
  std::string error;
  StepOutputs outputs;
};

// Milliseconds since the epoch, from the system clock.
std::int64_t now_ms();

// What a caller submits. The hashes are computed by the caller (workflows/ does not link a
// crypto library): workflow_hash over Workflow::source_text, input_sha256 over the input.
struct NewJob {
  std::string workflow;
  std::string workflow_hash;
  std::string workflow_text;
  std::string client_id;
  std::string client_root;  // exchange/<client>/, or `popgate run --out DIR`
  std::string input_path;   // empty for jobs without an input (schedules)
  // What makes two submissions the same job (job_intake.h): not a file's hash.
  std::string intake_key;
  std::string input_sha256;  // the input file's SHA-256, hex; empty without an input
  Concurrency concurrency;   // the workflow's limits, kept with the job for claiming
};

struct Job {
  std::string id;  // "20261122-143501-3f9a2c": sortable by creation, unique
  std::string workflow;
  std::string workflow_hash;
  std::string workflow_text;
  std::string client_id;
  std::string client_root;
  std::string input_path;
  std::string intake_key;
  std::string input_sha256;  // empty for jobs made before state.db version 3 kept it
  Concurrency concurrency;
  JobState state = JobState::queued;
  JobPhase phase = JobPhase::main;
  int step_index = 0;  // the next (or running) step in `phase`
  int run = 1;         // 1 + how often an operator retried the job
  bool cancel_requested = false;
  std::string error;
  std::string client_error;  // the part of `error` the client may be told (may be empty)
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> finished_ms;
  std::int64_t not_before_ms = 0;     // a retrying job is not claimed before this
  std::vector<StepAttempt> attempts;  // in the order they started
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_JOB_H_
