// The extraction service end to end under `popgate serve`, as a client uses it: a request
// uploaded with OpenSSH's sftp into inbox/extraction/, the result decrypted and verified with
// stock openssl cms, its rows checked against the register read independently with the sqlite3
// tool, the disclosure in the audit log; and a malformed request reported to the client with
// the line and column of its mistake, nothing delivered.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "registry/reference.h"
#include "tests/integration/daemon_process.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing_support::capture;
using testing_support::Daemon;
using testing_support::run;
using testing_support::slurp;
using testing_support::write;

class ExtractionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-extraction-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "data");
    ASSERT_EQ(run("ssh-keygen -q -t ed25519 -N '' -f " + path("client_key")), 0);
    ASSERT_EQ(run("openssl req -x509 -new -nodes -subj /CN=acme -newkey rsa:3072 -keyout " +
                  path("client.key") + " -out " + path("client.crt") + " -days 30 2>/dev/null"),
              0);
    ASSERT_EQ(run(std::string(POPGATE_BINARY) + " synth --persons 3000 --seed 11 --quiet --out " +
                  path("data/register.db") + " > /dev/null"),
              0);
    write(root_ / "config" / "popgate.yaml",
          "listen:\n  sftp:\n    address: 127.0.0.1\n    port: 0\n"
          "  http:\n    address: 127.0.0.1\n    port: 0\n");
    const fs::path shipped = fs::path(POPGATE_SOURCE_DIR) / "config";
    fs::create_directories(root_ / "config" / "workflows");
    fs::copy_file(shipped / "workflows" / "extraction.yaml",
                  root_ / "config" / "workflows" / "extraction.yaml");
    fs::copy(shipped / "packages", root_ / "config" / "packages");
    write(root_ / "config" / "permits" / "acme.yaml",
          "id: THL/5/2026\nholders: [acme]\npurpose: a survey of young adults' health\n"
          "legal_basis: law\nuse: public_task\nservices: [extraction]\n"
          "data_groups: [identity, home_municipality, mother_tongue]\nvalid_from: 2020-01-01\n");
    write(root_ / "config" / "clients" / "acme.yaml",
          "organisation: Acme Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
              slurp(path("client_key") + ".pub") + "certificate: " + path("client.crt") + "\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string path(const std::string& name) const { return (root_ / name).string(); }
  fs::path outbox() const { return root_ / "data" / "exchange" / "acme" / "outbox"; }

  int sftp(int port, const std::string& batch) {
    write(root_ / "batch", batch);
    return run("cd " + root_.string() + " && timeout 120 sftp -F /dev/null -b batch -i " +
               path("client_key") + " -P " + std::to_string(port) +
               " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
               " -o IdentitiesOnly=yes -o LogLevel=ERROR acme@127.0.0.1 > sftp.out 2>&1");
  }

  // The one outbox file whose name ends with `suffix`.
  std::string outbox_file(const std::string& suffix) {
    std::string found;
    for (const auto& entry : fs::directory_iterator(outbox()))
      if (entry.path().filename().string().ends_with(suffix)) found = entry.path().string();
    return found;
  }

  fs::path root_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST_F(ExtractionServiceTest, YoungAdultsOfARegionWithTheResearchPackage) {
  write(root_ / "order.yaml",
        "extract: persons\nreference_date: 2026-12-31\ncriteria:\n  all:\n"
        "    - age: {min: 18, max: 29}\n    - region: [Uusimaa]\ndata: research\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "put order.yaml inbox/extraction/order.yaml\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job succeeded", 1, std::chrono::seconds(120))) << daemon.log();

  const std::string result = outbox_file("-extraction.zip.p7m");
  ASSERT_FALSE(result.empty());
  ASSERT_EQ(run("cd " + root_.string() + " && openssl cms -decrypt -inform DER -in " + result +
                " -inkey client.key -recip client.crt | openssl cms -verify -inform DER "
                "-CAfile data/keys/exchange.crt -out result.zip 2>verify.err"),
            0)
      << slurp(root_ / "verify.err");
  const std::vector<std::string> rows =
      lines_of(capture("bsdtar -xOf " + path("result.zip") + " result.csv"));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front(),
            "age;identity.sex;home_municipality.home_municipality;"
            "mother_tongue.mother_tongue")
      << "the research package's columns, named as every service names them";

  // The same population read independently: living, born 1997-01-01..2008-12-31 (18 to 29 on
  // 2026-12-31), at home in one of Uusimaa's 26 municipalities.
  std::string uusimaa;
  for (const registry::Municipality& m : registry::ReferenceData::embedded().municipalities())
    if (m.region == "01") uusimaa += (uusimaa.empty() ? "'" : ",'") + m.code + "'";
  const std::string expected =
      capture("sqlite3 " + path("data/register.db") +
              " \"SELECT count(*) FROM person WHERE death_date IS NULL AND birth_date BETWEEN "
              "'1997-01-01' AND '2008-12-31' AND home_municipality IN (" +
              uusimaa + ")\"");
  ASSERT_GT(std::stoi(expected), 10) << "a population worth testing";
  EXPECT_EQ(rows.size() - 1, static_cast<std::size_t>(std::stoi(expected)));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const int age = std::stoi(rows[i].substr(0, rows[i].find(';')));
    EXPECT_TRUE(age >= 18 && age <= 29) << rows[i];
  }
  const std::string summary = capture("bsdtar -xOf " + path("result.zip") + " summary.txt");
  EXPECT_NE(summary.find("region: Uusimaa (26 municipalities)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("delivered: " + std::to_string(rows.size() - 1)), std::string::npos)
      << summary;

  // On record: one disclosure to acme under the permit, of that many persons.
  const std::string audit =
      capture(std::string(POPGATE_BINARY) + " audit client acme --data-dir " + path("data"));
  EXPECT_NE(audit.find("THL/5/2026"), std::string::npos) << audit;
  EXPECT_NE(audit.find("\textraction\t"), std::string::npos) << audit;
  EXPECT_NE(audit.find("\tpersons " + std::to_string(rows.size() - 1)), std::string::npos) << audit;
}

TEST_F(ExtractionServiceTest, AMistakeInTheRequestIsReportedWhereItIsAndNothingIsDelivered) {
  write(root_ / "order.yaml",
        "extract: persons\ncriteria:\n  age: {min: 30, max: 18}\ndata: research\n");
  Daemon daemon(root_ / "config", root_ / "data", root_ / "serve.log");
  ASSERT_TRUE(daemon.wait_for("ready:")) << daemon.log();
  ASSERT_EQ(sftp(daemon.sftp_port(), "put order.yaml inbox/extraction/order.yaml\n"), 0)
      << slurp(root_ / "sftp.out");
  ASSERT_TRUE(daemon.wait_for("] job failed", 1, std::chrono::seconds(120))) << daemon.log();
  EXPECT_TRUE(outbox_file(".p7m").empty()) << "nothing delivered";
  const std::string report = slurp(outbox_file("-status.json"));
  EXPECT_NE(report.find("order.yaml:3:8: error: min 30 is greater than max 18"), std::string::npos)
      << report;
}

}  // namespace
}  // namespace popgate
