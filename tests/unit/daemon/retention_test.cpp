#include "daemon/retention.h"

#include <gtest/gtest.h>

#include <fstream>

#include "adapters/store/sqlite_job_store.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::daemon {
namespace {

namespace fs = std::filesystem;

workflows::DeliveredFile delivered(std::string client, std::string path, std::int64_t expires_ms) {
  workflows::DeliveredFile f;
  f.client_id = std::move(client);
  f.job_id = "job-1";
  f.path = std::move(path);
  f.expires_ms = expires_ms;
  return f;
}

TEST(Retention, RemovesDueOutboxFilesAndNothingElse) {
  testing::TempDir dir;
  const fs::path exchange = dir.path() / "exchange";
  fs::create_directories(exchange / "acme" / "outbox");
  fs::create_directories(exchange / "acme" / "inbox");
  std::ofstream(exchange / "acme" / "outbox" / "old.p7m") << "x";
  std::ofstream(exchange / "acme" / "outbox" / "new.p7m") << "x";
  std::ofstream(exchange / "acme" / "inbox" / "register.csv") << "x";
  std::ofstream(dir.path() / "state.db.keep") << "x";
  store::SqliteDeliveryStore deliveries(dir.file("state.db"));
  store::SqliteJobStore jobs(dir.file("state.db"));
  deliveries.record(
      {delivered("acme", "outbox/old.p7m", 100), delivered("acme", "outbox/new.p7m", 10'000),
       // Records no `deliver` writes: never acted on, whatever they say.
       delivered("acme", "inbox/register.csv", 100),
       delivered("acme", "outbox/../../../state.db.keep", 100),
       delivered("../acme", "outbox/new.p7m", 100), delivered("acme", "outbox/gone.p7m", 100)});
  Retention retention(dir.path(), deliveries, jobs);
  EXPECT_EQ(retention.sweep_outbox(5000), 1);
  EXPECT_FALSE(fs::exists(exchange / "acme" / "outbox" / "old.p7m"));
  EXPECT_TRUE(fs::exists(exchange / "acme" / "outbox" / "new.p7m"));
  EXPECT_TRUE(fs::exists(exchange / "acme" / "inbox" / "register.csv"));
  EXPECT_TRUE(fs::exists(dir.path() / "state.db.keep"));
  EXPECT_TRUE(deliveries.due(5000).empty()) << "handled records are forgotten";
  EXPECT_EQ(retention.sweep_outbox(20'000), 1);
  EXPECT_FALSE(fs::exists(exchange / "acme" / "outbox" / "new.p7m"));
}

// A succeeded job's files go at once, a failed job's after retention.failed_jobs, a queued
// job's input stays, and so does a fresh upload copy that no job names yet.
TEST(Retention, FinishedJobsWorkDirsAndInputsGoWhenNoLongerNeeded) {
  testing::TempDir dir;
  store::SqliteDeliveryStore deliveries(dir.file("state.db"));
  store::SqliteJobStore jobs(dir.file("state.db"));
  const auto input = [&](const std::string& key) {
    const fs::path path = dir.path() / "inputs" / key / "register.csv";
    fs::create_directories(path.parent_path());
    std::ofstream(path) << key;
    return path;
  };
  const auto submit = [&](const std::string& key, std::int64_t now) {
    workflows::NewJob job;
    job.workflow = "w";
    job.workflow_hash = "h";
    job.client_id = "acme";
    job.input_path = input(key).string();
    job.intake_key = key;
    const std::string id = jobs.submit(job, now).job.id;
    fs::create_directories(dir.path() / "work" / id);
    return id;
  };
  constexpr std::int64_t kDay = 24LL * 3600 * 1000;
  const std::int64_t t0 = workflows::now_ms() - 30 * kDay;
  const std::string succeeded = submit("a", t0);
  const std::string failed_old = submit("b", t0);
  const std::string failed_new = submit("c", t0);
  const std::string queued = submit("d", t0);
  fs::remove(dir.path() / "work" / queued);  // queued jobs have no work dir yet
  jobs.finish_job(succeeded, workflows::JobState::succeeded, "", t0 + 1000);
  jobs.finish_job(failed_old, workflows::JobState::failed, "x", t0 + 1000);
  jobs.finish_job(failed_new, workflows::JobState::failed, "x", t0 + 29 * kDay);
  const fs::path stray = input("e");  // an upload copy no job names, written just now

  Retention retention(dir.path(), deliveries, jobs);
  retention.set_failed_jobs(std::chrono::hours(24 * 7));
  // Inputs were written now, so they are "fresh" for ten minutes: sweep as of an hour later.
  // Two work dirs and three inputs (a, b and the stray e).
  EXPECT_EQ(retention.sweep_jobs(workflows::now_ms() + 3600 * 1000), 5);
  EXPECT_FALSE(fs::exists(dir.path() / "work" / succeeded));
  EXPECT_FALSE(fs::exists(dir.path() / "work" / failed_old));
  EXPECT_TRUE(fs::exists(dir.path() / "work" / failed_new));
  EXPECT_FALSE(fs::exists(dir.path() / "inputs" / "a"));
  EXPECT_FALSE(fs::exists(dir.path() / "inputs" / "b"));
  EXPECT_TRUE(fs::exists(dir.path() / "inputs" / "c" / "register.csv"));
  EXPECT_TRUE(fs::exists(dir.path() / "inputs" / "d" / "register.csv"));
  EXPECT_FALSE(fs::exists(stray)) << "no job needs it and it is an hour old";

  const fs::path fresh = input("f");
  EXPECT_EQ(retention.sweep_jobs(workflows::now_ms()), 0);
  EXPECT_TRUE(fs::exists(fresh)) << "a copy written just now may be waiting for its job";
}

TEST(Retention, OnlyPlainOutboxNamesAreRemovable) {
  EXPECT_TRUE(removable_outbox_path("outbox/a.zip.p7m"));
  EXPECT_FALSE(removable_outbox_path("outbox/"));
  EXPECT_FALSE(removable_outbox_path("outbox/.a.tmp"));
  EXPECT_FALSE(removable_outbox_path("outbox/sub/a"));
  EXPECT_FALSE(removable_outbox_path("inbox/a"));
  EXPECT_FALSE(removable_outbox_path("/outbox/a"));
}

}  // namespace
}  // namespace popgate::daemon
