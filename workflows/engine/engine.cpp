#include "workflows/engine/engine.h"

#include <iostream>
#include <system_error>
#include <utility>

#include "workflows/engine/backoff.h"
#include "workflows/engine/disk_space.h"
#include "workflows/engine/params.h"

namespace popgate::workflows {

// A step in progress, as the monitor sees it.
struct Engine::Running {
  std::atomic<bool> stop{false};
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::atomic<bool> timed_out{false};
  std::atomic<bool> cancelled{false};
  std::chrono::steady_clock::time_point next_cancel_check;
};

struct Engine::StepResult {
  enum class Kind { succeeded, failed, retry, cancelled };
  Kind kind = Kind::failed;
  StepOutputs outputs;
  std::string error;
  std::string client_message;  // what the client may be told (StepError::client_message)
  std::int64_t not_before = 0;
};

namespace {

// How long a job whose store update failed waits before the first try to requeue it, and at
// most between tries while the store keeps failing (a disk that stays full).
constexpr std::chrono::milliseconds kFirstRequeueDelay = kDiskSpaceRetry.backoff;
constexpr std::chrono::milliseconds kMaxRequeueDelay = kDiskSpaceRetry.max_backoff;

// How many of the attempts before `attempt` of the step `step_id` in this run of the job failed
// for want of disk space. They are the step's last attempt - 1 in `job` (read when this run of
// run_job began), which also lists the attempts of the job's earlier runs.
int space_failures(const Job& job, const std::string& step_id, int attempt) {
  int earlier = attempt - 1;
  int count = 0;
  for (auto a = job.attempts.rbegin(); a != job.attempts.rend() && earlier > 0; ++a) {
    if (a->phase != JobPhase::main || a->step_id != step_id) continue;
    --earlier;
    if (a->state == AttemptState::failed && is_short_of_disk_space(a->error)) ++count;
  }
  return count;
}

std::string describe(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + "ms";
}

}  // namespace

Engine::Engine(JobStore& store, const StepRegistry& steps, EngineOptions options)
    : store_(store),
      steps_(steps),
      options_(std::move(options)),
      random_(options_.seed != 0 ? options_.seed : std::random_device{}()) {}

Engine::~Engine() {
  stop();
}

void Engine::add_workflow(const Workflow& workflow, const std::string& hash) {
  std::lock_guard lock(workflows_mutex_);
  workflows_[hash] = workflow;
}

SubmitResult Engine::submit(const NewJob& job,
                            const std::function<void(const SubmitResult&)>& announce) {
  SubmitResult result;
  {
    std::lock_guard lock(submit_mutex_);
    result = store_.submit(job, now_ms());
    if (announce) announce(result);
  }
  if (result.created) wake_workers();
  return result;
}

int Engine::recover(const std::optional<std::string>& only_job) {
  const int recovered = store_.recover(now_ms(), only_job);
  if (recovered > 0) wake_workers();
  return recovered;
}

void Engine::start() {
  std::lock_guard lock(mutex_);
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i)
    threads_.emplace_back([this] { worker_loop(); });
  threads_.emplace_back([this] { monitor_loop(); });
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, running] : running_)
      running->stop = true;
  }
  work_cv_.notify_all();
  for (std::thread& thread : threads_)
    thread.join();
  threads_.clear();
}

void Engine::wake_workers() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  work_cv_.notify_all();
}

double Engine::next_jitter() {
  std::lock_guard lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

void Engine::log(const std::string& job_id, const std::string& line) const {
  if (options_.log) {
    options_.log(job_id, line);
  } else {
    // One write per line, so that lines of concurrent jobs do not interleave.
    std::cerr << ("popgate[job=" + job_id + "]: " + line + "\n") << std::flush;
  }
}

bool Engine::cancel(const std::string& job_id) {
  const bool accepted = store_.request_cancel(job_id, now_ms());
  std::lock_guard lock(mutex_);
  if (auto it = running_.find(job_id); it != running_.end()) {
    it->second->cancelled = true;
    it->second->stop = true;
  }
  done_cv_.notify_all();
  return accepted;
}

std::optional<Job> Engine::wait(const std::string& job_id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto job = store_.get(job_id);
    if (!job || is_terminal(job->state) || std::chrono::steady_clock::now() >= deadline) return job;
    std::unique_lock lock(mutex_);
    done_cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

bool Engine::wait_finished(std::uint64_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return done_cv_.wait_for(lock, timeout, [&] { return finished_.load() >= count; });
}

void Engine::worker_loop() {
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = generation_;
    }
    std::optional<Job> job;
    try {
      std::lock_guard submitting(submit_mutex_);
      job = store_.claim(options_.limits, now_ms());
    } catch (const std::exception& e) {
      log("-", std::string("cannot claim a job: ") + e.what());
    }
    if (job) {
      run_job(std::move(*job));
      continue;
    }
    std::unique_lock lock(mutex_);
    work_cv_.wait_for(lock, options_.poll_interval,
                      [&] { return stopping_ || generation_ != seen; });
  }
}

void Engine::monitor_loop() {
  for (;;) {
    std::vector<std::pair<std::string, std::shared_ptr<Running>>> to_check;
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait_for(lock, options_.monitor_interval, [&] { return stopping_; });
      if (stopping_) return;
      const auto now = std::chrono::steady_clock::now();
      for (auto& [id, running] : running_) {
        if (running->deadline && now >= *running->deadline && !running->timed_out) {
          running->timed_out = true;
          running->stop = true;
        }
        // Cancels may come from another process (popgate jobs cancel): ask the store, but
        // not on every tick.
        if (now >= running->next_cancel_check) {
          running->next_cancel_check = now + std::chrono::milliseconds(200);
          to_check.emplace_back(id, running);
        }
      }
    }
    requeue_stranded();
    for (auto& [id, running] : to_check) {
      try {
        if (store_.cancel_requested(id)) {
          running->cancelled = true;
          running->stop = true;
        }
      } catch (const std::exception& e) {
        log(id, std::string("cannot read cancel request: ") + e.what());
      }
    }
  }
}

std::optional<Workflow> Engine::workflow_for(const Job& job) {
  {
    std::lock_guard lock(workflows_mutex_);
    if (auto it = workflows_.find(job.workflow_hash); it != workflows_.end()) return it->second;
  }
  if (!options_.load_workflow) return std::nullopt;
  auto workflow = options_.load_workflow(job);
  if (workflow) add_workflow(*workflow, job.workflow_hash);
  return workflow;
}

void Engine::finish(const std::string& job_id, JobState state, const std::string& error) {
  store_.finish_job(job_id, state, error, now_ms());
  log(job_id,
      std::string("job ") + std::string(to_string(state)) + (error.empty() ? "" : ": " + error));
  if (options_.on_finished) {
    try {
      if (const std::optional<Job> finished = store_.get(job_id)) options_.on_finished(*finished);
    } catch (const std::exception& e) {
      log(job_id, std::string("after the job ended: ") + e.what());
    }
  }
  ++finished_;
  {
    std::lock_guard lock(mutex_);
    ++generation_;  // a slot is free: a job held back by a limit may now run
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
}

void Engine::run_job(Job claimed) {
  try {
    auto workflow = workflow_for(claimed);
    if (!workflow) {
      finish(claimed.id, JobState::failed,
             "workflow " + claimed.workflow + " (version " + claimed.workflow_hash.substr(0, 12) +
                 ") is not loaded");
      return;
    }
    std::filesystem::create_directories(options_.work_root / claimed.id);
    Job job = store_.get(claimed.id).value_or(claimed);
    std::map<std::string, StepOutputs> outputs;
    for (const StepAttempt& a : job.attempts) {
      if (a.state == AttemptState::succeeded) outputs[a.step_id] = a.outputs;
    }
    if (job.phase == JobPhase::on_failure) {
      run_on_failure(job, *workflow, job.step_index, job.error, outputs);
      return;
    }
    for (int i = job.step_index; i < static_cast<int>(workflow->steps.size()); ++i) {
      if (store_.cancel_requested(job.id)) {
        finish(job.id, JobState::cancelled, "cancelled by an operator");
        return;
      }
      StepResult result = run_step(job, *workflow, workflow->steps[i], JobPhase::main, i, outputs);
      switch (result.kind) {
        case StepResult::Kind::succeeded:
          outputs[workflow->steps[i].id] = std::move(result.outputs);
          continue;
        case StepResult::Kind::retry:
          store_.retry_later(job.id, result.not_before, result.error);
          notify_wait(job, result.error);
          done_cv_.notify_all();
          return;
        case StepResult::Kind::cancelled:
          finish(job.id, JobState::cancelled, result.error);
          return;
        case StepResult::Kind::failed:
          store_.begin_on_failure(job.id, result.error, result.client_message);
          job.client_error = result.client_message;
          run_on_failure(job, *workflow, 0, result.error, outputs);
          return;
      }
    }
    finish(job.id, JobState::succeeded, "");
  } catch (const std::exception& e) {
    // The store itself failed (disk full, database locked for too long): the job stays
    // running in the store. Once the store takes writes again the monitor requeues it at the
    // step it was in, as recover() does at start-up: no restart needed.
    log(claimed.id, std::string("engine error, the job is requeued once the store takes writes "
                                "again: ") +
                        e.what());
    strand(claimed.id);
    notify_wait(claimed, e.what());
  }
}

void Engine::notify_wait(const Job& job, const std::string& why) {
  if (!options_.on_wait) return;
  try {
    options_.on_wait(job, why);
  } catch (const std::exception& e) {
    log(job.id, std::string("while the job waits: ") + e.what());
  }
}

void Engine::strand(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;  // the next start-up's recover() requeues it
  stranded_[job_id] =
      Stranded{std::chrono::steady_clock::now() + kFirstRequeueDelay, kFirstRequeueDelay};
}

// On the monitor thread: tries each stranded job whose time has come; a failure doubles its
// wait, up to kMaxRequeueDelay.
void Engine::requeue_stranded() {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [id, stranded] : stranded_)
      if (now >= stranded.next_try) due.push_back(id);
  }
  for (const std::string& id : due) {
    bool settled = false;  // requeued, or found no longer running
    try {
      const bool requeued = store_.recover(now_ms(), id) > 0;
      log(id, requeued ? "requeued after the storage error" : "no longer running: not requeued");
      settled = true;
    } catch (const std::exception& e) {
      log(id, std::string("still cannot requeue: ") + e.what());
    }
    std::lock_guard lock(mutex_);
    const auto it = stranded_.find(id);
    if (it == stranded_.end()) continue;
    if (settled) {
      stranded_.erase(it);
      ++generation_;
    } else {
      it->second.backoff = std::min(it->second.backoff * 2, kMaxRequeueDelay);
      it->second.next_try = std::chrono::steady_clock::now() + it->second.backoff;
    }
  }
  if (!due.empty()) work_cv_.notify_all();
}

void Engine::run_on_failure(const Job& job, const Workflow& workflow, int from,
                            const std::string& error, std::map<std::string, StepOutputs>& outputs) {
  for (int i = from; i < static_cast<int>(workflow.on_failure.size()); ++i) {
    StepResult result =
        run_step(job, workflow, workflow.on_failure[i], JobPhase::on_failure, i, outputs);
    if (result.kind == StepResult::Kind::succeeded) {
      outputs[workflow.on_failure[i].id] = std::move(result.outputs);
    } else {
      // Logged and recorded, never retried or looped: the job has failed already.
      log(job.id, "on_failure step " + workflow.on_failure[i].id + " failed: " + result.error);
    }
  }
  finish(job.id, JobState::failed, error);
}

Engine::StepResult Engine::run_step(const Job& job, const Workflow& workflow, const StepSpec& spec,
                                    JobPhase phase, int index,
                                    const std::map<std::string, StepOutputs>& outputs) {
  const int attempt = store_.start_step(job.id, phase, index, spec.id, now_ms());
  auto running = std::make_shared<Running>();
  if (spec.timeout) running->deadline = std::chrono::steady_clock::now() + *spec.timeout;
  running->next_cancel_check = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  {
    std::lock_guard lock(mutex_);
    running->stop = stopping_;
    running_[job.id] = running;
  }

  StepResult result;
  bool retryable = false;
  const auto started = std::chrono::steady_clock::now();
  try {
    const StepType* type = steps_.find(spec.uses);
    if (type == nullptr) throw StepError("unknown step type '" + spec.uses + "'", false);
    ParamScope scope;
    scope.job_id = job.id;
    scope.client_id = job.client_id;
    scope.trigger_file = std::filesystem::path(job.input_path).filename().string();
    scope.date = local_date_today();
    scope.steps = outputs;
    ResolvedParams params = resolve_params(*type, spec, scope);

    StepContext context;
    context.job_id = job.id;
    context.workflow = job.workflow;
    context.workflow_hash = job.workflow_hash;
    context.job_created_ms = job.created_ms;
    context.service = std::string(to_string(workflow.service));
    context.client_id = job.client_id;
    context.step_id = spec.id;
    context.attempt = attempt;
    context.work_dir = options_.work_root / job.id;
    context.client_root = job.client_root;
    context.input_file = job.input_path;
    if (phase == JobPhase::on_failure) context.client_error = job.client_error;
    context.params = std::move(params.params);
    context.lists = std::move(params.lists);
    context.cancelled = &running->stop;
    context.log = [this, &job, &spec](const std::string& line) {
      log(job.id, spec.id + ": " + line);
    };
    result.outputs = type->run(context);
    result.kind = StepResult::Kind::succeeded;
  } catch (const StepError& e) {
    result.error = e.what();
    result.client_message = e.client_message();
    retryable = e.retryable();
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  {
    std::lock_guard lock(mutex_);
    running_.erase(job.id);
  }

  // A deadline or a cancel overrides whatever the step returned after it: it was asked to stop.
  AttemptState state = AttemptState::failed;
  if (running->timed_out) {
    result.kind = StepResult::Kind::failed;
    result.error = "step " + spec.id + " timed out after " + describe(*spec.timeout);
    result.client_message = "processing took longer than the allowed " + describe(*spec.timeout);
    state = AttemptState::timed_out;
    retryable = true;
  } else if (running->cancelled) {
    result.kind = StepResult::Kind::cancelled;
    result.error = "cancelled by an operator";
    state = AttemptState::cancelled;
  } else if (running->stop && result.kind != StepResult::Kind::succeeded) {
    // The engine is shutting down: leave the attempt running for recover() to re-run.
    throw std::runtime_error("engine stopping during step " + spec.id);
  }

  if (options_.on_step_done) {
    const AttemptState outcome =
        result.kind == StepResult::Kind::succeeded ? AttemptState::succeeded : state;
    options_.on_step_done({job.workflow, spec.uses, std::string(to_string(outcome)),
                           std::chrono::steady_clock::now() - started});
  }
  if (result.kind == StepResult::Kind::succeeded) {
    store_.finish_step(job.id, attempt, result.outputs, now_ms());
    log(job.id, "step " + spec.id + " succeeded (attempt " + std::to_string(attempt) + ")");
    return result;
  }
  store_.fail_step(job.id, attempt, state, result.error, now_ms());
  log(job.id, "step " + spec.id + " attempt " + std::to_string(attempt) + " " +
                  std::string(to_string(state)) + ": " + result.error);
  if (result.kind != StepResult::Kind::failed || phase != JobPhase::main) return result;
  // A full disk is waited out, whatever the step's retry policy; those attempts do not count
  // against it, so a step still has its retries for other errors once space returns.
  const int waits_for_space = space_failures(job, spec.id, attempt);
  if (is_short_of_disk_space(result.error)) {
    result.kind = StepResult::Kind::retry;
    result.not_before =
        now_ms() + retry_delay(kDiskSpaceRetry, waits_for_space + 1, next_jitter()).count();
  } else if (retryable && attempt - waits_for_space < spec.retry.attempts) {
    result.kind = StepResult::Kind::retry;
    result.not_before =
        now_ms() + retry_delay(spec.retry, attempt - waits_for_space, next_jitter()).count();
  }
  return result;
}

}  // namespace popgate::workflows
