// kill -9 during a real job of the real `popgate run`, then run it again: the interrupted step
// runs again, and the job finishes once with its output in the outbox once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "adapters/store/sqlite_job_store.h"
#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::workflows {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kWorkflow = R"(name: crash-test
description: Stages the input, waits (the test kills popgate here), then publishes it.
trigger:
  upload:
    path: "inbox/*.csv"
steps:
  - id: stage
    uses: copy
    with:
      to: "${trigger.file}"
  - id: nap
    uses: sleep
    with:
      duration: NAP
  - id: out
    uses: publish
    with:
      file: "${steps.stage.path}"
      name: "${job.id}-${trigger.file}"
  - id: after
    uses: sleep
    with:
      duration: NAP
)";

class CrashRecoveryTest : public ::testing::Test {
 protected:
  void write_workflow(const std::string& nap) {
    std::string text = kWorkflow;
    for (size_t at; (at = text.find("NAP")) != std::string::npos;)
      text.replace(at, 3, nap);
    std::ofstream(dir_.file("wf.yaml")) << text;
    std::ofstream(dir_.file("in.csv")) << "hetu;name\n010101-123N;Testi\n";
  }

  std::vector<std::string> args() const {
    return {"run",        dir_.file("wf.yaml"), "--client", "c1",
            "--input",    dir_.file("in.csv"),  "--out",    dir_.file("client"),
            "--data-dir", dir_.file("data")};
  }

  // Starts `popgate run` in the background; its output goes to files in the temp dir.
  pid_t spawn() const {
    const pid_t pid = fork();
    if (pid == 0) {
      std::vector<std::string> words = args();
      std::vector<char*> argv;
      std::string binary = POPGATE_BINARY;
      argv.push_back(binary.data());
      for (std::string& w : words)
        argv.push_back(w.data());
      argv.push_back(nullptr);
      const std::string out = dir_.file("bg.out");
      if (!freopen(out.c_str(), "w", stdout) || !freopen(out.c_str(), "a", stderr)) _exit(127);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    return pid;
  }

  // Whether a step attempt of `step_id` is running according to state.db.
  bool step_running(const std::string& step_id) {
    if (!fs::exists(dir_.file("data/state.db"))) return false;
    try {
      store::SqliteJobStore store(dir_.file("data/state.db"));
      for (const Job& listed : store.list({})) {
        auto job = store.get(listed.id);
        for (const StepAttempt& a : job->attempts) {
          if (a.step_id == step_id && a.state == AttemptState::running) return true;
        }
      }
    } catch (const std::exception&) {
      // The database may be being created; look again.
    }
    return false;
  }

  void kill_when_running(pid_t pid, const std::string& step_id) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!step_running(step_id) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(step_running(step_id)) << testing::read_file(dir_.file("bg.out"));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }

  void expect_finished_once() {
    store::SqliteJobStore store(dir_.file("data/state.db"));
    const auto jobs = store.list({});
    ASSERT_EQ(jobs.size(), 1u) << "one job, however often it was started";
    auto job = store.get(jobs[0].id);
    EXPECT_EQ(job->state, JobState::succeeded) << job->error;
    int published = 0;
    for (const StepAttempt& a : job->attempts)
      published += a.step_id == "out" && a.state == AttemptState::succeeded;
    EXPECT_GE(published, 1);
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir_.file("client/outbox")))
      files.push_back(entry.path().filename().string());
    ASSERT_EQ(files.size(), 1u) << "no second copy and no temp file";
    EXPECT_EQ(files[0], job->id + "-in.csv");
    EXPECT_EQ(testing::read_file(dir_.file("client/outbox/" + files[0])),
              testing::read_file(dir_.file("in.csv")));
  }

  testing::TempDir dir_;
};

TEST_F(CrashRecoveryTest, KillDuringAStepResumesThatStepAndPublishesOnce) {
  write_workflow("1500ms");
  kill_when_running(spawn(), "nap");

  const auto rerun = testing::run_popgate(args(), dir_.path().string());
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  store::SqliteJobStore store(dir_.file("data/state.db"));
  auto job = store.get(store.list({})[0].id);
  std::vector<std::pair<std::string, AttemptState>> seen;
  for (const StepAttempt& a : job->attempts)
    seen.emplace_back(a.step_id, a.state);
  const std::vector<std::pair<std::string, AttemptState>> expected = {
      {"stage", AttemptState::succeeded},
      {"nap", AttemptState::interrupted},
      {"nap", AttemptState::succeeded},
      {"out", AttemptState::succeeded},
      {"after", AttemptState::succeeded}};
  EXPECT_EQ(seen, expected) << rerun.out;
  expect_finished_once();

  // A third run finds the finished job and discloses nothing again.
  const auto again = testing::run_popgate(args(), dir_.path().string());
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("already has job"), std::string::npos) << again.err;
  expect_finished_once();
}

TEST_F(CrashRecoveryTest, KillAfterPublishingReRunsNothingTwice) {
  write_workflow("1500ms");
  kill_when_running(spawn(), "after");  // the file is in the outbox; the job is not finished
  const auto rerun = testing::run_popgate(args(), dir_.path().string());
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  expect_finished_once();
}

TEST_F(CrashRecoveryTest, KillAtRandomMomentsStillFinishesOnce) {
  write_workflow("150ms");
  std::mt19937 random(std::random_device{}());
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = spawn();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(random)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  const auto rerun = testing::run_popgate(args(), dir_.path().string());
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  expect_finished_once();
}

}  // namespace
}  // namespace popgate::workflows
