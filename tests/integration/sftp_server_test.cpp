// SshServer with the real OpenSSH `sftp -b` client over loopback: upload into inbox with the
// completion event, list, download and delete from outbox, a wrong key, escape attempts.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/ssh_server.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

struct Event {
  std::string user, path;
  std::uint64_t size;
  std::string sha256;
};

class SftpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sftp_server_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    root_ = base_ / "exchange" / "demo";
    fs::create_directories(root_ / "inbox");
    fs::create_directories(root_ / "outbox");
    Spit(root_ / "outbox" / "result.txt", "result line 1\nresult line 2\n");
    key_ = base_ / "client_key";
    ASSERT_EQ(Run("ssh-keygen -t ed25519 -N '' -q -f " + key_.string()), 0);
    other_key_ = base_ / "other_key";
    ASSERT_EQ(Run("ssh-keygen -t ed25519 -N '' -q -f " + other_key_.string()), 0);
    const std::string authorized = Slurp(key_.string() + ".pub");

    SshServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.host_key_dir = base_ / "keys";
    options.authorized_keys = [authorized](const std::string& user) {
      return user == "demo" ? std::vector<std::string>{authorized} : std::vector<std::string>{};
    };
    options.client_root = [this](const std::string& user) -> std::optional<fs::path> {
      if (user == "demo") return root_;
      return std::nullopt;
    };
    options.on_upload_complete = [this](const std::string& user, const std::string& path,
                                        std::uint64_t size, const std::string& sha) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back({user, path, size, sha});
    };
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.push_back(line);
    };
    server_ = std::make_unique<SshServer>(std::move(options));
    server_->start();
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }

  static int Run(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Runs `sftp -b` with `batch`; returns its exit code.
  int Sftp(const std::string& batch, const fs::path& key) {
    const fs::path batch_file = base_ / "batch";
    Spit(batch_file, batch);
    const std::string command =
        "cd " + base_.string() + " && timeout 60 sftp -F /dev/null -b " + batch_file.string() +
        " -i " + key.string() + " -P " + std::to_string(server_->port()) +
        " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
        " -o IdentitiesOnly=yes -o LogLevel=ERROR demo@127.0.0.1 > " +
        (base_ / "sftp.out").string() + " 2>&1";
    const int code = Run(command);
    sftp_output_ = Slurp(base_ / "sftp.out");
    return code;
  }

  bool Logged(const std::string& fragment) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& line : log_)
      if (line.find(fragment) != std::string::npos) return true;
    return false;
  }
  std::vector<Event> Events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

  fs::path base_, root_, key_, other_key_;
  std::unique_ptr<SshServer> server_;
  std::mutex mu_;
  std::vector<Event> events_;
  std::vector<std::string> log_;
  std::string sftp_output_;
};

TEST_F(SftpServerTest, SshUploadListDownloadDelete) {
  std::string content;
  for (int i = 0; i < 20000; ++i)
    content += "row " + std::to_string(i) + ";value\n";
  Spit(base_ / "local", content);
  const int code = Sftp(
      "put local inbox/x.csv\n"
      "ls inbox\n"
      "get outbox/result.txt local2\n"
      "rm outbox/result.txt\n",
      key_);
  ASSERT_EQ(code, 0) << sftp_output_;
  EXPECT_EQ(Slurp(root_ / "inbox" / "x.csv"), content);
  EXPECT_NE(sftp_output_.find("x.csv"), std::string::npos) << sftp_output_;
  EXPECT_EQ(Slurp(base_ / "local2"), "result line 1\nresult line 2\n");
  EXPECT_FALSE(fs::exists(root_ / "outbox" / "result.txt"));

  const auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user, "demo");
  EXPECT_EQ(events[0].path, "inbox/x.csv");
  EXPECT_EQ(events[0].size, content.size());
  EXPECT_EQ(events[0].sha256, crypto::sha256_hex(content));

  // The host key was generated, private to its owner.
  const fs::path host_key = base_ / "keys" / "ssh_host_ed25519_key";
  ASSERT_TRUE(fs::exists(host_key));
  EXPECT_EQ(fs::status(host_key).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(Logged("login: user \"demo\" from 127.0.0.1"));
  EXPECT_TRUE(Logged("disconnect: user \"demo\""));
}

TEST_F(SftpServerTest, SshHostKeyIsKeptAcrossRestarts) {
  const fs::path host_key = base_ / "keys" / "ssh_host_ed25519_key";
  const std::string first = Slurp(host_key);
  ASSERT_FALSE(first.empty());
  server_->stop();
  server_->start();
  EXPECT_EQ(Slurp(host_key), first);
  EXPECT_EQ(Sftp("ls outbox\n", key_), 0) << sftp_output_;
}

TEST_F(SftpServerTest, SshWrongKeyIsRefused) {
  Spit(base_ / "local", "data");
  EXPECT_NE(Sftp("put local inbox/x.csv\n", other_key_), 0);
  EXPECT_TRUE(Events().empty());
  EXPECT_FALSE(fs::exists(root_ / "inbox" / "x.csv"));
  EXPECT_TRUE(Logged("login refused: user \"demo\" from 127.0.0.1"));
}

TEST_F(SftpServerTest, SshEscapeAttemptsAreRefused) {
  Spit(base_ / "local", "data");
  EXPECT_NE(Sftp("put local ../escape\n", key_), 0) << sftp_output_;
  EXPECT_NE(Sftp("cd /etc\n", key_), 0) << sftp_output_;
  // '-' lets the batch go on past the refused commands; the last one must still work.
  EXPECT_EQ(Sftp("-put local ../../escape\n-get /etc/passwd pw\nput local inbox/ok.csv\n", key_), 0)
      << sftp_output_;
  EXPECT_FALSE(fs::exists(base_ / "exchange" / "escape"));
  EXPECT_FALSE(fs::exists(base_ / "escape"));
  EXPECT_FALSE(fs::exists(root_ / "escape"));
  EXPECT_FALSE(fs::exists(base_ / "pw"));
  const auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].path, "inbox/ok.csv");
  EXPECT_TRUE(Logged("refused"));
}

}  // namespace
}  // namespace popgate::sftp
