// `popgate audit` as operators and auditors run it: verify (exit 0, or 1 naming the first
// broken record), person, client --since, public-key for verify --public-key.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "adapters/store/audit_log.h"
#include "tests/unit/test_support/cli_runner.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing::run_popgate;

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-audit-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "audit");
    store::AuditLog log(dir_ / "audit" / "audit.db",
                        crypto::SigningKey::load_or_create(dir_ / "keys" / "appliance.key"));
    for (int n = 1; n <= 3; ++n) {
      registry::Disclosure d;
      d.job_id = "job-" + std::to_string(n);
      d.client = n == 2 ? "city" : "fund";
      d.permit = "DVV/1/2026";
      d.data_groups = {registry::DataGroup::names};
      d.files = {{"result-" + std::to_string(n) + ".zip.p7m", std::string(64, 'b'), 10}};
      d.persons = {"010190-999W", "HETU-" + std::to_string(n)};
      log.record(d);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  testing::CliResult audit(std::vector<std::string> args) {
    args.insert(args.begin(), "audit");
    args.push_back("--data-dir");
    args.push_back(dir_.string());
    return run_popgate(args, dir_.string());
  }

  fs::path dir_;
};

TEST_F(AuditCliTest, VerifyPassesThenFailsAtTheTamperedRecord) {
  testing::CliResult ok = audit({"verify"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(ok.out.starts_with("ok: 3 records, 6 person entries; head 3 ")) << ok.out;
  const std::string head = ok.out.substr(ok.out.rfind(' ') + 1, 64);
  const testing::CliResult ok_json = audit({"verify", "--format", "json"});
  EXPECT_EQ(ok_json.exit_code, 0);
  EXPECT_TRUE(testing::python_json_check(
      ok_json.out,
      "d == {'ok': True, 'records': 3, 'persons': 6, 'head': {'seq': 3, 'hash': '" + head +
          "'}, 'first_bad': None, 'problem': None}",
      dir_.string()))
      << ok_json.out;

  {
    store::Database raw((dir_ / "audit" / "audit.db").string(), store::OpenMode::read_write);
    raw.exec("UPDATE records SET data_groups = 'names,permanent_address' WHERE seq = 2", "edit");
  }
  const testing::CliResult broken = audit({"verify"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_EQ(broken.out,
            "BROKEN at record 2: its content does not match its hash (the record was edited)\n");
  const testing::CliResult broken_json = audit({"verify", "--format", "json"});
  EXPECT_EQ(broken_json.exit_code, 1);
  EXPECT_TRUE(testing::python_json_check(
      broken_json.out,
      "d['ok'] is False and d['head'] is None and d['first_bad'] == 2 and "
      "'does not match its hash' in d['problem']",
      dir_.string()))
      << broken_json.out;
}

TEST_F(AuditCliTest, PersonAndClientQueries) {
  const testing::CliResult person = audit({"person", "010190-999W"});
  EXPECT_EQ(person.exit_code, 0) << person.err;
  EXPECT_EQ(std::count(person.out.begin(), person.out.end(), '\n'), 3);
  EXPECT_NE(person.out.find("client city\tpermit DVV/1/2026"), std::string::npos) << person.out;
  EXPECT_EQ(audit({"person", "HETU-2"}).out.find("record 2\t"), 25u);

  const testing::CliResult fund = audit({"client", "fund", "--since", "2000-01-01"});
  EXPECT_EQ(std::count(fund.out.begin(), fund.out.end(), '\n'), 2);
  const testing::CliResult later = audit({"client", "fund", "--since", "2999-01-01"});
  EXPECT_EQ(later.out, "");
  EXPECT_EQ(later.err, "no disclosures recorded\n");
  EXPECT_EQ(audit({"client", "fund", "--since", "yesterday"}).exit_code, 2);
  EXPECT_EQ(audit({"person"}).exit_code, 2);
}

TEST_F(AuditCliTest, AnAuditorVerifiesWithTheExportedPublicKey) {
  const testing::CliResult key = audit({"public-key"});
  ASSERT_EQ(key.exit_code, 0);
  EXPECT_TRUE(key.out.starts_with("-----BEGIN PUBLIC KEY-----")) << key.out;
  std::ofstream(dir_ / "appliance.pub") << key.out;
  EXPECT_EQ(audit({"verify", "--public-key", (dir_ / "appliance.pub").string()}).exit_code, 0);

  const crypto::SigningKey other = crypto::SigningKey::load_or_create(dir_ / "other.key");
  std::ofstream(dir_ / "other.pub") << other.public_pem();
  const testing::CliResult wrong = audit({"verify", "--public-key", (dir_ / "other.pub").string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.out, "BROKEN at record 1: its signature is not the appliance key's\n");
}

}  // namespace
}  // namespace popgate
