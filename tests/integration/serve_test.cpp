// `popgate serve` as a real process: refusing a broken configuration, SIGHUP reload that keeps
// the old configuration on errors, scheduled firings missed during downtime, one daemon per
// data dir, clean SIGTERM, and what it tells systemd on the notify socket.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
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
                                         "    port: 0\n  http:\n    address: 127.0.0.1\n"
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

// systemd's side of Type=notify: a datagram socket named by NOTIFY_SOCKET, as PID 1 makes it.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval wait{0, 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    reader_ = std::thread([this] {
      char buffer[4096];
      while (!stop_) {
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mu_);
        messages_.emplace_back(buffer, static_cast<std::size_t>(n));
      }
    });
  }
  ~NotifySocket() {
    stop_ = true;
    reader_.join();
    ::close(fd_);
  }
  bool bound() const { return bound_; }
  // Waits until a message equal to, or starting with, `text` arrived after the first `after`.
  std::optional<std::size_t> wait_for(const std::string& text, std::size_t after = 0,
                                      std::chrono::seconds limit = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        for (std::size_t i = after; i < messages_.size(); ++i)
          if (messages_[i].starts_with(text)) return i;
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  std::string all() {
    std::lock_guard lock(mu_);
    std::string text;
    for (const std::string& m : messages_)
      text += "[" + m + "] ";
    return text;
  }

 private:
  fs::path path_;
  int fd_ = -1;
  bool bound_ = false;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

// What `systemctl status` and the watchdog see: READY=1 once the listeners are up, STATUS=
// lines, WATCHDOG=1 every second, RELOADING=1 then READY=1 around a reload, STOPPING=1.
TEST_F(ServeTest, TellsSystemdWhenItIsReadyWhatItDoesAndThatItIsAlive) {
  NotifySocket systemd(root_ / "notify.sock");
  ASSERT_TRUE(systemd.bound());
  ::setenv("NOTIFY_SOCKET", (root_ / "notify.sock").c_str(), 1);
  Daemon daemon(config(), data(), log("serve.log"));
  ::unsetenv("NOTIFY_SOCKET");

  const std::optional<std::size_t> ready = systemd.wait_for("READY=1");
  ASSERT_TRUE(ready) << systemd.all() << daemon.log();
  EXPECT_GT(daemon.admin_port(), 0) << "READY=1 before the admin listener was up";
  EXPECT_GT(daemon.sftp_port(), 0) << "READY=1 before the SFTP server was up";
  const std::optional<std::size_t> status =
      systemd.wait_for("WATCHDOG=1\nSTATUS=0 jobs running, 0 queued; 0 SFTP sessions", *ready);
  ASSERT_TRUE(status) << systemd.all();
  // The main loop's keep-alive: every second, whether or not the status changed.
  const std::optional<std::size_t> alive = systemd.wait_for("WATCHDOG=1", *status + 1, 5s);
  ASSERT_TRUE(alive) << systemd.all();
  ASSERT_TRUE(systemd.wait_for("WATCHDOG=1", *alive + 1, 5s)) << systemd.all();

  daemon.signal(SIGHUP);
  const std::optional<std::size_t> reloading = systemd.wait_for("RELOADING=1", *ready + 1);
  ASSERT_TRUE(reloading) << systemd.all();
  EXPECT_TRUE(systemd.wait_for("READY=1", *reloading + 1)) << systemd.all();

  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
  EXPECT_TRUE(systemd.wait_for("STOPPING=1", *reloading + 1, 5s)) << systemd.all();
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
