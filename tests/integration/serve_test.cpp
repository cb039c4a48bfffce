// `popgate serve` as a real process: refusing a broken configuration, SIGHUP reload that keeps
// the old configuration on errors, scheduled firings missed during downtime, one daemon per
// data dir, clean SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_process.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing_support::Daemon;
using testing_support::slurp;
using testing_support::write;

constexpr char kClient[] = R"(organisation: Demo Oy
business_id: 0737546-2
ssh_keys: []
)";

constexpr char kEcho[] = R"(name: echo
service: none
trigger:
  upload:
    path: inbox/*
steps:
  - id: sum
    uses: checksum
)";

// Yearly, so that no slot falls inside a test's few seconds (an hourly schedule would make the
// restart check fail when a run happens to cross xx:00).
constexpr char kHourly[] = R"(name: hourly
service: none
trigger:
  schedule:
    cron: "0 0 1 1 *"
    timezone: UTC
    clients: [demo]
steps:
  - id: nap
    uses: sleep
    with:
      duration: 1ms
)";

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-serve-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    write(config() / "popgate.yaml", "data_dir: " + (root_ / "unused").string() +
                                         "\nlisten:\n  sftp:\n    address: 127.0.0.1\n"
                                         "    port: 0\n");
    write(config() / "clients" / "demo.yaml", kClient);
    write(config() / "workflows" / "echo.yaml", kEcho);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path config() const { return root_ / "config"; }
  fs::path data() const { return root_ / "data"; }
  fs::path log(const std::string& name) const { return root_ / name; }

  fs::path root_;
};

TEST_F(ServeTest, RefusesToStartWithLintErrorsAndSaysWhere) {
  write(config() / "workflows" / "broken.yaml",
        "name: broken\ntrigger:\n  manual: {}\nstpes: []\n");
  Daemon daemon(config(), data(), log("serve.log"));
  EXPECT_EQ(daemon.wait_exit(), 1) << daemon.log();
  const std::string text = daemon.log();
  EXPECT_NE(text.find("broken.yaml:4:1: error: unknown key 'stpes' (did you mean 'steps'?)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("refusing to start"), std::string::npos) << text;
}

TEST_F(ServeTest, ReloadKeepsTheRunningConfigurationWhenTheNewOneIsBroken) {
  Daemon daemon(config(), data(), log("serve.log"));
  ASSERT_TRUE(daemon.wait_for("ready: 1 workflows, 1 clients")) << daemon.log();

  write(config() / "workflows" / "hourly.yaml",
        std::string(kHourly) + "    retry: {attempts: 0}\n");
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for("reload refused: keeping the running configuration (1 workflows"))
      << daemon.log();
  EXPECT_NE(daemon.log().find("hourly.yaml:"), std::string::npos) << "the error says where";

  write(config() / "workflows" / "hourly.yaml", kHourly);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(daemon.wait_for("reloaded: 2 workflows, 1 clients")) << daemon.log();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
  EXPECT_TRUE(daemon.wait_for("stopped"));
}

TEST_F(ServeTest, SlotsMissedWhileDownRunOnceAtStartAndNotAgainAfterRestart) {
  write(config() / "workflows" / "hourly.yaml", kHourly);
  fs::create_directories(data());
  // Down for 800 days: two or three New Year slots missed, run once.
  const auto long_ago = std::chrono::duration_cast<std::chrono::seconds>(
      (std::chrono::system_clock::now() - 800 * 24h).time_since_epoch());
  write(data() / "scheduler.tick", std::to_string(long_ago.count()) + "\n");
  {
    Daemon daemon(config(), data(), log("first.log"));
    ASSERT_TRUE(daemon.wait_for("slots missed")) << daemon.log();
    EXPECT_EQ(daemon.count("submitted: hourly for demo"), 1) << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
  }
  {
    Daemon daemon(config(), data(), log("second.log"));
    ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
    std::this_thread::sleep_for(1500ms);  // at least one scheduler tick
    EXPECT_EQ(daemon.count("submitted"), 0) << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
  }
}

TEST_F(ServeTest, OnlyOneDaemonPerDataDir) {
  Daemon first(config(), data(), log("first.log"));
  ASSERT_TRUE(first.wait_for("ready:")) << first.log();
  Daemon second(config(), data(), log("second.log"));
  EXPECT_EQ(second.wait_exit(), 1) << second.log();
  EXPECT_NE(second.log().find("another popgate process is using"), std::string::npos)
      << second.log();

  // `popgate run` beside the daemon would resume the daemon's running jobs: refused too.
  write(root_ / "input.txt", "hello\n");
  const std::string run = std::string(POPGATE_BINARY) + " run " +
                          (config() / "workflows" / "echo.yaml").string() +
                          " --client demo --input " + (root_ / "input.txt").string() +
                          " --data-dir " + data().string() + " 2> " + log("run.log").string();
  const int status = std::system(run.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(slurp(log("run.log")).find("another popgate process is using"), std::string::npos)
      << slurp(log("run.log"));
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(), 0);
}

}  // namespace
}  // namespace popgate
