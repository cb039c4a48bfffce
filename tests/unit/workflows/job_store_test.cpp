#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/store/sqlite_job_store.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::store {
namespace {

using testing::TempDir;
using workflows::ClaimLimits;
using workflows::JobPhase;
using workflows::JobState;
using workflows::NewJob;

NewJob new_job(const std::string& client, const std::string& input_sha,
               const std::string& workflow = "wf") {
  NewJob job;
  job.workflow = workflow;
  job.workflow_hash = "hash-" + workflow;
  job.workflow_text = "name: " + workflow;
  job.client_id = client;
  job.client_root = "/clients/" + client;
  job.input_path = "/in/" + input_sha;
  job.intake_key = input_sha;
  job.input_sha256 = "sha-of-" + input_sha;
  job.concurrency.max_running_per_client = 0;
  return job;
}

ClaimLimits unlimited() {
  ClaimLimits limits;
  limits.max_running = 1000;
  limits.max_running_per_client = 1000;
  return limits;
}

TEST(SqliteJobStore, SubmittingTheSameInputTwiceReturnsTheSameJob) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  auto first = store.submit(new_job("c1", "aaa"), 1000);
  auto second = store.submit(new_job("c1", "aaa"), 2000);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(first.job.id, second.job.id);
  EXPECT_EQ(store.list({}).size(), 1u);
  // Another client, input or workflow is another job.
  EXPECT_TRUE(store.submit(new_job("c2", "aaa"), 3000).created);
  EXPECT_TRUE(store.submit(new_job("c1", "bbb"), 3000).created);
  EXPECT_TRUE(store.submit(new_job("c1", "aaa", "other"), 3000).created);
  EXPECT_EQ(store.list({}).size(), 4u);
}

TEST(SqliteJobStore, KeepsTheInputsSha256BesideItsIntakeKey) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  const std::string id = store.submit(new_job("a", "key"), 100).job.id;
  const std::optional<workflows::Job> job = store.get(id);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->intake_key, "key");
  EXPECT_EQ(job->input_sha256, "sha-of-key");
}

// A state.db written by an earlier version is upgraded in place when opened, and its jobs are
// kept: version 1 had no client_error; versions 1 and 2 called the intake key input_sha256 and
// did not keep the input's own SHA-256.
TEST(SqliteJobStore, UpgradesEarlierSchemaVersions) {
  for (const int version : {1, 2}) {
    SCOPED_TRACE("version " + std::to_string(version));
    testing::TempDir dir;
    std::string id;
    {
      store::SqliteJobStore store(dir.file("state.db"));
      id = store.submit(new_job("a", "x"), 100).job.id;
    }
    {
      store::Database db(dir.file("state.db"), store::OpenMode::read_write);
      db.exec(
          "ALTER TABLE jobs DROP COLUMN input_sha256; "
          "ALTER TABLE jobs RENAME COLUMN intake_key TO input_sha256",
          "downgrading to version 2");
      if (version == 1) db.exec("ALTER TABLE jobs DROP COLUMN client_error", "downgrading");
      db.exec("PRAGMA user_version = " + std::to_string(version), "downgrading");
    }
    store::SqliteJobStore store(dir.file("state.db"));
    ASSERT_TRUE(store.get(id).has_value());
    EXPECT_EQ(store.get(id)->intake_key, "x");
    EXPECT_EQ(store.get(id)->input_sha256, "") << "not known for a job of an earlier version";
    const workflows::SubmitResult again = store.submit(new_job("a", "x"), 200);
    EXPECT_FALSE(again.created) << "the same submission is still the same job";
    EXPECT_EQ(again.job.id, id);
    store.begin_on_failure(id, "boom", "bad row");
    EXPECT_EQ(store.get(id)->client_error, "bad row");
  }
}

TEST(SqliteJobStore, JobIdsAreUniqueAndSortableByCreation) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  std::set<std::string> ids;
  for (int i = 0; i < 500; ++i)
    ids.insert(store.submit(new_job("c", std::to_string(i)), 1'763'822'101'000).job.id);
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(ids.begin()->substr(0, 16), "20251122-143501-");
}

TEST(SqliteJobStore, ClaimIsRoundRobinBetweenClientsAndOldestFirstWithin) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  std::vector<std::string> a, b;
  for (int i = 0; i < 4; ++i)
    a.push_back(store.submit(new_job("a", "a" + std::to_string(i)), 100 + i).job.id);
  for (int i = 0; i < 2; ++i)
    b.push_back(store.submit(new_job("b", "b" + std::to_string(i)), 200 + i).job.id);
  std::vector<std::string> order;
  while (auto job = store.claim(unlimited(), 1000))
    order.push_back(job->id);
  const std::vector<std::string> expected = {a[0], b[0], a[1], b[1], a[2], a[3]};
  EXPECT_EQ(order, expected);
}

TEST(SqliteJobStore, ClaimHonoursGlobalAndPerClientLimits) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  for (int i = 0; i < 5; ++i) {
    store.submit(new_job("a", "a" + std::to_string(i)), 100);
    store.submit(new_job("b", "b" + std::to_string(i)), 100);
  }
  ClaimLimits limits;
  limits.max_running = 3;
  limits.max_running_per_client = 2;
  auto j1 = store.claim(limits, 1000);
  auto j2 = store.claim(limits, 1000);
  auto j3 = store.claim(limits, 1000);
  ASSERT_TRUE(j1 && j2 && j3);
  EXPECT_FALSE(store.claim(limits, 1000)) << "global limit of 3";
  store.finish_job(j1->id, JobState::succeeded, "", 1000);
  auto j4 = store.claim(limits, 1000);
  ASSERT_TRUE(j4);
  // Whatever the interleaving, no client ever has more than 2 running.
  int running_a = 0;
  for (const auto& job : store.list({.state = JobState::running, .client_id = {}, .limit = 100}))
    running_a += job.client_id == "a";
  EXPECT_LE(running_a, 2);
  limits.max_running = 100;
  int claimed = 0;
  while (store.claim(limits, 1000))
    ++claimed;
  EXPECT_EQ(claimed, 1) << "both clients are at 2 running: one more for the one at 1";
}

TEST(SqliteJobStore, ClaimHonoursTheWorkflowsConcurrency) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  for (int i = 0; i < 3; ++i) {
    NewJob job = new_job("c" + std::to_string(i), "x", "serial");
    job.concurrency.max_running = 1;
    store.submit(job, 100);
  }
  store.submit(new_job("c0", "y", "free"), 100);
  auto first = store.claim(unlimited(), 1000);
  auto second = store.claim(unlimited(), 1000);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->workflow, second->workflow);
  EXPECT_FALSE(store.claim(unlimited(), 1000)) << "serial allows one job at a time";
}

TEST(SqliteJobStore, ARetryingJobWaitsForNotBefore) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  const std::string id = store.submit(new_job("c", "x"), 100).job.id;
  ASSERT_TRUE(store.claim(unlimited(), 1000));
  const int attempt = store.start_step(id, JobPhase::main, 0, "s", 1000);
  EXPECT_EQ(attempt, 1);
  store.fail_step(id, attempt, workflows::AttemptState::failed, "busy", 1001);
  store.retry_later(id, 5000, "busy");
  EXPECT_EQ(store.get(id)->state, JobState::retrying);
  EXPECT_FALSE(store.claim(unlimited(), 4999));
  auto job = store.claim(unlimited(), 5000);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->step_index, 0);
  EXPECT_EQ(store.start_step(id, JobPhase::main, 0, "s", 5000), 2);
}

TEST(SqliteJobStore, RecoverRequeuesRunningJobsAtTheInterruptedStep) {
  TempDir dir;
  std::string id;
  {
    SqliteJobStore store(dir.file("state.db"));
    id = store.submit(new_job("c", "x"), 100).job.id;
    ASSERT_TRUE(store.claim(unlimited(), 1000));
    const int a = store.start_step(id, JobPhase::main, 0, "first", 1000);
    store.finish_step(id, a, {{"out", "v"}}, 1001);
    store.start_step(id, JobPhase::main, 1, "second", 1002);
  }  // "crash": the store is closed with the job running
  SqliteJobStore store(dir.file("state.db"));
  EXPECT_EQ(store.recover(2000, std::nullopt), 1);
  auto job = store.get(id);
  EXPECT_EQ(job->state, JobState::queued);
  EXPECT_EQ(job->step_index, 1);
  ASSERT_EQ(job->attempts.size(), 2u);
  EXPECT_EQ(job->attempts[0].outputs.at("out"), "v");
  EXPECT_EQ(job->attempts[1].state, workflows::AttemptState::interrupted);
  EXPECT_EQ(store.recover(2000, std::nullopt), 0);
}

TEST(SqliteJobStore, CancelAndRetry) {
  TempDir dir;
  SqliteJobStore store(dir.file("state.db"));
  const std::string queued = store.submit(new_job("c", "q"), 100).job.id;
  EXPECT_TRUE(store.request_cancel(queued, 200));
  EXPECT_EQ(store.get(queued)->state, JobState::cancelled);
  EXPECT_FALSE(store.request_cancel(queued, 200)) << "already finished";

  const std::string running = store.submit(new_job("c", "r"), 100).job.id;
  ASSERT_TRUE(store.claim(unlimited(), 1000));
  EXPECT_FALSE(store.cancel_requested(running));
  EXPECT_TRUE(store.request_cancel(running, 1000));
  EXPECT_TRUE(store.cancel_requested(running));
  EXPECT_EQ(store.get(running)->state, JobState::running) << "its worker stops it";

  EXPECT_FALSE(store.retry(running)) << "only failed or cancelled jobs";
  store.begin_on_failure(running, "boom", "bad row");
  EXPECT_EQ(store.get(running)->client_error, "bad row");
  store.finish_job(running, JobState::failed, "boom", 1100);
  EXPECT_TRUE(store.retry(running));
  auto job = store.get(running);
  EXPECT_EQ(job->client_error, "") << "a retried job starts with a clean slate";
  EXPECT_EQ(job->state, JobState::queued);
  EXPECT_EQ(job->phase, JobPhase::main);
  EXPECT_EQ(job->run, 2);
  EXPECT_TRUE(store.retry(queued));
}

TEST(SqliteJobStore, RefusesAStateDbFromANewerPopgate) {
  TempDir dir;
  { SqliteJobStore store(dir.file("state.db")); }
  {
    Database db(dir.file("state.db"), OpenMode::read_write);
    db.exec("PRAGMA user_version = 99", "test");
  }
  EXPECT_THROW(SqliteJobStore store(dir.file("state.db")), registry::StoreError);
}

TEST(SqliteJobStore, OutputsSurviveAnyBytes) {
  const workflows::StepOutputs outputs = {{"a", ""}, {"b:2", "x\n3:y"}, {"", "z"}};
  EXPECT_EQ(decode_outputs(encode_outputs(outputs)), outputs);
}

}  // namespace
}  // namespace popgate::store
