// `make demo`'s script, run for real as the README tells a new user to: scripts/demo with the
// just-built popgate, a small register, an SFTP port the kernel picks, in a fresh directory.
// What it shows must be true: the result it decrypted is the one the appliance delivered, its
// rows are the uploaded ones, matched to the persons they were made from, the disclosure is
// on record, and no server is left behind.
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/daemon_process.h"
#include "tests/unit/test_support/csv_table.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing_support::capture;
using testing_support::run;
using testing_support::slurp;
using Table = testing::CsvTable;
using testing::read_csv_table;

// A listening TCP socket on 127.0.0.1, on a port the kernel picks: a port that is in use.
class Listener {
 public:
  Listener() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 && listen(fd_, 1) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~Listener() { close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// Processes whose command line mentions `text` (a popgate serve left running, say).
std::vector<std::string> processes_mentioning(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    for (char& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(text) != std::string::npos && cmdline.find(" serve ") != std::string::npos)
      found.push_back(pid + ": " + cmdline);
  }
  return found;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-demo-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { fs::remove_all(root_); }

  // Runs scripts/demo in root_ with a small register; its exit code. Output in demo.out.
  int run_demo(const std::string& sftp_port) {
    return run("cd " + root_.string() +
               // Nothing of the developer's own demo settings.
               " && env -u POPGATE_DEMO_DIR POPGATE_DEMO_KEEP_RUNNING=0"
               " POPGATE_DEMO_PERSONS=3000 POPGATE_DEMO_ROWS=200 POPGATE_DEMO_PORT=" +
               sftp_port + " POPGATE_DEMO_HTTP_PORT=" + std::to_string(free_port()) +
               " POPGATE_DEMO_TIMEOUT=120 timeout 300 " + POPGATE_SOURCE_DIR + "/scripts/demo " +
               POPGATE_BINARY + " > demo.out 2>&1");
  }
  std::string output() const { return slurp(root_ / "demo.out"); }
  fs::path demo() const { return root_ / "demo"; }

  // A port that was free a moment ago, for the health listener (released for the daemon).
  static int free_port() { return Listener().port(); }

  fs::path root_;
};

TEST_F(DemoTest, ShowsTheUpdateServiceEndToEndAndLeavesNoServerRunning) {
  ASSERT_EQ(run_demo("0"), 0) << output();
  const std::string out = output();
  EXPECT_NE(out.find("Verification successful"), std::string::npos) << out;
  EXPECT_NE(out.find("sftp -i " + demo().string() + "/client/id_ed25519 -P "), std::string::npos)
      << "says how to connect\n"
      << out;
  // What monitoring sees after the job: ready, and the delivery counted.
  EXPECT_NE(out.find("{\"ready\":true,"), std::string::npos) << out;
  EXPECT_NE(out.find("popgate_deliveries_total{service=\"update\"} 1"), std::string::npos) << out;

  // The file the demo decrypted is the one the appliance delivered to the outbox.
  const fs::path client = demo() / "client";
  std::vector<fs::path> delivered;
  for (const auto& entry : fs::directory_iterator(demo() / "data/exchange/demo/outbox"))
    if (entry.path().string().ends_with("-update.zip.p7m")) delivered.push_back(entry.path());
  ASSERT_EQ(delivered.size(), 1u);
  ASSERT_EQ(slurp(client / delivered[0].filename()), slurp(delivered[0]));
  ASSERT_EQ(run("cd " + client.string() + " && openssl cms -decrypt -inform DER -in " +
                delivered[0].filename().string() +
                " -inkey client.key -recip client.crt | openssl cms -verify -inform DER"
                " -CAfile exchange.crt -out check.zip 2>/dev/null"),
            0);
  EXPECT_EQ(slurp(client / "check.zip"), slurp(client / "result.zip"));
  EXPECT_EQ(capture("bsdtar -xOf " + (client / "check.zip").string() + " result.csv"),
            slurp(client / "result" / "result.csv"));

  // One result row per uploaded row, in order, each the outcome its truth allows.
  const Table uploaded = read_csv_table(client / "customers.csv");
  const Table truth = read_csv_table(client / "truth.csv");
  const Table result = read_csv_table(client / "result" / "result.csv");
  ASSERT_EQ(uploaded.size(), 200u);
  ASSERT_EQ(truth.size(), uploaded.size());
  ASSERT_EQ(result.size(), uploaded.size());
  std::map<std::string, int> outcomes;
  int right = 0;
  std::string disclosed_hetu;
  for (std::size_t i = 0; i < result.size(); ++i) {
    const auto& row = result[i];
    const auto& t = truth[i];
    SCOPED_TRACE(row.at("client_ref") + " " + row.at("outcome") + " " + row.at("reason"));
    ASSERT_EQ(row.at("client_ref"), uploaded[i].at("asiakasnumero"));
    ++outcomes[row.at("outcome")];
    const std::string& hetu = row.at("identity.hetu");
    if (t.at("kind") == "bad") {
      EXPECT_EQ(row.at("outcome"), "INVALID_ROW");
    }
    if (t.at("kind") == "unknown") {
      EXPECT_EQ(row.at("outcome"), "NOT_FOUND");
    }
    if (t.at("kind") == "outside_permit") {
      EXPECT_EQ(hetu, "") << "outside the permit";
    }
    if (!hetu.empty()) {
      EXPECT_EQ(hetu, t.at("true_hetu")) << "disclosed about the person the row was made from";
      ++right;
      disclosed_hetu = hetu;
    }
  }
  for (const char* outcome : {"MATCHED_HETU", "MATCHED_NAME_BIRTHDATE", "INVALID_ROW", "NOT_FOUND"})
    EXPECT_GT(outcomes[outcome], 0) << outcome;
  EXPECT_GT(right, 150) << "most rows of persons the permit covers are matched and disclosed";

  // The disclosure is on record and the log's chain verifies.
  const std::string data = (demo() / "data").string();
  EXPECT_EQ(run(std::string(POPGATE_BINARY) + " audit verify --data-dir " + data + " >/dev/null"),
            0);
  EXPECT_NE(capture(std::string(POPGATE_BINARY) + " audit person " + disclosed_hetu +
                    " --data-dir " + data)
                .find("DEMO/1/2024"),
            std::string::npos);

  // The server is gone, and nothing else the demo started.
  EXPECT_EQ(processes_mentioning(root_.string()), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(demo() / "serve.pid"));
}

TEST_F(DemoTest, APortInUseStopsTheDemoBeforeItStartsAndSaysWhy) {
  const Listener taken;
  ASSERT_GT(taken.port(), 0);
  EXPECT_EQ(run_demo(std::to_string(taken.port())), 1);
  const std::string out = output();
  EXPECT_NE(out.find("demo FAILED at step"), std::string::npos) << out;
  EXPECT_NE(out.find("port " + std::to_string(taken.port()) + " on 127.0.0.1 is in use"),
            std::string::npos)
      << out;
  EXPECT_FALSE(fs::exists(demo() / "data" / "register.db")) << "stopped before any work";
}

}  // namespace
}  // namespace popgate
