// The exchange identity: created on first use, operator pairs loaded and checked, rotation
// keeping the old pair for decryption. Certificates are inspected with stock `openssl x509`.
#include "adapters/crypto/exchange_identity.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/atomic_file.h"
#include "tests/unit/test_support/openssl_tool.h"

namespace popgate::crypto {
namespace {

namespace fs = std::filesystem;
using testing::make_certificate;
using testing::ScratchDir;
using testing::shell;

class ExchangeIdentityTest : public ::testing::Test {
 protected:
  fs::path keys_dir() const { return dir_.path() / "keys"; }
  ScratchDir dir_;
};

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST_F(ExchangeIdentityTest, FirstUseCreatesAnRsa3072SelfSignedPair) {
  const ExchangeKeys keys(keys_dir());
  const ExchangeIdentity identity = keys.load_or_create();
  EXPECT_EQ(identity.description().key, "RSA 3072");
  EXPECT_TRUE(identity.description().subject.starts_with("CN=popgate exchange "))
      << identity.description().subject;
  EXPECT_EQ(identity.description().serial.size(), 32u) << identity.description().serial;
  EXPECT_EQ(mode_of(keys.key_path()), 0600u);
  EXPECT_EQ(mode_of(keys_dir()), 0700u);
  EXPECT_FALSE(fs::exists(base::temp_path_for(keys.key_path())));

  const testing::ShellResult text =
      shell("openssl x509 -noout -text -in " + keys.certificate_path().string());
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("Digital Signature, Key Encipherment"), std::string::npos);
  EXPECT_NE(text.output.find("E-mail Protection"), std::string::npos);
  EXPECT_NE(text.output.find("Subject Key Identifier"), std::string::npos);
  EXPECT_NE(text.output.find("CA:FALSE"), std::string::npos);
  EXPECT_TRUE(identity.valid_at(std::chrono::system_clock::now()));
  EXPECT_TRUE(identity.valid_at(std::chrono::system_clock::now() + std::chrono::hours(24 * 1090)));
  EXPECT_FALSE(identity.valid_at(std::chrono::system_clock::now() + std::chrono::hours(24 * 1100)));

  // Loaded again, not replaced.
  EXPECT_EQ(keys.load_or_create().description().sha256, identity.description().sha256);
  // The audit chain's key is another file, left alone.
  EXPECT_FALSE(fs::exists(keys_dir() / "appliance.key"));
}

TEST_F(ExchangeIdentityTest, AnOperatorPairIsLoadedAndAMismatchIsRefused) {
  const testing::KeyPair mine = make_certificate(dir_.path(), "mine");
  const testing::KeyPair other = make_certificate(dir_.path(), "other");
  const ExchangeKeys keys(keys_dir());
  fs::create_directories(keys_dir());
  fs::copy_file(mine.key, keys.key_path());
  fs::copy_file(mine.certificate, keys.certificate_path());
  EXPECT_EQ(keys.load_or_create().description().subject, "CN=mine");

  fs::copy_file(other.certificate, keys.certificate_path(), fs::copy_options::overwrite_existing);
  try {
    keys.load_or_create();
    FAIL() << "a key that is not the certificate's was accepted";
  } catch (const CryptoError& e) {
    EXPECT_NE(std::string(e.what()).find("is not the key of the certificate"), std::string::npos)
        << e.what();
  }
}

TEST_F(ExchangeIdentityTest, ACertificateWithoutItsKeyIsAnErrorAndAKeyAloneGetsACertificate) {
  const ExchangeKeys keys(keys_dir());
  const ExchangeIdentity first = keys.load_or_create();
  fs::remove(keys.certificate_path());  // as a crash between the two renames leaves it
  const ExchangeIdentity repaired = keys.load_or_create();
  EXPECT_NE(repaired.description().sha256, first.description().sha256);
  EXPECT_EQ(repaired.description().key, "RSA 3072");

  fs::remove(keys.key_path());
  EXPECT_THROW(keys.load_or_create(), CryptoError);
  EXPECT_FALSE(fs::exists(keys.key_path()));  // nothing generated over an operator's file
}

TEST_F(ExchangeIdentityTest, RotationRetiresTheOldPairAndKeepsItForDecryption) {
  const ExchangeKeys keys(keys_dir());
  const ExchangeIdentity old = keys.load_or_create();
  const Rotation rotation = keys.rotate();
  ASSERT_TRUE(rotation.retired.has_value());
  EXPECT_EQ(rotation.retired->description().sha256, old.description().sha256);
  EXPECT_NE(rotation.current.description().sha256, old.description().sha256);
  const std::string retired_name = rotation.retired->description().certificate_path.filename();
  // exchange-<yyyymmddThhmmss>-<fp8>.crt
  EXPECT_EQ(retired_name.size(), std::string("exchange-20261122T183000-12345678.crt").size());
  EXPECT_TRUE(retired_name.ends_with("-" + old.description().sha256.substr(0, 8) + ".crt"));
  EXPECT_EQ(mode_of(rotation.retired->description().key_path), 0600u);

  const std::vector<ExchangeIdentity> all = keys.for_decryption();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].description().sha256, rotation.current.description().sha256);
  EXPECT_EQ(all[1].description().sha256, old.description().sha256);
  EXPECT_EQ(keys.load_or_create().description().sha256, rotation.current.description().sha256);
}

TEST_F(ExchangeIdentityTest, InstallChecksTheOperatorsPairBeforeChangingAnything) {
  const ExchangeKeys keys(keys_dir());
  const ExchangeIdentity current = keys.load_or_create();
  const testing::KeyPair good = make_certificate(
      dir_.path(), "installed", "rsa", "-addext keyUsage=digitalSignature,keyEncipherment");
  const testing::KeyPair other = make_certificate(dir_.path(), "other");
  const testing::KeyPair signing_only =
      make_certificate(dir_.path(), "signing", "rsa", "-addext keyUsage=digitalSignature");

  EXPECT_THROW(keys.install(good.key, other.certificate), CryptoError);
  try {
    keys.install(signing_only.key, signing_only.certificate);
    FAIL() << "a certificate that cannot receive keys was installed";
  } catch (const CryptoError& e) {
    EXPECT_NE(std::string(e.what()).find("key encipherment"), std::string::npos) << e.what();
  }
  EXPECT_EQ(keys.load_or_create().description().sha256, current.description().sha256);
  EXPECT_TRUE(keys.retired().empty());

  const Rotation rotation = keys.install(good.key, good.certificate);
  EXPECT_EQ(rotation.current.description().subject, "CN=installed");
  EXPECT_EQ(keys.load_or_create().description().subject, "CN=installed");
  ASSERT_EQ(keys.retired().size(), 1u);
  EXPECT_EQ(keys.retired()[0].description().sha256, current.description().sha256);
  EXPECT_THROW(keys.install(good.key, good.certificate), CryptoError);  // already current
}

// An expired certificate, made with `openssl ca`, which can set the dates.
TEST_F(ExchangeIdentityTest, InstallRefusesAnExpiredCertificate) {
  const fs::path ca = dir_.path() / "ca";
  fs::create_directories(ca);
  testing::write_bytes(ca / "index.txt", "");
  testing::write_bytes(ca / "serial", "01\n");
  testing::write_bytes(ca / "ca.cnf",
                       "[ca]\ndefault_ca = d\n[d]\ndatabase = " + (ca / "index.txt").string() +
                           "\nnew_certs_dir = " + ca.string() +
                           "\nserial = " + (ca / "serial").string() +
                           "\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = "
                           "supplied\n");
  const testing::ShellResult made =
      shell("openssl req -new -subj /CN=old -nodes -newkey rsa:2048 -keyout " +
            (ca / "k.pem").string() + " -out " + (ca / "r.csr").string() +
            " && openssl ca -batch -config " + (ca / "ca.cnf").string() + " -selfsign -keyfile " +
            (ca / "k.pem").string() + " -in " + (ca / "r.csr").string() + " -out " +
            (ca / "old.pem").string() + " -startdate 20200101000000Z -enddate 20210101000000Z");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const ExchangeKeys keys(keys_dir());
  try {
    keys.install(ca / "k.pem", ca / "old.pem");
    FAIL() << "an expired certificate was installed";
  } catch (const CryptoError& e) {
    EXPECT_NE(std::string(e.what()).find("expired on 2021-01-01"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(keys.certificate_path()));
}

}  // namespace
}  // namespace popgate::crypto
