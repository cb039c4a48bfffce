// `popgate serve` against the SFTP clients that clients use: OpenSSH sftp, curl (libssh2),
// paramiko, lftp (over OpenSSH's ssh), rclone and PuTTY's psftp, each driven by
// tests/integration/sftp_clients/session. Each client, from a fresh connection per session:
// uploads 5 MiB into the inbox (its SHA-256 as the server computed it from the file on disk),
// lists the inbox, downloads a file from the outbox (SHA-256 checked), renames and removes its
// upload, and exits 0; psftp 20 times over, the others three, and every session must end
// cleanly (a reset connection fails the client). What the server must refuse (a write into the
// outbox, a symlink, a read and a write outside the client's root) is refused with
// SSH_FX_PERMISSION_DENIED, as far as each client shows the status. A sparse upload (paramiko's
// seek and write) is copied into inputs/ and a job's work directory without its holes filled,
// and its apparent size counts against the quota.
//
// One daemon per test, one ctest entry per client and test, so that `ctest -j` spreads them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "tests/integration/daemon_process.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing_support::Daemon;
using testing_support::run;
using testing_support::slurp;
using testing_support::write;

struct Client {
  std::string name;
  int sessions;   // matrix sessions, each from a fresh connection
  bool symlinks;  // whether the client can ask for a symlink (psftp and rclone cannot)
};

std::ostream& operator<<(std::ostream& out, const Client& client) {
  return out << client.name;
}

const Client kClients[] = {
    {"openssh", 3, true}, {"curl", 3, true},    {"paramiko", 3, true},
    {"lftp", 3, true},    {"rclone", 3, false}, {"psftp", 20, false},
};

// A workflow that copies each uploaded *.sparse file into its work directory.
constexpr char kKeepSparse[] = R"(name: keep-sparse
service: none
trigger:
  upload:
    path: inbox/*.sparse
steps:
  - id: received
    uses: copy
    with:
      to: received.dat
)";

std::string line_of(const std::string& text, const std::string& prefix) {
  const std::size_t at = text.find(prefix);
  if (at == std::string::npos) return "";
  return text.substr(at, text.find('\n', at) - at);
}

std::vector<fs::path> files_named(const fs::path& dir, const std::string& name) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().filename() == name) found.push_back(entry.path());
  return found;
}

struct stat stat_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

// A daemon with the client "demo", and the client sessions against it.
class ClientSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-client-matrix-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(work());
    ASSERT_EQ(run("ssh-keygen -q -t ed25519 -N '' -f " + key().string()), 0);
    write(config() / "popgate.yaml",
          "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
          "  http:\n    address: 127.0.0.1\n    port: 0\nsftp:\n  idle_timeout: 1m\n");
    write_client("demo", "");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write_client(const std::string& id, const std::string& extra) {
    write(config() / "clients" / (id + ".yaml"),
          "organisation: Demo Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
              slurp(key().string() + ".pub") + extra);
  }

  fs::path config() const { return root_ / "config"; }
  fs::path data() const { return root_ / "data"; }
  fs::path work() const { return root_ / "work"; }
  fs::path key() const { return root_ / "client_key"; }
  fs::path exchange(const std::string& id) const { return data() / "exchange" / id; }

  // Starts the daemon and writes the known_hosts line of each of its host keys.
  void start_daemon() {
    daemon_ = std::make_unique<Daemon>(config(), data(), root_ / "serve.log");
    ASSERT_TRUE(daemon_->wait_for("ready:")) << daemon_->log();
    port_ = daemon_->sftp_port();
    ASSERT_GT(port_, 0) << daemon_->log();
    std::string known;
    for (const auto& entry : fs::directory_iterator(data() / "keys")) {
      const std::string name = entry.path().filename().string();
      if (!name.starts_with("ssh_host_") || !name.ends_with(".pub")) continue;
      const std::string line = slurp(entry.path());
      known += "[127.0.0.1]:" + std::to_string(port_) + " " +
               line.substr(0, line.find(' ', line.find(' ') + 1)) + "\n";
    }
    ASSERT_FALSE(known.empty());
    write(root_ / "known_hosts", known);
  }

  // One session of `client`; its exit status, its output in output_.
  int session(const std::string& client, const std::string& mode, const std::string& name,
              const std::string& user = "demo") {
    const fs::path out = root_ / "session.out";
    const int status =
        run("cd " + work().string() + " && SFTP_HOST=127.0.0.1 SFTP_PORT=" + std::to_string(port_) +
            " SFTP_USER=" + user + " SFTP_KEY=" + key().string() +
            " SFTP_KNOWN_HOSTS=" + (root_ / "known_hosts").string() + " timeout 120 " +
            POPGATE_SOURCE_DIR + "/tests/integration/sftp_clients/session " + client + " " + mode +
            " " + name + " > " + out.string() + " 2>&1");
    output_ = slurp(out);
    return status;
  }

  // The server ended the session as OpenSSH's sshd does (exit-status, EOF and CLOSE on the
  // channel; the client disconnects): the clients' words for a connection that the server
  // dropped or reset under them.
  void expect_clean_end() const {
    for (const char* dropped : {"closed by remote host", "reset by peer", "unexpectedly closed",
                                "Connection closed", "FATAL ERROR"})
      EXPECT_EQ(output_.find(dropped), std::string::npos) << output_;
  }

  void write_random(const fs::path& path, int kib) {
    ASSERT_EQ(run("head -c " + std::to_string(kib) + "K /dev/urandom > " + path.string()), 0);
  }

  fs::path root_;
  std::unique_ptr<Daemon> daemon_;
  int port_ = 0;
  std::string output_;
};

class SftpClientMatrixTest : public ClientSessionTest,
                             public ::testing::WithParamInterface<Client> {};

TEST_P(SftpClientMatrixTest, SessionsUploadListDownloadRenameAndRemove) {
  const Client& client = GetParam();
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  ASSERT_NO_FATAL_FAILURE(write_random(exchange("demo") / "outbox" / "result.bin", 1024));
  ASSERT_NO_FATAL_FAILURE(write_random(work() / "upload.bin", 5 * 1024));
  const std::string upload_sha = crypto::sha256_hex(slurp(work() / "upload.bin"));
  const std::string result_sha =
      crypto::sha256_hex(slurp(exchange("demo") / "outbox" / "result.bin"));
  int failed = 0;
  for (int i = 0; i < client.sessions; ++i) {
    SCOPED_TRACE("session " + std::to_string(i + 1) + " of " + std::to_string(client.sessions));
    const std::string name = client.name + "-" + std::to_string(i);
    const int status = session(client.name, "matrix", name);
    if (status != 0) {
      // The next sessions still run: how often a client fails tells as much as how.
      ++failed;
      ADD_FAILURE() << "exit " << status << ":\n" << output_;
      continue;
    }
    EXPECT_NO_FATAL_FAILURE(expect_clean_end());
    EXPECT_NE(output_.find(name + ".bin"), std::string::npos) << "the listing:\n" << output_;
    EXPECT_EQ(crypto::sha256_hex(slurp(work() / "download.bin")), result_sha);
    // The rename reports the file as complete under its new name, with the SHA-256 that the
    // server computed reading the file back from the inbox.
    EXPECT_TRUE(
        daemon_->wait_for("demo: inbox/" + name + ".done (sha256 " + upload_sha + ")", 1, 10s))
        << daemon_->log();
    EXPECT_TRUE(daemon_->wait_for("upload complete inbox/" + name + ".bin (5242880 bytes)", 1, 1s))
        << daemon_->log();
    EXPECT_FALSE(fs::exists(exchange("demo") / "inbox" / (name + ".bin")));
    EXPECT_FALSE(fs::exists(exchange("demo") / "inbox" / (name + ".done")));
  }
  EXPECT_EQ(failed, 0) << failed << " of " << client.sessions << " sessions failed; the log:\n"
                       << daemon_->log();
  EXPECT_TRUE(
      daemon_->wait_for("disconnect: user \"demo\"", daemon_->count("login: user \"demo\""), 10s))
      << daemon_->log();
  EXPECT_EQ(daemon_->count("sftp bad request"), 0) << daemon_->log();
  EXPECT_EQ(daemon_->count("failed"), 0) << daemon_->log();
}

// The refusals as each client reports them: paramiko with the status code; OpenSSH sftp, psftp
// and rclone with their words for SSH_FX_PERMISSION_DENIED; curl with its exit code for it (9;
// a failed quote command is 21, with the status's name); lftp with the server's message only.
TEST_P(SftpClientMatrixTest, RefusedOperationsAreRefusedWithPermissionDenied) {
  const Client& client = GetParam();
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  write(exchange("demo") / "inbox" / "mine.bin", "mine\n");
  ASSERT_EQ(session(client.name, "refusals", "mine"), 0) << output_;
  std::vector<std::string> ops = {"outbox-write", "outside-read", "outside-write"};
  if (client.symlinks) ops.push_back("symlink");
  for (const std::string& op : ops) {
    const std::string line = line_of(output_, "refusal " + op + ": ");
    ASSERT_FALSE(line.empty()) << op << " not attempted:\n" << output_;
    if (client.name == "paramiko") {
      EXPECT_TRUE(line.starts_with("refusal " + op + ": status 3 (")) << line;
      continue;
    }
    EXPECT_EQ(line.find(": exit 0:"), std::string::npos) << "the client reported success: " << line;
    if (client.name == "curl") {
      const bool quote = op == "symlink";
      EXPECT_NE(line.find(quote ? ": exit 21:" : ": exit 9:"), std::string::npos) << line;
      if (quote) {
        EXPECT_NE(line.find("Permission denied"), std::string::npos) << line;
      }
    } else if (client.name == "openssh" && op == "outside-read") {
      // sftp's get looks the name up first (STAT) and says "not found" whatever the status.
      EXPECT_NE(line.find("File \"/etc/passwd\" not found."), std::string::npos) << line;
    } else if (client.name == "lftp") {
      // lftp shows the server's message after its own words, not the status.
      EXPECT_NE(line.find(": Access failed: "), std::string::npos) << line;
    } else if (client.name == "psftp" || client.name == "rclone") {
      EXPECT_NE(line.find("ermission denied"), std::string::npos) << line;
    } else {
      EXPECT_NE(line.find("Permission denied"), std::string::npos) << line;
    }
  }
  // Nothing was made, the outbox is as it was, and no client got a byte of /etc/passwd
  // (paramiko makes its local file before it asks).
  EXPECT_TRUE(fs::is_empty(exchange("demo") / "outbox"));
  EXPECT_EQ(files_named(data(), "mine.link").size() + files_named(data(), "mine.escape").size(),
            0u);
  for (const fs::path& got : files_named(root_, "passwd.txt"))
    EXPECT_EQ(fs::file_size(got), 0u) << got;
  EXPECT_GE(daemon_->count("sftp: demo: refused "), static_cast<int>(ops.size())) << daemon_->log();
}

std::string client_name(const ::testing::TestParamInfo<Client>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Clients, SftpClientMatrixTest, ::testing::ValuesIn(kClients), client_name);

using SparseUploadTest = ClientSessionTest;

// paramiko's f.seek(500 << 20); f.write(b"x\n"): a few KB on disk in the inbox, and no more in
// the snapshot in inputs/ or in the job's copy, though the file is 500 MiB long.
TEST_F(SparseUploadTest, ASparseUploadIsCopiedWithItsHoles) {
  write(config() / "workflows" / "keep-sparse.yaml", kKeepSparse);
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  ASSERT_EQ(session("paramiko", "sparse", "holes.sparse"), 0) << output_;
  const struct stat upload = stat_of(exchange("demo") / "inbox" / "holes.sparse");
  EXPECT_EQ(upload.st_size, (500 << 20) + 2);
  EXPECT_LT(upload.st_blocks * 512, 1 << 20);
  ASSERT_TRUE(daemon_->wait_for("] job succeeded")) << daemon_->log();
  std::vector<fs::path> copies = files_named(data() / "inputs", "holes.sparse");
  ASSERT_EQ(copies.size(), 1u) << "the snapshot in inputs/";
  for (const fs::path& copy : files_named(data(), "received.dat"))
    copies.push_back(copy);
  ASSERT_EQ(copies.size(), 2u) << "and the job's copy";
  for (const fs::path& copy : copies) {
    const struct stat st = stat_of(copy);
    EXPECT_EQ(st.st_size, upload.st_size) << copy;
    EXPECT_LE(st.st_blocks, upload.st_blocks) << copy;
  }
}

// The quota counts the file's size, not the blocks it takes: a 2-byte write at 500 MiB is over
// a 100 MB quota.
TEST_F(SparseUploadTest, ASparseUploadCountsItsSizeAgainstTheQuota) {
  write_client("small", "sftp:\n  quota: 100MB\n");
  ASSERT_NO_FATAL_FAILURE(start_daemon());
  EXPECT_NE(session("paramiko", "sparse", "holes.sparse", "small"), 0) << output_;
  EXPECT_NE(output_.find("quota exceeded (limit 100000000 bytes)"), std::string::npos) << output_;
  EXPECT_TRUE(fs::is_empty(exchange("small") / "inbox"));
  EXPECT_EQ(daemon_->count("upload complete"), 0) << daemon_->log();
}

}  // namespace
}  // namespace popgate
