// popgate keys init|show|rotate, driven as an operator would, the certificates checked with stock
// openssl.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/test_support/cli_runner.h"
#include "tests/unit/test_support/openssl_tool.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing::run_popgate;

class KeysCliTest : public ::testing::Test {
 protected:
  testing::CliResult keys(std::vector<std::string> args) {
    args.insert(args.begin(), "keys");
    args.push_back("--data-dir");
    args.push_back((dir_.path() / "data").string());
    return run_popgate(args, dir_.path().string());
  }
  // The value after "<label>" on the first line holding it.
  static std::string field(const std::string& text, const std::string& label) {
    const std::size_t at = text.find(label);
    if (at == std::string::npos) return "";
    const std::size_t start = text.find_first_not_of(' ', at + label.size());
    return text.substr(start, text.find('\n', start) - start);
  }

  testing::ScratchDir dir_;
};

// Showing never makes a key (a certificate shown from the wrong directory would be one the
// daemon does not hold); init makes it once and says which it did.
TEST_F(KeysCliTest, InitMakesTheIdentityOnceAndShowNeverDoes) {
  const testing::CliResult none = keys({"show", "--pem"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_TRUE(none.out.empty()) << none.out;
  EXPECT_NE(none.err.find("no exchange key in " + (dir_.path() / "data" / "keys").string() +
                          ": 'popgate keys init --data-dir " + (dir_.path() / "data").string() +
                          "' makes one"),
            std::string::npos)
      << none.err;
  EXPECT_FALSE(fs::exists(dir_.path() / "data")) << "showing made the data directory";

  const testing::CliResult made = keys({"init"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_TRUE(made.out.starts_with("made a new exchange key and certificate:")) << made.out;
  const testing::CliResult again = keys({"init"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(again.out.starts_with("the exchange key is already there, unchanged:")) << again.out;
  EXPECT_EQ(field(again.out, "sha256"), field(made.out, "sha256"));

  fs::remove(dir_.path() / "data" / "keys" / "exchange.crt");
  const testing::CliResult half = keys({"show"});
  EXPECT_EQ(half.exit_code, 1);
  EXPECT_NE(half.err.find("has no certificate"), std::string::npos) << half.err;
}

TEST_F(KeysCliTest, ShowPrintsTheIdentityAndItsPem) {
  ASSERT_EQ(keys({"init"}).exit_code, 0);
  const testing::CliResult shown = keys({"show"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(field(shown.out, "subject").starts_with("CN=popgate exchange ")) << shown.out;
  EXPECT_EQ(field(shown.out, "key"), "RSA 3072");
  EXPECT_EQ(field(shown.out, "sha256").size(), 64u);
  EXPECT_NE(shown.out.find("retired (still decrypt uploads): 0"), std::string::npos);

  const testing::CliResult pem = keys({"show", "--pem"});
  ASSERT_EQ(pem.exit_code, 0) << pem.err;
  EXPECT_TRUE(pem.out.starts_with("-----BEGIN CERTIFICATE-----"));
  testing::write_bytes(dir_.path() / "given.crt", pem.out);
  const testing::ShellResult fingerprint = testing::shell(
      "openssl x509 -noout -fingerprint -sha256 -in " + (dir_.path() / "given.crt").string());
  ASSERT_EQ(fingerprint.exit_code, 0) << fingerprint.output;
  std::string expected = field(shown.out, "sha256");
  std::string printed = fingerprint.output.substr(fingerprint.output.find('=') + 1);
  std::erase(printed, ':');
  std::erase(printed, '\n');
  for (char& c : printed)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(printed, expected);
}

// init also makes the SFTP host keys (a package's first install runs it, before the daemon's
// first start): once, with the fingerprints OpenSSH's ssh-keygen prints for them; show lists
// them and never makes one.
TEST_F(KeysCliTest, InitMakesTheHostKeysOnceAndShowPrintsTheirFingerprints) {
  const fs::path keys_dir = dir_.path() / "data" / "keys";
  const testing::CliResult made = keys({"init"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("SFTP host keys: made 3, kept 0"), std::string::npos) << made.out;
  for (const char* name : {"ssh_host_ed25519_key", "ssh_host_ecdsa_key", "ssh_host_rsa_key"}) {
    const fs::path key = keys_dir / name;
    ASSERT_TRUE(fs::exists(key)) << key;
    EXPECT_EQ(fs::status(key).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    const testing::ShellResult listed =
        testing::shell("ssh-keygen -l -E sha256 -f " + key.string() + ".pub");
    ASSERT_EQ(listed.exit_code, 0) << listed.output;
    // "256 SHA256:abc popgate (ED25519)": the hash must be the one init printed.
    const std::string hash = listed.output.substr(
        listed.output.find("SHA256:"),
        listed.output.find(' ', listed.output.find("SHA256:")) - listed.output.find("SHA256:"));
    EXPECT_NE(made.out.find(hash + "  " + key.string()), std::string::npos)
        << made.out << "\nssh-keygen: " << listed.output;
  }
  const testing::CliResult again = keys({"init"});
  EXPECT_NE(again.out.find("SFTP host keys: made 0, kept 3"), std::string::npos) << again.out;
  const testing::CliResult shown = keys({"show"});
  EXPECT_NE(shown.out.find("SFTP host keys (clients pin these fingerprints): 3"), std::string::npos)
      << shown.out;
  for (const std::string line :
       {"ssh-ed25519 SHA256:", "ecdsa-sha2-nistp256 SHA256:", "ssh-rsa SHA256:"})
    EXPECT_NE(shown.out.find(line), std::string::npos) << shown.out;

  fs::remove(keys_dir / "ssh_host_rsa_key");
  fs::remove(keys_dir / "ssh_host_rsa_key.pub");
  EXPECT_NE(keys({"show"}).out.find("fingerprints): 2"), std::string::npos)
      << "show made a host key";
  EXPECT_FALSE(fs::exists(keys_dir / "ssh_host_rsa_key"));
}

TEST_F(KeysCliTest, RotateRetiresTheCurrentPairAndShowListsIt) {
  const std::string before = field(keys({"init"}).out, "sha256");
  const testing::CliResult rotated = keys({"rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("retired " + before), std::string::npos) << rotated.out;

  const testing::CliResult shown = keys({"show"});
  EXPECT_NE(field(shown.out, "sha256"), before);
  EXPECT_NE(shown.out.find("retired (still decrypt uploads): 1"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(before), std::string::npos);
  EXPECT_NE(shown.out.find("keys/retired/exchange-"), std::string::npos);
}

TEST_F(KeysCliTest, RotateInstallsAnOperatorsPairOnlyIfItIsUsable) {
  keys({"init"});
  const testing::KeyPair good = testing::make_certificate(dir_.path(), "operator");
  const testing::KeyPair other = testing::make_certificate(dir_.path(), "other");
  const testing::CliResult mismatch =
      keys({"rotate", "--key", good.key, "--cert", other.certificate});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("is not the key of the certificate"), std::string::npos)
      << mismatch.err;
  EXPECT_NE(keys({"show"}).out.find("retired (still decrypt uploads): 0"), std::string::npos);

  const testing::CliResult installed =
      keys({"rotate", "--key", good.key, "--cert", good.certificate});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  EXPECT_EQ(field(keys({"show"}).out, "subject"), "CN=operator");
}

TEST_F(KeysCliTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(keys({"turn"}).exit_code, 2);
  EXPECT_EQ(keys({"rotate", "--key", "k.pem"}).exit_code, 2);
  EXPECT_EQ(keys({"show", "--cert", "c.pem"}).exit_code, 2);
  EXPECT_EQ(keys({"init", "--pem"}).exit_code, 2);
  const testing::CliResult help = run_popgate({"keys", "--help"}, dir_.path().string());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("rotate"), std::string::npos);
}

}  // namespace
}  // namespace popgate
