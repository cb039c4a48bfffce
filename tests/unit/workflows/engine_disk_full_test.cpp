// A full disk under state.db, for real: a small tmpfs (root only: CI runs as root; elsewhere the
// test skips and says so). A step fills the disk, so the engine cannot record the step's end;
// once space returns the job finishes without a restart (it once stayed `running` until one).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include "adapters/crypto/sha256.h"
#include "adapters/store/sqlite_job_store.h"
#include "tests/unit/test_support/register_samples.h"
#include "workflows/engine/engine.h"

namespace popgate::workflows {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::TempDir;

// Writes `path` until the file system is full.
void fill(const fs::path& path) {
  std::ofstream out(path, std::ios::binary);
  const std::string block(64 * 1024, 'x');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())))
    out.flush();
}

class EngineDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs (CI runs as root)";
    mount_point_ = dir_.path() / "small";
    fs::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=4m") != 0)
      GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  TempDir dir_;
  fs::path mount_point_;
  bool mounted_ = false;
};

TEST_F(EngineDiskFullTest, AJobWhoseStoreUpdateFailedFinishesOnceSpaceReturns) {
  store::SqliteJobStore store((mount_point_ / "state.db").string());
  const fs::path filler = mount_point_ / "filler";
  std::atomic<int> runs{0};
  StepRegistry steps;
  StepType fill_disk;
  fill_disk.name = "fill_disk";
  fill_disk.summary = "test: fills the disk on its first run";
  fill_disk.run = [&](StepContext&) {
    // The first run leaves the disk full and an output too large for the space left, so that
    // recording the step's end cannot commit.
    if (++runs == 1) fill(filler);
    return StepOutputs{{"big", std::string(runs == 1 ? 512 * 1024 : 1, 'o')}};
  };
  steps.add(fill_disk);

  std::mutex log_mutex;
  std::vector<std::string> log;
  EngineOptions options;
  options.workers = 1;
  options.work_root = dir_.path() / "work";
  options.poll_interval = 5ms;
  options.monitor_interval = 5ms;
  options.log = [&](const std::string&, const std::string& line) {
    std::lock_guard lock(log_mutex);
    log.push_back(line);
    if (line.find("engine error") != std::string::npos) fs::remove(filler);  // space returns
  };
  std::vector<std::string> waits;  // Engine::on_wait's reasons
  int finished = 0;
  options.on_wait = [&](const Job&, const std::string& why) {
    std::lock_guard lock(log_mutex);
    waits.push_back(why);
  };
  options.on_finished = [&](const Job& ended) {
    EXPECT_EQ(ended.state, JobState::succeeded);
    ++finished;
  };
  Engine engine(store, steps, options);
  Workflow w;
  w.name = "fills";
  w.source_text = "name: fills";
  w.steps = {StepSpec{}};
  w.steps[0].id = "fill";
  w.steps[0].uses = "fill_disk";
  const std::string hash = crypto::sha256_hex(w.source_text);
  engine.add_workflow(w, hash);
  NewJob job;
  job.workflow = w.name;
  job.workflow_hash = hash;
  job.workflow_text = w.source_text;
  job.client_id = "client-1";
  job.client_root = (dir_.path() / "client").string();
  job.input_path = (dir_.path() / "input").string();
  job.intake_key = std::string(64, 'a');
  const std::string id = engine.submit(job).job.id;
  engine.start();
  const std::optional<Job> done = engine.wait(id, 30s);
  engine.stop();

  std::string lines;
  for (const std::string& line : log)
    lines += line + "\n";
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, JobState::succeeded) << lines;
  EXPECT_EQ(runs.load(), 2) << "the interrupted step ran again: " << lines;
  EXPECT_NE(lines.find("engine error"), std::string::npos) << "the disk was not full: " << lines;
  EXPECT_NE(lines.find("requeued after the storage error"), std::string::npos) << lines;
  // The daemon hears of the wait (and tells the client it waits for disk space).
  ASSERT_EQ(waits.size(), 1u) << lines;
  EXPECT_NE(waits[0].find("disk is full"), std::string::npos) << waits[0];
  EXPECT_EQ(finished, 1);
}

}  // namespace
}  // namespace popgate::workflows
