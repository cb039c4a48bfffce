#include "workflows/engine/engine.h"

#include <gtest/gtest.h>

#include <fstream>

#include "adapters/crypto/sha256.h"
#include "adapters/store/sqlite_job_store.h"
#include "steps/builtin_steps.h"
#include "tests/unit/test_support/register_samples.h"
#include "workflows/engine/backoff.h"
#include "workflows/engine/params.h"

namespace popgate::workflows {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

ParamValue text(std::string value) {
  ParamValue p;
  p.text = std::move(value);
  return p;
}

StepSpec step(std::string id, std::string uses, std::map<std::string, ParamValue> with = {}) {
  StepSpec spec;
  spec.id = std::move(id);
  spec.uses = std::move(uses);
  spec.with = std::move(with);
  return spec;
}

// An engine over a real state.db in a temp dir, with the built-in steps.
class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : store_(dir_.file("state.db")), steps_(steps::builtin_steps()) {
    std::ofstream(dir_.file("input.csv")) << "a;b\n1;2\n";
    options_.workers = 2;
    options_.work_root = dir_.path() / "work";
    options_.poll_interval = 5ms;
    options_.monitor_interval = 5ms;
    options_.log = [](const std::string&, const std::string&) {};
  }

  Job run(Workflow workflow, std::chrono::milliseconds timeout = 20s) {
    workflow.source_text = "name: " + workflow.name + " " + std::to_string(counter_++);
    const std::string hash = crypto::sha256_hex(workflow.source_text);
    engine_ = std::make_unique<Engine>(store_, steps_, options_);
    engine_->add_workflow(workflow, hash);
    NewJob job;
    job.workflow = workflow.name;
    job.workflow_hash = hash;
    job.workflow_text = workflow.source_text;
    job.client_id = "client-1";
    job.client_root = (dir_.path() / "client").string();
    job.input_path = dir_.file("input.csv");
    job.intake_key = crypto::sha256_file(job.input_path).sha256 + hash;
    const std::string id = engine_->submit(job).job.id;
    engine_->start();
    if (on_started_) on_started_(*engine_, id);
    auto done = engine_->wait(id, timeout);
    engine_->stop();
    return *done;
  }

  std::vector<StepAttempt> attempts_of(const Job& job, const std::string& step_id) {
    std::vector<StepAttempt> found;
    for (const StepAttempt& a : job.attempts) {
      if (a.step_id == step_id) found.push_back(a);
    }
    return found;
  }

  TempDir dir_;
  store::SqliteJobStore store_;
  StepRegistry steps_;
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
  std::function<void(Engine&, const std::string&)> on_started_;
  int counter_ = 0;
};

TEST_F(EngineTest, RunsStepsInOrderWithSubstitutionAndPublishes) {
  Workflow w;
  w.name = "pipeline";
  w.steps = {step("sum", "checksum"), step("stage", "copy", {{"to", text("${client.id}.csv")}}),
             step("out", "publish",
                  {{"file", text("${steps.stage.path}")},
                   {"name", text("${job.id}-${date}-${trigger.file}")}})};
  const Job job = run(w);
  ASSERT_EQ(job.state, JobState::succeeded) << job.error;
  ASSERT_EQ(job.attempts.size(), 3u);
  EXPECT_EQ(job.attempts[0].outputs.at("sha256"),
            crypto::sha256_file(dir_.file("input.csv")).sha256);
  EXPECT_EQ(job.attempts[0].outputs.at("size"), "8");
  const std::string name = job.id + "-" + local_date_today() + "-input.csv";
  EXPECT_EQ(job.attempts[2].outputs.at("path"), "outbox/" + name);
  EXPECT_EQ(testing::read_file((dir_.path() / "client/outbox" / name).string()), "a;b\n1;2\n");
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "work" / job.id / "client-1.csv"));
}

TEST_F(EngineTest, RetriesARetryableFailureWithGrowingBackoff) {
  Workflow w;
  w.name = "flaky";
  StepSpec flaky =
      step("flaky", "fail", {{"retryable", text("true")}, {"succeed_from_attempt", text("3")}});
  flaky.retry.attempts = 3;
  flaky.retry.backoff = 100ms;
  flaky.retry.max_backoff = 10s;
  w.steps = {flaky};
  const Job job = run(w);
  ASSERT_EQ(job.state, JobState::succeeded) << job.error;
  const auto attempts = attempts_of(job, "flaky");
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].state, AttemptState::failed);
  EXPECT_EQ(attempts[0].error, "failed on purpose");
  EXPECT_EQ(attempts[1].state, AttemptState::failed);
  EXPECT_EQ(attempts[2].state, AttemptState::succeeded);
  EXPECT_EQ(attempts[2].attempt, 3);
  // 100 ms, then 200 ms, each plus at most 20% jitter (and some scheduling slack).
  const auto gap1 = attempts[1].started_ms - *attempts[0].finished_ms;
  const auto gap2 = attempts[2].started_ms - *attempts[1].finished_ms;
  EXPECT_GE(gap1, 100);
  EXPECT_LE(gap1, 120 + 1000);  // generous: ctest -j may keep the worker from waking
  EXPECT_GE(gap2, 200);
  EXPECT_LE(gap2, 240 + 1000);
}

// A full disk is waited out (1 s, then 2 s, ...) whatever the step's retry policy allows: here
// one attempt in all, and the step still succeeds on its third once "space returns".
TEST_F(EngineTest, WaitsOutAFullDiskBeyondTheRetryPolicy) {
  Workflow w;
  w.name = "disk";
  StepSpec write = step("write", "fail",
                        {{"message", text("cannot write out.csv: No space left on device")},
                         {"succeed_from_attempt", text("3")}});
  ASSERT_EQ(write.retry.attempts, 1);
  w.steps = {write};
  const Job job = run(w);
  ASSERT_EQ(job.state, JobState::succeeded) << job.error;
  const auto attempts = attempts_of(job, "write");
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].state, AttemptState::failed);
  EXPECT_EQ(attempts[1].state, AttemptState::failed);
  EXPECT_GE(attempts[1].started_ms - *attempts[0].finished_ms, 1000);
  EXPECT_GE(attempts[2].started_ms - *attempts[1].finished_ms, 2000);
}

TEST(RetryDelay, DoublesUpToTheCapWithBoundedJitter) {
  RetryPolicy policy;
  policy.backoff = 1000ms;
  policy.max_backoff = 5000ms;
  EXPECT_EQ(retry_delay(policy, 1, 0.0), 1000ms);
  EXPECT_EQ(retry_delay(policy, 2, 0.0), 2000ms);
  EXPECT_EQ(retry_delay(policy, 3, 0.0), 4000ms);
  EXPECT_EQ(retry_delay(policy, 4, 0.0), 5000ms);
  EXPECT_EQ(retry_delay(policy, 60, 0.0), 5000ms);
  EXPECT_EQ(retry_delay(policy, 1, 0.999999), 1199ms);
  EXPECT_EQ(retry_delay(policy, 60, 1.0), 6000ms);
}

TEST_F(EngineTest, RetriesStopAtTheAttemptLimit) {
  Workflow w;
  w.name = "always";
  StepSpec failing = step("boom", "fail", {{"retryable", text("true")}});
  failing.retry.attempts = 2;
  failing.retry.backoff = 10ms;
  w.steps = {failing};
  const Job job = run(w);
  EXPECT_EQ(job.state, JobState::failed);
  EXPECT_EQ(attempts_of(job, "boom").size(), 2u);
  EXPECT_EQ(job.error, "failed on purpose");
}

TEST_F(EngineTest, OnFailureStepsRunOnceEvenWhenTheyFail) {
  Workflow w;
  w.name = "broken";
  StepSpec boom = step("boom", "fail", {{"message", text("no permit")}});
  boom.retry.attempts = 5;  // not retryable: the policy does not apply
  w.steps = {step("stage", "copy", {{"to", text("x.csv")}}), boom,
             step("never", "copy", {{"to", text("y.csv")}})};
  StepSpec report_fail = step("report", "fail", {{"retryable", text("true")}});
  report_fail.retry.attempts = 3;
  w.on_failure = {report_fail, step("notify", "publish", {{"file", text("x.csv")}})};
  const Job job = run(w);
  EXPECT_EQ(job.state, JobState::failed);
  EXPECT_EQ(job.error, "no permit");
  EXPECT_EQ(attempts_of(job, "boom").size(), 1u);
  EXPECT_TRUE(attempts_of(job, "never").empty());
  ASSERT_EQ(attempts_of(job, "report").size(), 1u);
  EXPECT_EQ(attempts_of(job, "report")[0].phase, JobPhase::on_failure);
  ASSERT_EQ(attempts_of(job, "notify").size(), 1u);
  EXPECT_EQ(attempts_of(job, "notify")[0].state, AttemptState::succeeded);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "client/outbox/x.csv"));
}

TEST_F(EngineTest, TheClientGetsAnErrorReportWithWhatItMayBeTold) {
  Workflow w;
  w.name = "refused";
  w.steps = {step("boom", "fail", {{"message", text("denied: permit P/1 is revoked")}})};
  w.on_failure = {step("report", "error_report")};
  const Job job = run(w);
  ASSERT_EQ(job.state, JobState::failed);
  EXPECT_EQ(job.client_error, "denied: permit P/1 is revoked");
  const std::string report =
      testing::read_file((dir_.path() / "client/outbox" / (job.id + "-status.json")).string());
  EXPECT_NE(report.find("\"state\": \"failed\""), std::string::npos) << report;
  EXPECT_NE(report.find("\"job\": \"" + job.id + "\""), std::string::npos) << report;
  EXPECT_NE(report.find("\"reason\": \"denied: permit P/1 is revoked\""), std::string::npos)
      << report;
}

TEST_F(EngineTest, AnInternalFailureIsReportedWithoutItsDetails) {
  Workflow w;
  w.name = "internal";
  // copy of a missing work file: a plain StepError without a client message.
  w.steps = {step("stage", "copy", {{"from", text("missing/secret-path.csv")}, {"to", text("x")}})};
  w.on_failure = {step("report", "error_report", {{"name", text("failure.json")}})};
  const Job job = run(w);
  ASSERT_EQ(job.state, JobState::failed);
  EXPECT_NE(job.error.find("secret-path"), std::string::npos) << job.error;
  const std::string report =
      testing::read_file((dir_.path() / "client/outbox/failure.json").string());
  EXPECT_EQ(report.find("secret-path"), std::string::npos) << report;
  EXPECT_NE(report.find("internal error; the operator can look it up by the job id"),
            std::string::npos)
      << report;
}

TEST_F(EngineTest, ATimeoutIsReportedToTheClientAsSuch) {
  Workflow w;
  w.name = "slow-report";
  StepSpec slow = step("slow", "sleep", {{"duration", text("30s")}});
  slow.timeout = 100ms;
  w.steps = {slow};
  w.on_failure = {step("report", "error_report")};
  const Job job = run(w);
  ASSERT_EQ(job.state, JobState::failed);
  EXPECT_EQ(job.client_error, "processing took longer than the allowed 100ms");
}

TEST_F(EngineTest, AStepThatOverrunsItsTimeoutFailsAsTimedOut) {
  Workflow w;
  w.name = "slow";
  StepSpec slow = step("slow", "sleep", {{"duration", text("30s")}});
  slow.timeout = 100ms;
  w.steps = {slow};
  const auto start = std::chrono::steady_clock::now();
  const Job job = run(w);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(job.state, JobState::failed);
  ASSERT_EQ(job.attempts.size(), 1u);
  EXPECT_EQ(job.attempts[0].state, AttemptState::timed_out);
  EXPECT_NE(job.error.find("timed out after 100ms"), std::string::npos) << job.error;
}

TEST_F(EngineTest, CancellingStopsTheRunningStepAndSkipsTheRest) {
  Workflow w;
  w.name = "long";
  w.steps = {step("wait", "sleep", {{"duration", text("30s")}}),
             step("after", "copy", {{"to", text("x")}})};
  w.on_failure = {step("report", "copy", {{"to", text("r")}})};
  on_started_ = [](Engine& engine, const std::string& id) {
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(engine.cancel(id));
  };
  const auto start = std::chrono::steady_clock::now();
  const Job job = run(w);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(job.state, JobState::cancelled);
  EXPECT_EQ(attempts_of(job, "wait")[0].state, AttemptState::cancelled);
  EXPECT_TRUE(attempts_of(job, "after").empty());
  EXPECT_TRUE(attempts_of(job, "report").empty()) << "a cancel is not a failure";
}

TEST_F(EngineTest, ACancelFromAnotherConnectionReachesTheRunningStep) {
  Workflow w;
  w.name = "remote-cancel";
  w.steps = {step("wait", "sleep", {{"duration", text("30s")}})};
  on_started_ = [this](Engine&, const std::string& id) {
    std::this_thread::sleep_for(200ms);
    store::SqliteJobStore other(dir_.file("state.db"));  // as `popgate jobs cancel` would
    EXPECT_TRUE(other.request_cancel(id, now_ms()));
  };
  const Job job = run(w, 10s);
  EXPECT_EQ(job.state, JobState::cancelled);
}

TEST_F(EngineTest, ParametersAreTypeCheckedAfterSubstitution) {
  Workflow w;
  w.name = "typed";
  w.steps = {step("boom", "fail", {{"succeed_from_attempt", text("${client.id}")}})};
  const Job job = run(w);
  EXPECT_EQ(job.state, JobState::failed);
  EXPECT_NE(job.error.find("'client-1' is not a whole number"), std::string::npos) << job.error;
}

TEST_F(EngineTest, UnknownReferencesAndEscapingPathsFail) {
  Workflow w;
  w.name = "refs";
  w.steps = {step("stage", "copy", {{"to", text("${steps.nope.path}")}})};
  EXPECT_NE(run(w).error.find("unknown reference ${steps.nope.path}"), std::string::npos);
  w.steps = {step("stage", "copy", {{"to", text("../../etc/passwd")}})};
  EXPECT_NE(run(w).error.find("leaves its directory"), std::string::npos);
}

TEST_F(EngineTest, AJobKeepsTheWorkflowVersionItStartedWith) {
  // The engine knows no workflow by this job's hash: it asks load_workflow, which sees the
  // text stored with the job.
  std::string seen_text;
  options_.load_workflow = [&seen_text](const Job& job) -> std::optional<Workflow> {
    seen_text = job.workflow_text;
    Workflow w;
    w.name = job.workflow;
    w.steps = {step("sum", "checksum")};
    return w;
  };
  Engine engine(store_, steps_, options_);
  NewJob job;
  job.workflow = "old";
  job.workflow_hash = "v1";
  job.workflow_text = "name: old  # version 1";
  job.client_id = "c";
  job.input_path = dir_.file("input.csv");
  const std::string id = engine.submit(job).job.id;
  engine.start();
  auto done = engine.wait(id, 10s);
  engine.stop();
  EXPECT_EQ(done->state, JobState::succeeded) << done->error;
  EXPECT_EQ(seen_text, "name: old  # version 1");
}

TEST_F(EngineTest, ManyJobsFromManyClientsAllFinishOnce) {
  Workflow w;
  w.name = "bulk";
  w.source_text = "bulk";
  w.steps = {step("sum", "checksum")};
  options_.workers = 4;
  Engine engine(store_, steps_, options_);
  engine.add_workflow(w, "bulk-hash");
  engine.start();
  for (int i = 0; i < 200; ++i) {
    NewJob job;
    job.workflow = "bulk";
    job.workflow_hash = "bulk-hash";
    job.client_id = "c" + std::to_string(i % 7);
    job.input_path = dir_.file("input.csv");
    job.intake_key = std::to_string(i);
    engine.submit(job);
  }
  EXPECT_TRUE(engine.wait_finished(200, 60s));
  engine.stop();
  EXPECT_EQ(engine.finished_jobs(), 200u);
  EXPECT_EQ(store_.list({.state = JobState::succeeded, .client_id = {}, .limit = 1000}).size(),
            200u);
}

}  // namespace
}  // namespace popgate::workflows
