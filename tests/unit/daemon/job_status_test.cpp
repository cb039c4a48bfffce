// The client's status file while its job waits for disk space, on real files.
#include "daemon/job_status.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/test_support/register_samples.h"
#include "workflows/engine/disk_space.h"

namespace popgate::daemon {
namespace {

namespace fs = std::filesystem;

class JobStatusTest : public ::testing::Test {
 protected:
  JobStatusTest() {
    fs::create_directories(dir_.path() / "client" / "outbox");
    job_.id = "20261203-101500-abcdef";
    job_.workflow = "update";
    job_.client_root = (dir_.path() / "client").string();
  }
  fs::path status() const { return dir_.path() / "client" / "outbox" / (job_.id + "-status.json"); }

  testing::TempDir dir_;
  workflows::Job job_;
};

TEST_F(JobStatusTest, ADiskFullErrorIsNamedSoAndOthersAreNot) {
  EXPECT_TRUE(
      workflows::is_short_of_disk_space("cannot write out/result.csv: No space left on device"));
  EXPECT_TRUE(workflows::is_short_of_disk_space("state.db: committing: database or disk is full"));
  EXPECT_TRUE(workflows::is_short_of_disk_space("Disk quota exceeded"));
  EXPECT_FALSE(workflows::is_short_of_disk_space("connection refused"));
  EXPECT_FALSE(workflows::is_short_of_disk_space(""));
}

TEST_F(JobStatusTest, AJobWaitingForSpaceSaysDelayedUntilItEnds) {
  note_job_waiting(job_, "step match: cannot write: No space left on device");
  const std::string text = testing::read_file(status().string());
  EXPECT_NE(text.find("\"state\": \"delayed\""), std::string::npos) << text;
  EXPECT_NE(text.find("short of disk space"), std::string::npos) << text;
  EXPECT_NE(text.find(job_.id), std::string::npos) << text;
  clear_delayed_status(job_);
  EXPECT_FALSE(fs::exists(status())) << "a job that ended without a status of its own";
}

TEST_F(JobStatusTest, OtherWaitsAndOtherStatusesAreLeftAlone) {
  note_job_waiting(job_, "sftp push: connection refused");
  EXPECT_FALSE(fs::exists(status()));

  std::ofstream(status()) << "{\"job\": \"x\", \"state\": \"delivered\"}\n";
  note_job_waiting(job_, "No space left on device");
  clear_delayed_status(job_);
  EXPECT_EQ(testing::read_file(status().string()), "{\"job\": \"x\", \"state\": \"delivered\"}\n");

  std::ofstream(status(), std::ios::trunc) << "{\"job\": \"x\", \"state\": \"failed\"}\n";
  clear_delayed_status(job_);
  EXPECT_TRUE(fs::exists(status())) << "a failure report stays";
}

}  // namespace
}  // namespace popgate::daemon
