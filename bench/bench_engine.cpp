// Engine overhead: the median cost of one trivial step, and how long 10,000 queued trivial jobs
// take to drain, each against the bare cost of one SQLite write transaction on the same
// state.db measured in the same run (targets: < 2 ms per step, <= 30 s for the drain).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/store/sqlite_job_store.h"
#include "workflows/engine/engine.h"

namespace {

using namespace popgate;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

// A step that does nothing but note when it ran: the gaps between consecutive runs are the
// engine's overhead per step (two store transactions, parameter resolution, bookkeeping).
struct NoopRecorder {
  std::mutex mutex;
  std::vector<Clock::time_point> runs;
};

workflows::StepRegistry noop_registry(NoopRecorder& recorder) {
  workflows::StepType noop;
  noop.name = "noop";
  noop.summary = "does nothing";
  noop.run = [&recorder](workflows::StepContext&) {
    std::lock_guard lock(recorder.mutex);
    recorder.runs.push_back(Clock::now());
    return workflows::StepOutputs{};
  };
  workflows::StepRegistry registry;
  registry.add(noop);
  return registry;
}

workflows::Workflow workflow_of(int steps) {
  workflows::Workflow w;
  w.name = "bench-" + std::to_string(steps);
  w.source_text = w.name;
  for (int i = 0; i < steps; ++i) {
    workflows::StepSpec spec;
    spec.id = "s" + std::to_string(i);
    spec.uses = "noop";
    w.steps.push_back(spec);
  }
  return w;
}

workflows::NewJob job_of(const workflows::Workflow& w, int i) {
  workflows::NewJob job;
  job.workflow = w.name;
  job.workflow_hash = w.name;
  job.workflow_text = w.source_text;
  job.client_id = "client-" + std::to_string(i % 10);
  job.intake_key = "input-" + std::to_string(i);
  job.concurrency.max_running_per_client = 0;
  return job;
}

}  // namespace

int main() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("popgate-bench-engine-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  store::SqliteJobStore store((dir / "state.db").string());

  // Baseline: one committed write transaction, the unit every engine step pays twice.
  std::vector<double> tx_us;
  for (int i = 0; i < 2000; ++i) {
    const auto start = Clock::now();
    store.baseline_transaction();
    tx_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  const double tx = median(tx_us);

  NoopRecorder recorder;
  const workflows::StepRegistry steps = noop_registry(recorder);
  workflows::EngineOptions options;
  options.work_root = dir / "work";
  options.log = [](const std::string&, const std::string&) {};
  options.limits.max_running = 4;
  options.limits.max_running_per_client = 4;

  // 1. One job of 500 trivial steps, one worker: the median gap between consecutive steps.
  {
    options.workers = 1;
    workflows::Engine engine(store, steps, options);
    const workflows::Workflow w = workflow_of(500);
    engine.add_workflow(w, w.name);
    const std::string id = engine.submit(job_of(w, 0)).job.id;
    engine.start();
    engine.wait(id, std::chrono::minutes(5));
    engine.stop();
  }
  std::vector<double> gaps_us;
  for (size_t i = 1; i < recorder.runs.size(); ++i) {
    gaps_us.push_back(
        std::chrono::duration<double, std::micro>(recorder.runs[i] - recorder.runs[i - 1]).count());
  }
  const double per_step = median(gaps_us);

  // 2. 10,000 queued one-step jobs from 10 clients, drained by 4 workers.
  constexpr int kJobs = 10'000;
  const workflows::Workflow one = workflow_of(1);
  options.workers = 4;
  workflows::Engine engine(store, steps, options);
  engine.add_workflow(one, one.name);
  for (int i = 0; i < kJobs; ++i)
    engine.submit(job_of(one, i));
  const auto start = Clock::now();
  engine.start();
  const bool drained = engine.wait_finished(kJobs, std::chrono::minutes(5));
  const double drain_s = std::chrono::duration<double>(Clock::now() - start).count();
  engine.stop();

  std::printf("baseline: one SQLite write transaction on state.db: %.1f us (median of 2000)\n", tx);
  std::printf(
      "engine overhead per trivial step: %.1f us median = %.1fx baseline "
      "(target < 2000 us)\n",
      per_step, per_step / tx);
  std::printf(
      "drain %d queued trivial jobs, 4 workers: %.2f s%s = %.0f jobs/s, "
      "%.1f us/job = %.1fx baseline (target <= 30 s)\n",
      kJobs, drain_s, drained ? "" : " (TIMED OUT)", kJobs / drain_s, drain_s * 1e6 / kJobs,
      drain_s * 1e6 / kJobs / tx);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return drained && per_step < 2000 && drain_s <= 30 ? 0 : 1;
}
