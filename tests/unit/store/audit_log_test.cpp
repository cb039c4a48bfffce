// The audit chain on a real SQLite file: every kind of tampering (editing, deleting,
// reordering, re-hashing without the key, hiding a person from the index) is found at the
// record where it happened; concurrent writers keep one unbroken chain.
#include "adapters/store/audit_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256.h"

namespace popgate::store {
namespace {

namespace fs = std::filesystem;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-audit-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    key_path_ = dir_ / "keys" / "appliance.key";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path db() const { return dir_ / "audit.db"; }
  crypto::SigningKey key() const { return crypto::SigningKey::load_or_create(key_path_); }

  static registry::Disclosure disclosure(int n) {
    registry::Disclosure d;
    d.job_id = "job-" + std::to_string(n);
    d.client = n % 2 == 0 ? "fund-a" : "city-b";
    d.permit = "DVV/" + std::to_string(n) + "/2026";
    d.service = registry::Service::update;
    d.data_groups = {registry::DataGroup::identity, registry::DataGroup::names};
    d.files = {{"job-" + std::to_string(n) + "-result.zip.p7m", std::string(64, 'a'), 1234}};
    // Person "P<n>" only in record n; "COMMON" in every record.
    d.persons = {"P" + std::to_string(n), "COMMON", "P" + std::to_string(n)};
    return d;
  }

  void write_records(int count) {
    AuditLog log(db(), key());
    for (int n = 1; n <= count; ++n)
      ASSERT_EQ(log.record(disclosure(n)), n);
  }

  AuditVerification verify() { return AuditReader(db()).verify(key().public_pem()); }

  void tamper(const std::string& sql) {
    Database raw(db().string(), OpenMode::read_write);
    raw.exec(sql, "tampering");
  }

  // Rewrites `from` as `to` (same length) at its first place in the root page of `index`, in
  // the file itself, as a flipped disk byte or an editor would: SQLite is not asked.
  void flip_in_index_page(const std::string& index, const std::string& from,
                          const std::string& to) {
    ASSERT_EQ(from.size(), to.size());
    std::int64_t page = 0, page_size = 0;
    {
      Database raw(db().string(), OpenMode::read_write);
      raw.exec("PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing");
      page = raw.query_int("SELECT rootpage FROM sqlite_schema WHERE name = '" + index + "'",
                           "finding the index")
                 .value_or(0);
      page_size = raw.query_int("PRAGMA page_size", "reading the page size").value_or(0);
    }
    ASSERT_GT(page, 0) << index;
    std::fstream file(db(), std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes(static_cast<std::size_t>(page_size), '\0');
    file.seekg((page - 1) * page_size);
    file.read(bytes.data(), page_size);
    const std::size_t at = bytes.find(from);
    ASSERT_NE(at, std::string::npos) << from << " is not in " << index << "'s page";
    file.seekp((page - 1) * page_size + static_cast<std::int64_t>(at));
    file.write(to.data(), static_cast<std::streamsize>(to.size()));
  }

  fs::path dir_, key_path_;
};

TEST_F(AuditLogTest, AnUntouchedChainVerifiesAndAnswersPerPersonAndClient) {
  write_records(6);
  const AuditVerification v = verify();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 6);
  EXPECT_EQ(v.persons, 12);  // duplicates within a record count once
  EXPECT_EQ(v.head_hash.size(), 64u);

  AuditReader reader(db());
  const std::vector<AuditEntry> p3 = reader.person("P3");
  ASSERT_EQ(p3.size(), 1u);
  EXPECT_EQ(p3[0].seq, 3);
  EXPECT_EQ(p3[0].client, "city-b");
  EXPECT_EQ(p3[0].permit, "DVV/3/2026");
  EXPECT_EQ(p3[0].data_groups, "identity,names");
  ASSERT_EQ(p3[0].files.size(), 1u);
  EXPECT_EQ(p3[0].files[0].bytes, 1234u);
  EXPECT_EQ(reader.person("COMMON").size(), 6u);
  EXPECT_TRUE(reader.person("NOBODY").empty());
  EXPECT_EQ(reader.client("fund-a", "").size(), 3u);
  EXPECT_TRUE(reader.client("fund-a", "2999-01-01").empty());
}

TEST_F(AuditLogTest, AnEditedRecordFailsAtThatRecord) {
  write_records(5);
  tamper("UPDATE records SET client = 'someone-else' WHERE seq = 3");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 3);
  EXPECT_NE(v.problem.find("edited"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, ADeletedRecordFailsWhereItWas) {
  write_records(5);
  tamper("DELETE FROM records WHERE seq = 2");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 2);
  EXPECT_NE(v.problem.find("missing"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, DeletingAndRenumberingBreaksTheLink) {
  write_records(5);
  tamper("DELETE FROM records WHERE seq = 2; UPDATE records SET seq = seq - 1 WHERE seq > 2");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 2);
  EXPECT_NE(v.problem.find("link"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, ReorderedRecordsFailAtTheFirstMovedOne) {
  write_records(5);
  tamper(
      "UPDATE records SET seq = -2 WHERE seq = 2; UPDATE records SET seq = 2 WHERE seq = 4; "
      "UPDATE records SET seq = 4 WHERE seq = -2");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 2);
}

TEST_F(AuditLogTest, RehashingWithoutTheKeyIsCaughtByTheSignature) {
  write_records(4);
  // An attacker with write access but without the key edits record 2 and recomputes every
  // hash from there on, so that the links hold again.
  Database raw(db().string(), OpenMode::read_write);
  raw.exec("UPDATE records SET permit = 'FORGED' WHERE seq = 2", "tampering");
  std::string prev;
  for (int seq = 1; seq <= 4; ++seq) {
    Statement s = raw.prepare(
        "SELECT seq, recorded_at, job_id, client, permit, service, data_groups, files, persons, "
        "hash, persons_sha256, prev_hash FROM records WHERE seq = " +
            std::to_string(seq),
        "reading");
    ASSERT_TRUE(s.step());
    AuditEntry e;
    e.seq = s.column_int(0);
    e.recorded_at = s.column_string(1);
    e.job_id = s.column_string(2);
    e.client = s.column_string(3);
    e.permit = s.column_string(4);
    e.service = s.column_string(5);
    e.data_groups = s.column_string(6);
    e.files = {{"job-" + std::to_string(seq) + "-result.zip.p7m", std::string(64, 'a'), 1234}};
    e.persons = s.column_int(8);
    const std::string persons_sha = s.column_string(10);
    if (seq == 1) {
      prev = s.column_string(9);
      continue;
    }
    s.reset();
    const std::string hash = crypto::sha256_hex(prev + "\n" + audit_record_text(e, persons_sha));
    raw.exec("UPDATE records SET hash = '" + hash + "', prev_hash = '" + prev +
                 "' WHERE seq = " + std::to_string(seq),
             "re-hashing");
    prev = hash;
  }
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 2);
  EXPECT_NE(v.problem.find("signature"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, HidingAPersonFromTheIndexIsFound) {
  write_records(4);
  tamper("DELETE FROM record_persons WHERE hetu = 'P3'");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 3);
  EXPECT_NE(v.problem.find("person index"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, AlteringTheListOfPersonsIsFound) {
  write_records(3);
  tamper("UPDATE records SET persons_list = 'COMMON\nP9\n' WHERE seq = 1");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 1);
}

TEST_F(AuditLogTest, AnotherKeyDoesNotVerify) {
  write_records(2);
  const crypto::SigningKey other = crypto::SigningKey::load_or_create(dir_ / "other.key");
  const AuditVerification v = AuditReader(db()).verify(other.public_pem());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 1);
}

TEST_F(AuditLogTest, ConcurrentWritersKeepOneChain) {
  {
    AuditLog first(db(), key());
    AuditLog second(db(), key());  // as another process would
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      AuditLog& log = t % 2 == 0 ? first : second;
      threads.emplace_back([&log, t] {
        for (int n = 0; n < 10; ++n)
          log.record(disclosure(t * 100 + n));
      });
    }
    for (std::thread& t : threads)
      t.join();
  }
  const AuditVerification v = verify();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 40);
}

TEST_F(AuditLogTest, TheKeyIsCreatedPrivateAndReloaded) {
  const std::string pem = key().public_pem();
  EXPECT_EQ(fs::status(key_path_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(key().public_pem(), pem);
  const std::string sig = key().sign_hex("message");
  EXPECT_TRUE(crypto::verify_signature(pem, "message", sig));
  EXPECT_FALSE(crypto::verify_signature(pem, "messagE", sig));
  EXPECT_FALSE(crypto::verify_signature(pem, "message", "zz"));
}

TEST_F(AuditLogTest, AFlippedByteInTheClientIndexIsFoundAndClientAnswersStayWhole) {
  write_records(17);
  flip_in_index_page("records_by_client", "fund-a", "fund-c");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.problem.find("integrity check"), std::string::npos) << v.problem;
  EXPECT_NE(v.problem.find("records_by_client"), std::string::npos) << v.problem;
  // The answer is read from the records, not from the damaged index.
  EXPECT_EQ(AuditReader(db()).client("fund-a", "").size(), 8u);
}

TEST_F(AuditLogTest, AFlippedByteInTheJobIndexIsFound) {
  write_records(17);
  flip_in_index_page("records_by_job", "job-1", "jzb-1");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.problem.find("records_by_job"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, ADeletedTailWithItsIndexRowsIsFoundByTheKeptHead) {
  write_records(5);
  const AuditVerification before = verify();
  ASSERT_TRUE(before.ok) << before.problem;
  const AuditHead kept{5, before.head_hash};
  EXPECT_TRUE(AuditReader(db()).verify(key().public_pem(), kept).ok);

  tamper("DELETE FROM records WHERE seq = 5; DELETE FROM record_persons WHERE seq = 5");
  EXPECT_TRUE(verify().ok) << "a shorter chain is valid on its own";
  const AuditVerification v = AuditReader(db()).verify(key().public_pem(), kept);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 5);
  EXPECT_NE(v.problem.find("chain ends at record 4"), std::string::npos) << v.problem;

  const AuditVerification rewritten =
      AuditReader(db()).verify(key().public_pem(), AuditHead{3, std::string(64, 'f')});
  EXPECT_FALSE(rewritten.ok);
  EXPECT_EQ(rewritten.first_bad, 3);
  EXPECT_NE(rewritten.problem.find("rewritten"), std::string::npos) << rewritten.problem;
}

TEST_F(AuditLogTest, ARecordOfAnUnknownFormatIsNamed) {
  write_records(4);
  tamper("UPDATE records SET format = 3 WHERE seq = 3");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 3);
  EXPECT_NE(v.problem.find("format version 3"), std::string::npos) << v.problem;
}

// The operator of a foreground run is part of what the record's hash covers (format 2).
TEST_F(AuditLogTest, TheOperatorOfAForegroundRunIsRecordedAndCannotBeChanged) {
  AuditLog log(db(), key());
  registry::Disclosure by_hand = disclosure(1);
  by_hand.run_by = "maija";
  ASSERT_EQ(log.record(by_hand), 1);
  ASSERT_EQ(log.record(disclosure(2)), 2);
  EXPECT_TRUE(verify().ok) << verify().problem;
  AuditReader reader(db());
  EXPECT_EQ(reader.person("P1").at(0).run_by, "maija");
  EXPECT_EQ(reader.person("P1").at(0).format, 2);
  EXPECT_EQ(reader.person("P2").at(0).run_by, "");
  tamper("UPDATE records SET run_by = 'someone else' WHERE seq = 1");
  const AuditVerification v = verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 1);
}

// Records as a popgate before format 2 wrote them: format 1 text, no run_by column (and, older
// still, no format column), hashed and signed as it did.
TEST_F(AuditLogTest, ALogOfFormatOneRecordsVerifiesAndGrowsInFormatTwo) {
  { AuditLog created(db(), key()); }
  tamper("ALTER TABLE records DROP COLUMN run_by");
  tamper("ALTER TABLE records DROP COLUMN format");
  std::string prev_hash(64, '0');
  for (int n = 1; n <= 3; ++n) {
    const registry::Disclosure d = disclosure(n);
    AuditEntry e;
    e.format = 1;
    e.seq = n;
    e.recorded_at = "2026-0" + std::to_string(n) + "-01T00:00:00.000Z";
    e.job_id = d.job_id;
    e.client = d.client;
    e.permit = d.permit;
    e.service = "update";
    e.data_groups = "identity,names";
    e.files = d.files;
    e.persons = 2;
    const std::string persons = "COMMON\nP" + std::to_string(n) + "\n";
    const std::string persons_sha256 = crypto::sha256_hex(persons);
    e.hash = crypto::sha256_hex(prev_hash + "\n" + audit_record_text(e, persons_sha256));
    const std::string& file = d.files[0].name;
    tamper(
        "INSERT INTO records (seq, recorded_at, job_id, client, permit, service, data_groups, "
        "files, persons, persons_list, persons_sha256, prev_hash, hash, signature) VALUES (" +
        std::to_string(n) + ", '" + e.recorded_at + "', '" + e.job_id + "', '" + e.client + "', '" +
        e.permit + "', 'update', 'identity,names', '" + file + "\t" + std::string(64, 'a') +
        "\t1234\n', 2, '" + persons + "', '" + persons_sha256 + "', '" + prev_hash + "', '" +
        e.hash + "', '" + key().sign_hex(e.hash) + "')");
    tamper("INSERT INTO record_persons (hetu, seq) VALUES ('COMMON', " + std::to_string(n) +
           "), ('P" + std::to_string(n) + "', " + std::to_string(n) + ")");
    prev_hash = e.hash;
  }
  AuditVerification v = verify();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 3);
  EXPECT_EQ(AuditReader(db()).person("P2").at(0).format, 1);

  AuditLog log(db(), key());  // opening it for writing adds the columns
  registry::Disclosure by_hand = disclosure(4);
  by_hand.run_by = "maija";
  EXPECT_EQ(log.record(by_hand), 4);
  v = verify();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 4);
  EXPECT_EQ(AuditReader(db()).person("P4").at(0).format, 2);
  EXPECT_EQ(AuditReader(db()).person("P2").at(0).format, 1);
}

}  // namespace
}  // namespace popgate::store
