// The deliver step with a real audit log and real files: what reaches the outbox, what the
// audit log says about it, and that a re-run after a crash delivers and records it once.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "adapters/crypto/sha256.h"
#include "adapters/store/audit_log.h"
#include "steps/builtin_steps.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

class DeliverStepTest : public ::testing::Test {
 protected:
  DeliverStepTest()
      : audit_(dir_.path() / "audit.db",
               crypto::SigningKey::load_or_create(dir_.path() / "keys" / "appliance.key")) {
    env_.audit = &audit_;
    env_.record_deliveries = [this](const std::vector<DeliveredFile>& files) {
      recorded_.insert(recorded_.end(), files.begin(), files.end());
    };
    fs::create_directories(work() / "encrypted");
    std::ofstream(work() / "encrypted" / "job-1-result.zip.002.p7m") << "second part";
    std::ofstream(work() / "encrypted" / "job-1-result.zip.001.p7m") << "first part";
    std::ofstream(work() / "persons.txt") << "010190-999W\n020202A999U\r\n\n";
    context_.job_id = "job-1";
    context_.workflow = "update";
    context_.service = "update";
    context_.client_id = "acme";
    context_.step_id = "deliver";
    context_.work_dir = work();
    context_.client_root = dir_.path() / "client";
    context_.cancelled = &cancelled_;
    context_.params = {{"dir", "encrypted"},     {"persons", "persons.txt"},
                       {"permit", "DVV/1/2026"}, {"rows", "2"},
                       {"status", "true"},       {"delete_after_download", "true"},
                       {"keep_days", "7"}};
    context_.lists = {{"groups", {"identity", "names"}}};
  }

  fs::path work() const { return dir_.path() / "work"; }
  fs::path outbox() const { return dir_.path() / "client" / "outbox"; }
  StepOutputs run() { return deliver_step(env_).run(context_); }

  TempDir dir_;
  store::AuditLog audit_;
  StepEnvironment env_;
  std::vector<DeliveredFile> recorded_;
  StepContext context_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(DeliverStepTest, RecordsTheDisclosureMovesThePartsAndWritesTheStatusLast) {
  const StepOutputs out = run();
  EXPECT_EQ(out.at("files"), "job-1-result.zip.001.p7m,job-1-result.zip.002.p7m");
  EXPECT_EQ(out.at("status"), "outbox/job-1-status.json");
  EXPECT_EQ(out.at("audit"), "1");
  EXPECT_EQ(testing::read_file((outbox() / "job-1-result.zip.001.p7m").string()), "first part");
  EXPECT_EQ(testing::read_file((outbox() / "job-1-result.zip.002.p7m").string()), "second part");
  EXPECT_FALSE(fs::exists(work() / "encrypted" / "job-1-result.zip.001.p7m"));  // moved

  const std::string status = testing::read_file((outbox() / "job-1-status.json").string());
  EXPECT_NE(status.find("\"state\": \"delivered\""), std::string::npos) << status;
  EXPECT_NE(status.find("\"rows\": 2"), std::string::npos) << status;
  EXPECT_NE(status.find(crypto::sha256_hex("second part")), std::string::npos) << status;
  EXPECT_EQ(status.find("010190-999W"), std::string::npos) << "no personal data in the status";

  store::AuditReader reader(dir_.path() / "audit.db");
  const std::vector<store::AuditEntry> entries = reader.person("020202A999U");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].job_id, "job-1");
  EXPECT_EQ(entries[0].client, "acme");
  EXPECT_EQ(entries[0].permit, "DVV/1/2026");
  EXPECT_EQ(entries[0].data_groups, "identity,names");
  EXPECT_EQ(entries[0].persons, 2);
  ASSERT_EQ(entries[0].files.size(), 2u);
  EXPECT_EQ(entries[0].files[0].name, "job-1-result.zip.001.p7m");
  EXPECT_EQ(entries[0].files[0].sha256, crypto::sha256_hex("first part"));

  ASSERT_EQ(recorded_.size(), 3u);  // two parts and the status file
  EXPECT_EQ(recorded_[2].path, "outbox/job-1-status.json");
  EXPECT_TRUE(recorded_[0].delete_after_download);
  ASSERT_TRUE(recorded_[0].expires_ms.has_value());
  EXPECT_EQ(*recorded_[0].expires_ms - recorded_[0].delivered_ms, 7LL * 24 * 3600 * 1000);
}

TEST_F(DeliverStepTest, AReRunAfterACrashDeliversAndRecordsOnce) {
  run();
  // As if the process died after the move but before the engine recorded the step's success.
  const StepOutputs again = run();
  EXPECT_EQ(again.at("audit"), "1");
  store::AuditReader reader(dir_.path() / "audit.db");
  EXPECT_EQ(reader.client("acme", "").size(), 1u);
  EXPECT_EQ(testing::read_file((outbox() / "job-1-result.zip.002.p7m").string()), "second part");
}

// A delivered job set back to queued (a bug, a manual edit of state.db) runs again from a fresh
// work dir and makes new files under the same names: they are not delivered, nothing is
// recorded, and the outbox keeps the files and the status the client was told about.
TEST_F(DeliverStepTest, ARunWhoseFilesDifferFromTheDeliveredOnesDeliversAndRecordsNothing) {
  run();
  const std::string status = testing::read_file((outbox() / "job-1-status.json").string());
  fs::remove_all(work());
  fs::create_directories(work() / "encrypted");
  std::ofstream(work() / "encrypted" / "job-1-result.zip.001.p7m") << "first part, again";
  std::ofstream(work() / "encrypted" / "job-1-result.zip.002.p7m") << "second part, again";
  std::ofstream(work() / "persons.txt") << "010190-999W\n";
  std::vector<std::string> log;
  context_.log = [&](const std::string& line) { log.push_back(line); };
  recorded_.clear();
  try {
    run();
    FAIL() << "a delivered file was replaced";
  } catch (const StepError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("job job-1 was delivered already (outbox/"
                                         "job-1-result.zip.001.p7m holds an earlier run's file)"),
              std::string::npos)
        << e.what();
  }
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("delivers and records nothing"), std::string::npos) << log[0];
  EXPECT_EQ(testing::read_file((outbox() / "job-1-result.zip.001.p7m").string()), "first part");
  EXPECT_EQ(testing::read_file((outbox() / "job-1-status.json").string()), status);
  EXPECT_EQ(store::AuditReader(dir_.path() / "audit.db").client("acme", "").size(), 1u);
  EXPECT_TRUE(recorded_.empty());
}

// The status file says delivered but this run's files have other names: refused as well.
TEST_F(DeliverStepTest, AStatusThatSaysDeliveredWithOtherFilesRefusesTheRun) {
  run();
  fs::remove_all(work());
  fs::create_directories(work() / "encrypted");
  std::ofstream(work() / "encrypted" / "job-1-other.zip.p7m") << "other";
  std::ofstream(work() / "persons.txt") << "010190-999W\n";
  try {
    run();
    FAIL() << "delivered again";
  } catch (const StepError& e) {
    EXPECT_NE(std::string(e.what()).find("outbox/job-1-status.json lists other files"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(outbox() / "job-1-other.zip.p7m"));
  EXPECT_EQ(store::AuditReader(dir_.path() / "audit.db").client("acme", "").size(), 1u);
}

TEST_F(DeliverStepTest, TheFailureReportNeverReplacesADeliveredStatus) {
  run();
  const std::string status = testing::read_file((outbox() / "job-1-status.json").string());
  std::vector<std::string> log;
  context_.log = [&](const std::string& line) { log.push_back(line); };
  context_.params = {{"name", "job-1-status.json"}};
  const StepOutputs out = error_report_step().run(context_);
  EXPECT_EQ(out.at("path"), "outbox/job-1-status.json");
  EXPECT_EQ(testing::read_file((outbox() / "job-1-status.json").string()), status);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("says delivered: left as it is"), std::string::npos) << log[0];

  context_.params = {{"name", "job-2-status.json"}};  // nothing delivered under this name
  error_report_step().run(context_);
  EXPECT_NE(testing::read_file((outbox() / "job-2-status.json").string()).find("\"failed\""),
            std::string::npos);
}

TEST_F(DeliverStepTest, AServiceCannotDeliverWithoutNamingThePersons) {
  context_.params.erase("persons");
  EXPECT_THROW(run(), StepError);
  EXPECT_FALSE(fs::exists(outbox() / "job-1-result.zip.001.p7m"));
  store::AuditReader reader(dir_.path() / "audit.db");
  EXPECT_TRUE(reader.client("acme", "").empty());
}

TEST_F(DeliverStepTest, NothingIsDeliveredWithoutAnAuditLog) {
  env_.audit = nullptr;
  try {
    run();
    FAIL() << "delivered without an audit log";
  } catch (const StepError& e) {
    EXPECT_NE(std::string(e.what()).find("no audit log"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(outbox()));
}

TEST_F(DeliverStepTest, AWorkflowWithoutAServiceDeliversWithoutAnAuditRecord) {
  context_.service = "none";
  context_.params = {{"dir", "encrypted"},
                     {"status", "false"},
                     {"delete_after_download", "false"},
                     {"keep_days", "0"}};
  const StepOutputs out = run();
  EXPECT_EQ(out.at("audit"), "");
  EXPECT_EQ(out.at("status"), "");
  EXPECT_FALSE(fs::exists(outbox() / "job-1-status.json"));
  ASSERT_EQ(recorded_.size(), 2u);
  EXPECT_FALSE(recorded_[0].expires_ms.has_value());
}

TEST_F(DeliverStepTest, RefusesADirectoryHoldingAnythingButPlainFiles) {
  fs::create_directories(work() / "encrypted" / "nested");
  EXPECT_THROW(run(), StepError);
  EXPECT_FALSE(fs::exists(outbox()));
}

}  // namespace
}  // namespace popgate::workflows::steps
