// `popgate serve` with its SFTP server, driven by the real OpenSSH `sftp` client: a completed
// upload starts the workflow whose trigger matches, once per file; an upload cut off by a
// killed client or a killed daemon starts nothing and leaves nothing behind; a reload that
// disables a client locks it out.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_process.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing_support::capture;
using testing_support::Daemon;
using testing_support::run;
using testing_support::slurp;
using testing_support::write;

// Returns each uploaded .csv as outbox/<job id>-<name>.
constexpr char kReturnCsv[] = R"(name: return-csv
service: none
trigger:
  upload:
    path: inbox/*.csv
steps:
  - id: received
    uses: copy
    with:
      to: received.dat
  - id: publish
    uses: publish
    with:
      file: ${steps.received.path}
      name: ${job.id}-${trigger.file}
)";

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file()) files.push_back(entry.path());
  return files;
}

class ServeSftpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-serve-sftp-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    ASSERT_EQ(run("ssh-keygen -q -t ed25519 -N '' -f " + key().string()), 0);
    write(config() / "popgate.yaml",
          "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
          "  http:\n    address: 127.0.0.1\n    port: 0\n"
          "sftp:\n  idle_timeout: 1m\n");
    write_client(false);
    write(config() / "workflows" / "return-csv.yaml", kReturnCsv);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write_client(bool disabled) {
    write(config() / "clients" / "demo.yaml",
          "organisation: Demo Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
              slurp(key().string() + ".pub") + "disabled: " + (disabled ? "true" : "false") + "\n");
  }

  fs::path config() const { return root_ / "config"; }
  fs::path data() const { return root_ / "data"; }
  fs::path key() const { return root_ / "client_key"; }
  fs::path inbox() const { return data() / "exchange" / "demo" / "inbox"; }
  fs::path outbox() const { return data() / "exchange" / "demo" / "outbox"; }

  std::unique_ptr<Daemon> start_daemon(const std::string& log_name) {
    auto daemon = std::make_unique<Daemon>(config(), data(), root_ / log_name);
    EXPECT_TRUE(daemon->wait_for("ready:")) << daemon->log();
    return daemon;
  }

  // The sftp command line for `batch` against `port`; `extra` goes before the destination.
  std::string sftp_command(int port, const std::string& batch, const std::string& extra = "") {
    write(root_ / "batch", batch);
    return "cd " + root_.string() + " && exec timeout 120 sftp -F /dev/null -b batch -i " +
           key().string() + " -P " + std::to_string(port) +
           " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
           " -o IdentitiesOnly=yes -o LogLevel=ERROR " +
           extra + " demo@127.0.0.1 > sftp.out 2>&1";
  }
  int sftp(int port, const std::string& batch) { return run(sftp_command(port, batch)); }
  std::string sftp_output() const { return slurp(root_ / "sftp.out"); }

  // Starts a slow (rate-limited) upload in its own process group; returns its pid.
  pid_t start_slow_upload(int port, const std::string& local, const std::string& remote) {
    const std::string command = sftp_command(port, "put " + local + " " + remote + "\n", "-l 4000");
    const pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }

  // Waits until a hidden ".part" upload shows in the inbox.
  bool wait_for_partial_upload() {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const fs::path& file : files_in(inbox())) {
        if (file.filename().string().ends_with(".part") && fs::file_size(file) > 0) return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  void write_random(const fs::path& path, int mib) {
    ASSERT_EQ(run("head -c " + std::to_string(mib) + "M /dev/urandom > " + path.string()), 0);
  }

  fs::path root_;
};

TEST_F(ServeSftpTest, EachCompletedUploadStartsTheMatchingWorkflowOnce) {
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  write(root_ / "a.csv", "id;name\n1;Aino\n");
  write(root_ / "b.csv", "id;name\n2;Eino\n");
  write(root_ / "notes.txt", "not for any workflow\n");
  ASSERT_EQ(sftp(port,
                 "put a.csv inbox/a.csv\n"
                 "put b.csv inbox/b.csv\n"
                 "put notes.txt inbox/notes.txt\n"),
            0)
      << sftp_output();
  ASSERT_TRUE(daemon->wait_for("] job succeeded", 2)) << daemon->log();
  EXPECT_EQ(daemon->count("submitted: return-csv for demo on upload inbox/"), 2) << daemon->log();
  EXPECT_TRUE(daemon->wait_for("inbox/notes.txt (sha256 ")) << daemon->log();
  EXPECT_NE(daemon->log().find("matches no workflow"), std::string::npos);

  // The results come back through the client's outbox, over SFTP.
  const std::vector<fs::path> results = files_in(outbox());
  ASSERT_EQ(results.size(), 2u);
  std::string a_result;
  for (const fs::path& r : results)
    if (r.filename().string().ends_with("-a.csv")) a_result = r.filename().string();
  ASSERT_FALSE(a_result.empty());
  ASSERT_EQ(sftp(port, "get outbox/" + a_result + " back.csv\n"), 0) << sftp_output();
  EXPECT_EQ(slurp(root_ / "back.csv"), "id;name\n1;Aino\n");

  // The same content uploaded again is a new upload: a new job, not a duplicate.
  ASSERT_EQ(sftp(port, "put a.csv inbox/a.csv\n"), 0) << sftp_output();
  ASSERT_TRUE(daemon->wait_for("] job succeeded", 3)) << daemon->log();
  EXPECT_EQ(daemon->count("submitted: return-csv for demo on upload inbox/a.csv"), 2);
  EXPECT_EQ(daemon->count("already submitted"), 0);
}

// WinSCP and FileZilla upload large files to "name.filepart" and rename them when complete.
TEST_F(ServeSftpTest, AnUploadRenamedIntoPlaceStartsTheWorkflow) {
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  write(root_ / "c.csv", "id;name\n3;Kaarina\n");
  ASSERT_EQ(sftp(port,
                 "put c.csv inbox/c.csv.filepart\n"
                 "rename inbox/c.csv.filepart inbox/c.csv\n"),
            0)
      << sftp_output();
  ASSERT_TRUE(daemon->wait_for("] job succeeded")) << daemon->log();
  EXPECT_EQ(daemon->count("submitted: return-csv for demo on upload inbox/c.csv ("), 1)
      << daemon->log();
  EXPECT_EQ(daemon->count("submitted"), 1) << "the .filepart name matches no workflow";
  const std::vector<fs::path> results = files_in(outbox());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(slurp(results[0]), "id;name\n3;Kaarina\n");
}

TEST_F(ServeSftpTest, AnUploadCutOffByTheClientStartsNothing) {
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  write_random(root_ / "big.csv", 8);
  const pid_t upload = start_slow_upload(port, "big.csv", "inbox/big.csv");
  ASSERT_TRUE(wait_for_partial_upload()) << daemon->log();
  kill(-upload, SIGKILL);
  waitpid(upload, nullptr, 0);
  ASSERT_TRUE(daemon->wait_for("disconnect: user \"demo\"")) << daemon->log();
  EXPECT_TRUE(files_in(inbox()).empty()) << "the partial upload must be gone";
  EXPECT_EQ(daemon->count("submitted"), 0) << daemon->log();
  EXPECT_EQ(daemon->count("upload complete"), 0) << daemon->log();
}

TEST_F(ServeSftpTest, AnUploadCutOffByAKilledDaemonIsRemovedAtTheNextStart) {
  auto first = start_daemon("first.log");
  const int port = first->sftp_port();
  ASSERT_GT(port, 0) << first->log();
  write_random(root_ / "big.csv", 8);
  const pid_t upload = start_slow_upload(port, "big.csv", "inbox/big.csv");
  ASSERT_TRUE(wait_for_partial_upload()) << first->log();
  first->signal(SIGKILL);
  EXPECT_EQ(first->wait_exit(), -1);
  kill(-upload, SIGKILL);
  waitpid(upload, nullptr, 0);
  ASSERT_EQ(files_in(inbox()).size(), 1u) << "the killed daemon leaves its .part file";

  auto second = start_daemon("second.log");
  EXPECT_NE(second->log().find("removed 1 interrupted uploads"), std::string::npos)
      << second->log();
  EXPECT_TRUE(files_in(inbox()).empty());
  EXPECT_EQ(first->count("submitted") + second->count("submitted"), 0);
}

TEST_F(ServeSftpTest, ResumedUploadCompletesTheFile) {
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  std::string rows;
  for (int i = 0; i < 5000; ++i)
    rows += std::to_string(i) + ";row\n";
  write(root_ / "half.csv", rows.substr(0, rows.size() / 2));
  write(root_ / "full.csv", rows);
  ASSERT_EQ(sftp(port, "put half.csv inbox/list.csv\nreput full.csv inbox/list.csv\n"), 0)
      << sftp_output();
  EXPECT_EQ(slurp(inbox() / "list.csv"), rows);
  ASSERT_TRUE(daemon->wait_for("] job succeeded", 2)) << daemon->log();
}

TEST_F(ServeSftpTest, AReloadThatDisablesAClientLocksItOut) {
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  ASSERT_EQ(sftp(port, "ls inbox\n"), 0) << sftp_output();
  write_client(true);
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for("reloaded:")) << daemon->log();
  EXPECT_NE(sftp(port, "ls inbox\n"), 0) << sftp_output();
  EXPECT_TRUE(daemon->wait_for("login refused: user \"demo\"")) << daemon->log();
}

// docs/configuration.md: the sftp settings other than listen and the defender apply to the next
// login after a reload. The connection limits used to be read once at start.
TEST_F(ServeSftpTest, AReloadAppliesTheSftpLimitsToTheNextConnection) {
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  const auto reload_with = [&](const std::string& sftp_settings, int reloads) {
    write(config() / "popgate.yaml",
          "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
          "  http:\n    address: 127.0.0.1\n    port: 0\n"
          "sftp:\n  idle_timeout: 1m\n" +
              sftp_settings);
    daemon->signal(SIGHUP);
    return daemon->wait_for("reloaded:", reloads);
  };
  write_random(root_ / "big.csv", 8);
  write_random(root_ / "two.dat", 2);

  ASSERT_TRUE(reload_with("  max_sessions_per_address: 1\n  max_file_size: 1MB\n", 1))
      << daemon->log();
  const pid_t upload = start_slow_upload(port, "big.csv", "inbox/big.csv");
  ASSERT_TRUE(wait_for_partial_upload()) << daemon->log();
  EXPECT_NE(sftp(port, "ls inbox\n"), 0) << sftp_output();
  EXPECT_TRUE(daemon->wait_for("sessions open from this address (max_sessions_per_address 1)"))
      << daemon->log();

  ASSERT_TRUE(reload_with("  max_sessions: 1\n", 2)) << daemon->log();
  EXPECT_NE(sftp(port, "ls inbox\n"), 0) << sftp_output();
  EXPECT_TRUE(daemon->wait_for("1 sessions open (max_sessions 1)")) << daemon->log();
  kill(-upload, SIGKILL);
  waitpid(upload, nullptr, 0);
  ASSERT_TRUE(daemon->wait_for("disconnect: user \"demo\"")) << daemon->log();

  ASSERT_TRUE(reload_with("  max_file_size: 1MB\n", 3)) << daemon->log();
  EXPECT_NE(sftp(port, "put two.dat inbox/two.dat\n"), 0) << sftp_output();
  EXPECT_NE(sftp_output().find("write remote \"/inbox/two.dat\": Failure"), std::string::npos)
      << sftp_output();
  EXPECT_FALSE(fs::exists(inbox() / "two.dat"));
  ASSERT_TRUE(reload_with("", 4)) << daemon->log();
  EXPECT_EQ(sftp(port, "put two.dat inbox/two.dat\n"), 0) << sftp_output();
}

TEST_F(ServeSftpTest, RepeatedFailuresBanTheAddressAcrossRestarts) {
  write(config() / "popgate.yaml",
        "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
        "  http:\n    address: 127.0.0.1\n    port: 0\n"
        "sftp:\n  defender: {threshold: 2, score_invalid_auth: 1, ban_time: 1h}\n");
  ASSERT_EQ(run("ssh-keygen -q -t ed25519 -N '' -f " + (root_ / "stranger").string()), 0);
  const fs::path right_key = key();
  auto daemon = start_daemon("first.log");
  const int port = daemon->sftp_port();
  ASSERT_GT(port, 0) << daemon->log();
  ASSERT_EQ(sftp(port, "ls inbox\n"), 0) << sftp_output();
  // Two connections with a key the client does not have: the second one reaches the threshold.
  for (int i = 0; i < 2; ++i) {
    const std::string command = sftp_command(port, "ls inbox\n");
    const std::string stranger = command.substr(0, command.find(" -i ")) + " -i " +
                                 (root_ / "stranger").string() +
                                 command.substr(command.find(" -P "));
    EXPECT_NE(run(stranger), 0);
  }
  ASSERT_TRUE(daemon->wait_for("ban: 127.0.0.1 until")) << daemon->log();
  EXPECT_NE(sftp(port, "ls inbox\n"), 0) << "the right key from a banned address";
  EXPECT_TRUE(daemon->wait_for("connection refused: 127.0.0.1 is banned")) << daemon->log();
  daemon->signal(SIGTERM);
  ASSERT_EQ(daemon->wait_exit(), 0);

  auto second = start_daemon("second.log");
  const int second_port = second->sftp_port();
  EXPECT_NE(sftp(second_port, "ls inbox\n"), 0) << "the ban survives a restart";
  EXPECT_TRUE(second->wait_for("connection refused: 127.0.0.1 is banned")) << second->log();

  // The operator lists the ban and lifts it; the running daemon follows without a restart.
  const std::string bans = std::string(POPGATE_BINARY) + " bans ";
  const std::string listed = capture(bans + "list --data-dir " + data().string());
  EXPECT_NE(listed.find("\n127.0.0.1  "), std::string::npos) << listed;
  EXPECT_NE(listed.find("score"), std::string::npos) << listed;
  EXPECT_EQ(run(bans + "unban 127.0.0.1 --data-dir " + data().string()), 0);
  EXPECT_NE(run(bans + "unban 127.0.0.1 --data-dir " + data().string()), 0) << "no longer banned";
  ASSERT_TRUE(second->wait_for("127.0.0.1 unbanned by an operator")) << second->log();
  EXPECT_EQ(sftp(second_port, "ls inbox\n"), 0) << sftp_output();
  EXPECT_NE(capture(bans + "list --data-dir " + data().string()).find("no address is banned"),
            std::string::npos);
}

// A permit revoked (and reloaded) while a job runs stops its delivery: the workflow checks its
// permit first and again right before delivering, and the client's error report says which
// rule failed. A delivery is on record in the audit log before the client sees it, and a
// delete-after-download result goes once the client has fetched it whole.
TEST_F(ServeSftpTest, APermitRevokedWhileTheJobRunsStopsTheDelivery) {
  write(config() / "permits" / "p.yaml",
        "id: DVV/5/2026\nholders: [demo]\npurpose: register upkeep\nlegal_basis: law\n"
        "services: [update]\ndata_groups: [identity, names]\nvalid_from: 2020-01-01\n"
        "revoked: false\n");
  write(config() / "workflows" / "return-csv.yaml", R"(name: update-csv
service: update
trigger:
  upload:
    path: inbox/*.csv
steps:
  - id: allowed
    uses: permit
    with:
      groups: [identity, names]
  - id: persons
    uses: copy
    with:
      to: persons.txt
  - id: result
    uses: copy
    with:
      to: result/${job.id}-${trigger.file}
  - id: slow
    uses: sleep
    with:
      duration: 3s
  - id: still_allowed
    uses: permit
    with:
      groups: [identity, names]
  - id: deliver
    uses: deliver
    with:
      dir: result
      persons: ${steps.persons.path}
      permit: ${steps.still_allowed.permit}
      groups: ${steps.still_allowed.groups}
      delete_after_download: true
on_failure:
  - id: report
    uses: error_report
)");
  auto daemon = start_daemon("serve.log");
  const int port = daemon->sftp_port();
  write(root_ / "a.csv", "010190-999W\n");
  ASSERT_EQ(sftp(port, "put a.csv inbox/a.csv\n"), 0) << sftp_output();
  ASSERT_TRUE(daemon->wait_for("] job succeeded")) << daemon->log();
  EXPECT_EQ(daemon->count("allowed by permit DVV/5/2026 (register upkeep)"), 2) << daemon->log();
  EXPECT_EQ(daemon->count("audit: record 1 appended; chain head "), 1) << daemon->log();
  std::vector<std::string> delivered = names_in(outbox());
  ASSERT_EQ(delivered.size(), 2u);  // the result and its status file
  const std::string result = delivered[0].ends_with("-a.csv") ? delivered[0] : delivered[1];
  const std::string audit_person = capture(std::string(POPGATE_BINARY) + " audit person " +
                                           "010190-999W --data-dir " + data().string());
  EXPECT_NE(audit_person.find("DVV/5/2026"), std::string::npos) << audit_person;
  EXPECT_NE(audit_person.find(result), std::string::npos) << audit_person;

  ASSERT_EQ(sftp(port, "get outbox/" + result + " " + (root_ / "got.csv").string() + "\n"), 0)
      << sftp_output();
  EXPECT_EQ(slurp(root_ / "got.csv"), "010190-999W\n");
  ASSERT_TRUE(daemon->wait_for("retention: removed demo:outbox/" + result + " (downloaded)"))
      << daemon->log();
  EXPECT_FALSE(fs::exists(outbox() / result));

  ASSERT_EQ(sftp(port, "put a.csv inbox/b.csv\n"), 0) << sftp_output();
  ASSERT_TRUE(daemon->wait_for("step allowed succeeded", 2)) << daemon->log();
  ASSERT_EQ(run(std::string(POPGATE_BINARY) + " permit revoke DVV/5/2026 --config " +
                config().string() + " > /dev/null"),
            0);
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->wait_for("reloaded:")) << daemon->log();
  ASSERT_TRUE(daemon->wait_for("job failed")) << daemon->log();
  EXPECT_NE(daemon->log().find("permit check failed: denied: permit DVV/5/2026 is revoked"),
            std::string::npos)
      << daemon->log();
  delivered = names_in(outbox());
  ASSERT_EQ(delivered.size(), 2u) << "only the first status file and the error report";
  std::string report;
  for (const std::string& name : delivered) {
    const std::string text = slurp(outbox() / name);
    if (text.find("\"failed\"") != std::string::npos) report = text;
    EXPECT_FALSE(name.ends_with("-b.csv")) << "nothing delivered after the revocation";
  }
  EXPECT_NE(report.find("\"reason\": \"denied: permit DVV/5/2026 is revoked\""), std::string::npos)
      << report;
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --data-dir " + data().string() +
                " > /dev/null"),
            0);
}

// Two daemons: A pushes each uploaded CSV to B, the "client's own server", with B's host key
// pinned in A's client file and A's appliance key authorized in B's.
TEST_F(ServeSftpTest, ResultsArePushedToTheClientsOwnServer) {
  const fs::path b_config = root_ / "b-config", b_data = root_ / "b-data";
  write(b_config / "popgate.yaml",
        "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
        "  http:\n    address: 127.0.0.1\n    port: 0\n");
  fs::create_directories(data() / "keys");
  ASSERT_EQ(run("ssh-keygen -q -t ed25519 -N '' -C popgate -f " +
                (data() / "keys" / "ssh_client_ed25519_key").string()),
            0);
  write(b_config / "clients" / "demo-push.yaml",
        "organisation: Demo Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
            slurp(data() / "keys" / "ssh_client_ed25519_key.pub"));
  Daemon b(b_config, b_data, root_ / "b.log");
  ASSERT_TRUE(b.wait_for("ready:")) << b.log();
  const std::string b_host_key = slurp(b_data / "keys" / "ssh_host_ed25519_key.pub");
  ASSERT_FALSE(b_host_key.empty());

  write(config() / "clients" / "demo.yaml",
        "organisation: Demo Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
            slurp(key().string() + ".pub") +
            "push:\n  host: 127.0.0.1\n  port: " + std::to_string(b.sftp_port()) +
            "\n  user: demo-push\n  directory: /inbox\n  host_key: \"" +
            b_host_key.substr(0, b_host_key.find_last_not_of("\n") + 1) + "\"\n");
  write(config() / "workflows" / "return-csv.yaml", R"(name: push-csv
service: none
trigger:
  upload:
    path: inbox/*.csv
steps:
  - id: received
    uses: copy
    with:
      to: received.dat
  - id: push
    uses: sftp_push
    with:
      file: ${steps.received.path}
      name: ${job.id}-${trigger.file}
      temporary: false
    retry:
      attempts: 3
      backoff: 1s
)");
  auto a = start_daemon("a.log");
  write(root_ / "a.csv", "id;name\n1;Aino\n");
  ASSERT_EQ(sftp(a->sftp_port(), "put a.csv inbox/a.csv\n"), 0) << sftp_output();
  ASSERT_TRUE(a->wait_for("] job succeeded")) << a->log();
  const std::vector<fs::path> pushed = files_in(b_data / "exchange" / "demo-push" / "inbox");
  ASSERT_EQ(pushed.size(), 1u) << b.log();
  EXPECT_TRUE(pushed[0].filename().string().ends_with("-a.csv"));
  EXPECT_EQ(slurp(pushed[0]), "id;name\n1;Aino\n");
  EXPECT_TRUE(b.wait_for("upload complete inbox/")) << b.log();
}

}  // namespace
}  // namespace popgate
