// `popgate permit` and `popgate client` on a copy of the shipped configuration: check explains
// its decision and exits 1 when denied; add, revoke and disable leave only configurations
// that lint, and the decision follows them.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/test_support/cli_runner.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing::run_popgate;

class PermitCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-permit-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    fs::copy(fs::path(POPGATE_SOURCE_DIR) / "config", config(), fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path config() const { return dir_ / "config"; }
  testing::CliResult popgate(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back(config().string());
    return run_popgate(args, dir_.string());
  }

  fs::path dir_;
};

TEST_F(PermitCliTest, CheckSaysWhichPermitAllowsOrWhyNoneDoes) {
  testing::CliResult ok =
      popgate({"permit", "check", "demo", "update", "identity", "names", "--on", "2026-01-01"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out,
            "allowed by permit DEMO/1/2024 (Trying popgate's update service with "
            "synthetic data)\n");
  testing::CliResult group = popgate({"permit", "check", "demo", "update", "names", "death"});
  EXPECT_EQ(group.exit_code, 1);
  // The shipped demo client holds two permits: each one's refusal is named.
  EXPECT_EQ(group.out,
            "denied: permit DEMO/1/2024 does not grant the data group 'death'; permit DEMO/2/2024 "
            "does not grant the 'update' service\n");
  EXPECT_EQ(popgate({"permit", "check", "demo", "extraction", "names"}).out,
            "denied: permit DEMO/1/2024 does not grant the 'extraction' service; permit "
            "DEMO/2/2024 does not grant the data group 'names'\n");
  EXPECT_EQ(popgate({"permit", "check", "nobody", "update", "names"}).out,
            "denied: client nobody does not exist\n");
  EXPECT_EQ(popgate({"permit", "check", "demo", "update", "adress"}).exit_code, 2);
  EXPECT_EQ(popgate({"permit", "check", "demo", "update"}).exit_code, 2);
}

TEST_F(PermitCliTest, AddRefusesWhatWouldNotLintAndLeavesNoFile) {
  testing::CliResult bad = popgate({"permit", "add", "--id", "DVV/2/2026", "--holders", "ghost",
                                    "--purpose", "p", "--legal-basis", "l", "--services", "update",
                                    "--groups", "names", "--valid-from", "2026-01-01"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown client 'ghost'"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(config() / "permits" / "DVV-2-2026.yaml"));

  testing::CliResult good =
      popgate({"permit", "add", "--id", "DVV/2/2026", "--holders", "demo", "--purpose",
               "a \"quoted\" aim", "--legal-basis", "l", "--services", "update", "--groups",
               "names,death", "--valid-from", "2026-01-01"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(popgate({"permit", "check", "demo", "update", "death"}).exit_code, 0);
  EXPECT_NE(popgate({"permit", "show", "DVV/2/2026"}).out.find("a \"quoted\" aim"),
            std::string::npos);
  EXPECT_EQ(popgate({"permit", "add", "--id", "DVV/2/2026", "--holders", "demo", "--purpose", "p",
                     "--legal-basis", "l", "--services", "update", "--groups", "names",
                     "--valid-from", "2026-01-01"})
                .exit_code,
            1);
}

TEST_F(PermitCliTest, RevokeAndDisableTakeEffectInTheDecision) {
  ASSERT_EQ(popgate({"permit", "revoke", "DEMO/1/2024"}).exit_code, 0);
  EXPECT_EQ(popgate({"permit", "check", "demo", "update", "names"}).out,
            "denied: permit DEMO/1/2024 is revoked; permit DEMO/2/2024 does not grant the "
            "'update' service\n");
  EXPECT_NE(popgate({"permit", "list"}).out.find("DEMO/1/2024\trevoked"), std::string::npos);

  ASSERT_EQ(popgate({"client", "disable", "demo"}).exit_code, 0);
  EXPECT_EQ(popgate({"permit", "check", "demo", "update", "names"}).out,
            "denied: client demo is disabled\n");
  EXPECT_NE(popgate({"client", "list"}).out.find("demo\tdisabled\t0737546-2\tDemo Oy"),
            std::string::npos);
  // The same for scripts, read by a real JSON parser.
  const testing::CliResult clients = popgate({"client", "list", "--format", "json"});
  EXPECT_TRUE(testing::python_json_check(
      clients.out,
      "d == [{'id': 'demo', 'state': 'disabled', 'business_id': '0737546-2', "
      "'organisation': 'Demo Oy'}]",
      dir_.string()))
      << clients.out;
  const testing::CliResult permits = popgate({"permit", "list", "--format", "json"});
  EXPECT_TRUE(testing::python_json_check(
      permits.out,
      "len(d) == 2 and (lambda p: p['DEMO/1/2024']['status'] == 'revoked' and "
      "p['DEMO/1/2024']['umbrella'] is False and p['DEMO/1/2024']['holders'] == ['demo'] and "
      "p['DEMO/1/2024']['services'] == ['update'] and "
      "'names' in p['DEMO/1/2024']['data_groups'] and "
      "p['DEMO/1/2024']['valid_from'] == '2024-01-01' and "
      "p['DEMO/2/2024']['services'] == ['extraction'])({x['id']: x for x in d})",
      dir_.string()))
      << permits.out;
  EXPECT_TRUE(
      popgate({"permit", "list"}).out.starts_with("id\tstatus\tvalid\tholders\tservices\n"));
  // The edits keep the files' comments and lint clean.
  EXPECT_EQ(run_popgate({"lint", config().string()}, dir_.string()).exit_code, 0);
}

TEST_F(PermitCliTest, ClientAddChecksTheBusinessIdAndWritesKeys) {
  const testing::CliResult bad = popgate({"client", "add", "acme", "--organisation", "Acme Oy",
                                          "--business-id", "0737546-3", "--email", "it@acme.fi"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("invalid business ID"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(config() / "clients" / "acme.yaml"));

  std::ofstream(dir_ / "keys.pub")
      << ("# comment\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcmeKey it@acme\n");
  const testing::CliResult good =
      popgate({"client", "add", "acme", "--organisation", "Acme Oy", "--business-id", "0737546-2",
               "--email", "it@acme.fi", "--ssh-key-file", (dir_ / "keys.pub").string()});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  const std::string shown = popgate({"client", "show", "acme"}).out;
  EXPECT_NE(shown.find("ssh keys      1"), std::string::npos) << shown;
  EXPECT_NE(shown.find("permits       none"), std::string::npos) << shown;
  EXPECT_EQ(popgate({"client", "add", "Bad Id", "--organisation", "x", "--business-id", "0737546-2",
                     "--email", "a@b"})
                .exit_code,
            2);
}

}  // namespace
}  // namespace popgate
