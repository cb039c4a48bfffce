#include "workflows/config/lint.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/workflows/lint_test_registry.h"

namespace popgate::workflows {
namespace {

namespace fs = std::filesystem;

// A configuration directory of the test's own, removed afterwards.
class LintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("popgate_lint_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& relative, const std::string& text) {
    const fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  // Every diagnostic, with the directory prefix cut off file names.
  std::string lint() {
    Diagnostics out;
    lint_config({dir_.string()}, testing::lint_test_registry(), out);
    std::string text = format_text(out.sorted());
    const std::string prefix = dir_.string() + "/";
    for (std::size_t pos = text.find(prefix); pos != std::string::npos; pos = text.find(prefix)) {
      text.erase(pos, prefix.size());
    }
    return text;
  }

  void write_valid_set() {
    write("clients/acme.yaml", "organisation: Acme Oy\nbusiness_id: 0737546-2\n");
    write("permits/p1.yaml",
          "id: DVV/1/2024\nholders: [acme]\npurpose: p\nlegal_basis: l\nservices: [update]\n"
          "data_groups: [identity, names]\nvalid_from: 2024-01-01\n");
  }

  fs::path dir_;
};

TEST_F(LintTest, ValidSetIsClean) {
  write_valid_set();
  write("popgate.yaml", "data_dir: /srv/popgate\nlimits: {max_running_jobs: 4}\n");
  write("workflows/a.yaml",
        "name: a\nservice: update\ntrigger: {upload: {path: 'inbox/*'}}\n"
        "steps:\n  - {id: p, uses: permit, with: {groups: [names]}}\n  - {id: s, uses: checksum}\n"
        "on_failure:\n  - {id: r, uses: error_report}\n");
  Diagnostics out;
  const ConfigSet set = lint_config({dir_.string()}, testing::lint_test_registry(), out);
  EXPECT_TRUE(out.empty()) << format_text(out.sorted());
  EXPECT_EQ(set.files, 4u);
  ASSERT_TRUE(set.daemon.has_value());
  EXPECT_EQ(set.daemon->max_running_jobs, 4);
  ASSERT_NE(set.workflow("a"), nullptr);
  ASSERT_NE(set.client("acme"), nullptr);
  EXPECT_EQ(set.permits.at(0).data_groups.size(), 2u);
}

// packages/*.yaml: named by the file, every column checked where it is written.
TEST_F(LintTest, DataPackagesAreCheckedColumnByColumn) {
  write("packages/research.yaml",
        "unit: persons\ncolumns: [age, identity.sex, mother_tongue.mother_tongue]\n");
  write("packages/typo.yaml", "unit: persons\ncolumns:\n  - age\n  - names.lastname\n");
  write("packages/wrong.yaml", "unit: people\ncolumns: [age]\n");
  Diagnostics out;
  const ConfigSet set = lint_config({dir_.string()}, testing::lint_test_registry(), out);
  ASSERT_NE(set.package("research"), nullptr);
  EXPECT_EQ(set.package("research")->package.groups(),
            (std::vector<registry::DataGroup>{registry::DataGroup::identity,
                                              registry::DataGroup::mother_tongue}));
  EXPECT_EQ(set.package("typo"), nullptr);
  EXPECT_EQ(lint(),
            "packages/typo.yaml:4:5: error: no column \"names.lastname\" for persons (did you "
            "mean 'names.last_name'?)\n"
            "packages/wrong.yaml:1:7: error: unit: expected persons or buildings, got 'people'\n");
}

TEST_F(LintTest, BadBusinessId) {
  write("clients/acme.yaml", "organisation: Acme Oy\nbusiness_id: 0737546-3\n");
  EXPECT_EQ(lint().substr(0, 45), "clients/acme.yaml:2:14: error: invalid busine");
}

TEST_F(LintTest, ClientUnknownKeyAndBadSshKey) {
  write("clients/acme.yaml",
        "organisation: Acme Oy\nbusiness_id: 0737546-2\ndisabld: true\nssh_keys: [foo bar]\n");
  EXPECT_EQ(lint(),
            "clients/acme.yaml:3:1: error: unknown key 'disabld' (did you mean 'disabled'?)\n"
            "clients/acme.yaml:4:12: error: not an OpenSSH public key: it must start with a key "
            "type such as ssh-ed25519\n");
}

// docs/client-exchange.md asks for RSA keys of at least 3072 bits, as the server does.
TEST_F(LintTest, ClientRsaKeysNeedAtLeast3072Bits) {
  auto rsa_key = [&](int bits) {
    const fs::path key = dir_ / ("rsa" + std::to_string(bits));
    EXPECT_EQ(std::system(("ssh-keygen -q -t rsa -b " + std::to_string(bits) + " -N '' -C k -f " +
                           key.string())
                              .c_str()),
              0);
    std::ifstream in(key.string() + ".pub");
    std::string line;
    std::getline(in, line);
    return line;
  };
  const std::string short_key = rsa_key(2048), long_key = rsa_key(3072);
  EXPECT_EQ(rsa_key_bits(short_key.substr(8, short_key.find(' ', 8) - 8)), 2048);
  EXPECT_EQ(rsa_key_bits(long_key.substr(8, long_key.find(' ', 8) - 8)), 3072);
  write("clients/acme.yaml", "organisation: Acme Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " +
                                 long_key + "\n  - " + short_key +
                                 "\n  - ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAcmeKey x\n");
  EXPECT_EQ(lint(),
            "clients/acme.yaml:5:5: error: the key is RSA of 2048 bits; at least 3072 are needed "
            "(make a new key with `ssh-keygen -t ed25519`, or `ssh-keygen -t rsa -b 3072`)\n"
            "clients/acme.yaml:6:5: error: the ssh-rsa key data is not an RSA public key (copy "
            "the whole line of the .pub file)\n");
  write("clients/acme.yaml",
        "organisation: Acme Oy\nbusiness_id: 0737546-2\nssh_keys:\n  - " + long_key + "\n");
  EXPECT_EQ(lint(), "");
}

TEST_F(LintTest, ClientSftpAndPushErrorsSayWhere) {
  write("clients/acme.yaml",
        "organisation: Acme Oy\nbusiness_id: 0737546-2\n"
        "sftp:\n"
        "  allowed_addresses: [192.0.2.0/24, 10.1.2.3/8, 300.1.1.1, '2001:db8::/129']\n"
        "  max_file_size: 2 gigs\n"
        "  quota: 100\n"
        "  idle_timeout: 500ms\n"
        "push:\n"
        "  host: sftp.acme.example\n"
        "  host_key: AAAAC3NzaC1lZDI1NTE5\n"
        "  directory: /incoming\n");
  EXPECT_EQ(lint(),
            "clients/acme.yaml:4:37: error: '10.1.2.3/8' has host bits set after /8 (did you "
            "mean 10.0.0.0/8?)\n"
            "clients/acme.yaml:4:49: error: '300.1.1.1' is not an IPv4 or IPv6 address\n"
            "clients/acme.yaml:4:60: error: prefix length /129 is longer than the address (128 "
            "bits)\n"
            "clients/acme.yaml:5:18: error: unknown unit 'gigs' in '2 gigs' (units: B, kB, MB, "
            "GB, TB, KiB, MiB, GiB, TiB)\n"
            "clients/acme.yaml:6:10: error: '100' needs a unit, e.g. '100MB' (units: B, kB, MB, "
            "GB, TB, KiB, MiB, GiB, TiB)\n"
            "clients/acme.yaml:7:17: error: idle_timeout must be at least 1s\n"
            "clients/acme.yaml:9:3: error: missing required key 'user'\n"
            "clients/acme.yaml:10:13: error: host_key: not an OpenSSH public key: it must start "
            "with a key type such as ssh-ed25519 (copy a line of the server's "
            "ssh_host_*_key.pub or of `ssh-keyscan HOST`, without the host name)\n");
}

TEST_F(LintTest, ClientSftpAndPushSettingsAreRead) {
  write("clients/acme.yaml",
        "organisation: Acme Oy\nbusiness_id: 0737546-2\n"
        "sftp: {allowed_addresses: ['2001:db8::/32', 198.51.100.7], max_sessions: 3,\n"
        "       max_file_size: 2GiB, quota: 500MB, idle_timeout: 2m}\n"
        "push: {host: h, user: u, port: 2022, host_key: 'ssh-ed25519 AAAAC3Nz x'}\n");
  Diagnostics out;
  const ConfigSet set = lint_config({dir_.string()}, testing::lint_test_registry(), out);
  ASSERT_FALSE(out.has_errors()) << format_text(out.sorted());
  const ClientConfig& acme = *set.client("acme");
  EXPECT_EQ(acme.sftp.allowed_addresses.size(), 2u);
  EXPECT_EQ(acme.sftp.max_sessions, 3);
  EXPECT_EQ(acme.sftp.max_file_size, 2ULL << 30);
  EXPECT_EQ(acme.sftp.quota, 500'000'000u);
  EXPECT_EQ(acme.sftp.idle_timeout, std::chrono::minutes(2));
  ASSERT_TRUE(acme.push.has_value());
  EXPECT_EQ(acme.push->port, 2022);
  EXPECT_EQ(acme.push->timeout, std::chrono::seconds(30));
}

TEST_F(LintTest, DaemonSftpAndDefenderSettings) {
  write("popgate.yaml",
        "sftp:\n  max_sessions: 50\n  idle_timeout: 5m\n"
        "  defender: {threshold: 5, ban_time: 1h, safelist: [10.0.0.0/8], score_invalid_auth: "
        "2}\n");
  Diagnostics out;
  const ConfigSet set = lint_config({dir_.string()}, testing::lint_test_registry(), out);
  ASSERT_FALSE(out.has_errors()) << format_text(out.sorted());
  const SftpServerConfig& sftp = set.daemon->sftp_server;
  EXPECT_EQ(sftp.max_sessions, 50);
  EXPECT_EQ(sftp.idle_timeout, std::chrono::minutes(5));
  EXPECT_EQ(sftp.defender.threshold, 5);
  EXPECT_EQ(sftp.defender.ban_time, std::chrono::hours(1));
  EXPECT_EQ(sftp.defender.score_invalid_auth, 2);
  EXPECT_EQ(sftp.defender.safelist, std::vector<std::string>{"10.0.0.0/8"});

  write("popgate.yaml", "sftp:\n  defender: {threshold: 0, enabled: yes, safelist: [nope]}\n");
  EXPECT_EQ(lint(),
            "popgate.yaml:2:25: error: 0 is out of range 1-1000\n"
            "popgate.yaml:2:37: error: expected true or false, got 'yes' (yes/no/on/off are "
            "not booleans here; write true or false)\n"
            "popgate.yaml:2:53: error: 'nope' is not an IPv4 or IPv6 address\n");
}

TEST_F(LintTest, UmbrellaPermitsAreJoinedByReference) {
  write("clients/fund.yaml",
        "organisation: Fund\nbusiness_id: 0737546-2\njoins: [DVV/U/1, DVV/P/2, DVV/X/3]\n");
  write("permits/u.yaml",
        "id: DVV/U/1\numbrella: true\npurpose: p\nlegal_basis: l\nservices: [update]\n"
        "data_groups: [names]\nvalid_from: 2024-01-01\nuse: customer_register_update\n"
        "population: {min_age: 16, max_age: 70}\n");
  write("permits/p.yaml",
        "id: DVV/P/2\nholders: [fund]\npurpose: p\nlegal_basis: l\nservices: [update]\n"
        "data_groups: [names]\nvalid_from: 2024-01-01\n");
  EXPECT_EQ(lint(),
            "clients/fund.yaml:3:18: error: permit 'DVV/P/2' is not an umbrella permit "
            "(umbrella: true); list the client among its holders instead\n"
            "clients/fund.yaml:3:27: error: unknown permit 'DVV/X/3'\n");
  write("permits/bad.yaml",
        "id: DVV/B/4\npurpose: p\nlegal_basis: l\nservices: [update]\nuse: marketing\n"
        "data_groups: [names]\nvalid_from: 2024-01-01\npopulation: {min_age: 30, max_age: 20}\n");
  write("clients/fund.yaml", "organisation: Fund\nbusiness_id: 0737546-2\njoins: [DVV/U/1]\n");
  EXPECT_EQ(lint(),
            "permits/bad.yaml:1:1: error: missing required key 'holders' (only an umbrella "
            "permit, umbrella: true, may have none: clients join it from their own file)\n"
            "permits/bad.yaml:5:6: error: unknown use 'marketing' (one of: public_task, "
            "research, customer_register_update, direct_marketing, market_research, genealogy, "
            "person_directory, address_service)\n"
            "permits/bad.yaml:8:36: error: max_age is below min_age\n");
}

TEST_F(LintTest, PermitErrors) {
  write("clients/acme.yaml", "organisation: Acme Oy\nbusiness_id: 0737546-2\n");
  write(
      "permits/p1.yaml",
      "id: DVV/1/2024\nholders: [acme, nobody]\npurpose: p\nlegal_basis: l\n"
      "services: [updat]\ndata_groups: [identity, adress]\npopulation: {municipalities: ['999']}\n"
      "valid_from: 2024-13-01\n");
  EXPECT_EQ(lint(),
            "permits/p1.yaml:5:12: error: unknown service 'updat' (did you mean 'update'?)\n"
            "permits/p1.yaml:6:25: error: unknown data group 'adress'\n"
            "permits/p1.yaml:7:31: error: unknown municipality code '999' (three digits, e.g. "
            "'091' for Helsinki)\n"
            "permits/p1.yaml:8:13: error: '2024-13-01' is not a date (YYYY-MM-DD)\n");
}

TEST_F(LintTest, PermitHolderMustBeAClient) {
  write_valid_set();
  write("permits/p2.yaml",
        "id: DVV/2/2024\nholders: [acme, nobody]\npurpose: p\nlegal_basis: l\n"
        "services: [change]\ndata_groups: [death]\nvalid_from: 2024-01-01\n");
  EXPECT_EQ(lint(),
            "permits/p2.yaml:2:17: error: unknown client 'nobody' (no clients/nobody.yaml)\n");
}

TEST_F(LintTest, DuplicateWorkflowNamesAcrossFiles) {
  const std::string flow =
      "name: same\ntrigger: {manual: {}}\nsteps:\n  - {id: s, uses: checksum}\n";
  write("workflows/a.yaml", flow);
  write("workflows/b.yaml", flow);
  EXPECT_EQ(lint(),
            "workflows/b.yaml:1:7: error: duplicate workflow name 'same' (also in "
            "workflows/a.yaml)\n");
}

TEST_F(LintTest, ScheduleNamingUnknownClient) {
  write_valid_set();
  write("workflows/a.yaml",
        "name: a\ntrigger:\n  schedule: {cron: '@daily', clients: [acme, acm3, zed]}\n"
        "steps:\n  - {id: s, uses: checksum}\n");
  EXPECT_EQ(lint(),
            "workflows/a.yaml:3:46: error: unknown client 'acm3' (did you mean 'acme'?) (no "
            "clients/acm3.yaml)\n"
            "workflows/a.yaml:3:52: error: unknown client 'zed' (no clients/zed.yaml)\n");
}

TEST_F(LintTest, ServiceWithoutAnyPermitIsAWarning) {
  write_valid_set();
  write("workflows/a.yaml",
        "name: a\nservice: extraction\ntrigger:\n  upload: {path: 'inbox/*'}\n"
        "steps:\n  - {id: p, uses: permit, with: {groups: [names]}}\n  - {id: s, uses: checksum}\n"
        "on_failure:\n  - {id: r, uses: error_report}\n");
  Diagnostics out;
  lint_config({dir_.string()}, testing::lint_test_registry(), out);
  ASSERT_EQ(out.sorted().size(), 1u) << format_text(out.sorted());
  EXPECT_FALSE(out.has_errors());
  EXPECT_EQ(out.sorted()[0].message,
            "no client holds a permit for service 'extraction', so this trigger cannot start a "
            "job that delivers");
  EXPECT_EQ(out.sorted()[0].line, 4);
}

TEST_F(LintTest, LoneWorkflowFileSkipsClientChecks) {
  write("flow.yaml",
        "name: a\ntrigger:\n  schedule: {cron: '@daily', clients: [nobody]}\n"
        "steps:\n  - {id: s, uses: checksum}\n");
  Diagnostics out;
  lint_config({(dir_ / "flow.yaml").string()}, testing::lint_test_registry(), out);
  EXPECT_TRUE(out.empty()) << format_text(out.sorted());
}

TEST_F(LintTest, MissingPathAndBadDaemonConfig) {
  write("popgate.yaml",
        "data_dir: relative\nlogging: {level: verbose}\nlisten: {sftp: {port: 70000}}\n");
  EXPECT_EQ(lint(),
            "popgate.yaml:1:11: error: data_dir 'relative' must be an absolute path\n"
            "popgate.yaml:2:18: error: unknown log level 'verbose' (one of: debug, info, "
            "warning, error)\n"
            "popgate.yaml:3:23: error: 70000 is out of range 0-65535\n");
  Diagnostics out;
  lint_config({(dir_ / "nope").string()}, testing::lint_test_registry(), out);
  EXPECT_EQ(format_text(out.sorted()),
            (dir_ / "nope").string() + ": error: no such file or directory\n");
}

// --- the real binary ------------------------------------------------------------------------

TEST_F(LintTest, CliReportsErrorsAndExitsOne) {
  write("workflows/a.yaml", "name: a\ntrigger: {manual: {}}\nsteps:\n  - {id: s, uses: chcksum}\n");
  const auto result = popgate::testing::run_popgate({"lint", dir_.string()}, dir_.string());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.out, dir_.string() +
                            "/workflows/a.yaml:4:19: error: unknown step type 'chcksum' (did you "
                            "mean 'checksum'?)\nfailed: 1 error, 0 warnings in 1 file (0 "
                            "workflows, 0 clients, 0 permits valid)\n");
}

TEST_F(LintTest, CliJsonParsesAsAnArray) {
  write("workflows/a.yaml", "name: a\ntrigger: {manual: {}}\nsteps: []\nbogus: 1\n");
  const auto result =
      popgate::testing::run_popgate({"lint", "--format", "json", dir_.string()}, dir_.string());
  EXPECT_EQ(result.exit_code, 1);
  // Validated with python's json module, which every CI image has.
  std::ofstream(dir_ / "out.json") << result.out;
  const int status = std::system(("python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                                  "assert len(d)==2 and d[0][\"line\"]==3' " +
                                  (dir_ / "out.json").string())
                                     .c_str());
  EXPECT_EQ(status, 0) << result.out;
}

TEST_F(LintTest, CliExplainAndUsage) {
  auto result = popgate::testing::run_popgate({"lint", "--explain", "checksum"}, dir_.string());
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("sha256"), std::string::npos) << result.out;
  result = popgate::testing::run_popgate({"lint", "--explain", "chcksum"}, dir_.string());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "popgate lint: unknown step type 'chcksum' (did you mean 'checksum'?)\n");
  result = popgate::testing::run_popgate({"lint", "--format", "xml"}, dir_.string());
  EXPECT_EQ(result.exit_code, 2);
}

TEST_F(LintTest, CliShippedConfigIsClean) {
  const auto result = popgate::testing::run_popgate(
      {"lint", std::string(POPGATE_SOURCE_DIR) + "/config"}, dir_.string());
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(result.out.starts_with("ok: 0 errors, 0 warnings")) << result.out;
}

TEST_F(LintTest, CommittedReferenceDocIsCurrent) {
  const auto result = popgate::testing::run_popgate({"lint", "--reference"}, dir_.string());
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, popgate::testing::slurp(std::string(POPGATE_SOURCE_DIR) +
                                                "/docs/workflow-reference.md"))
      << "regenerate: popgate lint --reference > docs/workflow-reference.md";
}

}  // namespace
}  // namespace popgate::workflows
