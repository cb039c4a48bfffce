// popgate lint checks clients' encryption certificates with OpenSSL: certificates made by the
// stock openssl command, good and bad, each reported at the client's `certificate:` value.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/test_support/cli_runner.h"

namespace popgate {
namespace {

namespace fs = std::filesystem;
using testing::run_popgate;

class CertificateLintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/popgate-cert-lint-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "config" / "clients");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Makes DIR/config/clients/<name>.pem with `openssl req -x509` and extra arguments.
  void make_certificate(const std::string& name, const std::string& args) {
    const std::string command = "openssl req -x509 -new -subj /CN=" + name + " -nodes -keyout " +
                                (dir_ / (name + ".key")).string() + " -out " +
                                (dir_ / "config" / "clients" / (name + ".pem")).string() + " " +
                                args + " 2>/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void write_client(const std::string& certificate) {
    std::ofstream(dir_ / "config" / "clients" / "acme.yaml")
        << "organisation: Acme Oy\nbusiness_id: 0737546-2\ncertificate: " << certificate << "\n";
  }
  testing::CliResult lint() {
    return run_popgate({"lint", (dir_ / "config").string()}, dir_.string());
  }

  fs::path dir_;
};

TEST_F(CertificateLintTest, AValidRsaOrEcCertificatePasses) {
  make_certificate("rsa", "-newkey rsa:2048 -days 30 -addext keyUsage=keyEncipherment");
  write_client("rsa.pem");
  testing::CliResult result = lint();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  make_certificate("ec", "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 30");
  write_client("ec.pem");
  result = lint();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST_F(CertificateLintTest, UnusableCertificatesAreErrorsAtTheKey) {
  make_certificate("signing", "-newkey rsa:2048 -days 30 -addext keyUsage=digitalSignature");
  write_client("signing.pem");
  testing::CliResult result = lint();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("acme.yaml:3:14: error: the certificate's key usage does not allow "
                            "key encipherment"),
            std::string::npos)
      << result.out;

  make_certificate("weak", "-newkey rsa:1024 -days 30");
  write_client("weak.pem");
  EXPECT_NE(lint().out.find("RSA key has 1024 bits; at least 2048"), std::string::npos);

  write_client("missing.pem");
  EXPECT_NE(lint().out.find("error: cannot read"), std::string::npos);

  std::ofstream(dir_ / "config" / "clients" / "junk.pem") << "not a certificate\n";
  write_client("junk.pem");
  EXPECT_NE(lint().out.find("is not a PEM X.509 certificate"), std::string::npos);
}

// A client rolling over to a new certificate lists both; each entry is checked at its place.
TEST_F(CertificateLintTest, EachCertificateOfAListIsCheckedAtItsEntry) {
  make_certificate("current", "-newkey rsa:2048 -days 30");
  make_certificate("next", "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 60");
  write_client("\n  - current.pem\n  - next.pem");
  testing::CliResult result = lint();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;

  make_certificate("weak", "-newkey rsa:1024 -days 30");
  write_client("\n  - current.pem\n  - weak.pem");
  result = lint();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("acme.yaml:5:5: error: the certificate's RSA key has 1024 bits"),
            std::string::npos)
      << result.out;

  write_client("[]");
  EXPECT_NE(lint().out.find("certificate: the list is empty"), std::string::npos);
}

// An expired certificate, made with `openssl ca`, which can set the dates.
TEST_F(CertificateLintTest, AnExpiredCertificateIsAnError) {
  const fs::path ca = dir_ / "ca";
  fs::create_directories(ca);
  std::ofstream(ca / "index.txt") << "";
  std::ofstream(ca / "serial") << "01\n";
  std::ofstream(ca / "ca.cnf") << "[ca]\ndefault_ca = d\n[d]\ndatabase = "
                               << (ca / "index.txt").string() << "\nnew_certs_dir = " << ca.string()
                               << "\nserial = " << (ca / "serial").string()
                               << "\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n";
  const std::string command =
      "openssl req -new -subj /CN=old -nodes -newkey rsa:2048 -keyout " + (ca / "k.pem").string() +
      " -out " + (ca / "r.csr").string() + " 2>/dev/null && openssl ca -batch -config " +
      (ca / "ca.cnf").string() + " -selfsign -keyfile " + (ca / "k.pem").string() + " -in " +
      (ca / "r.csr").string() + " -out " + (dir_ / "config" / "clients" / "old.pem").string() +
      " -startdate 20200101000000Z -enddate 20210101000000Z >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  write_client("old.pem");
  const testing::CliResult result = lint();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("acme.yaml:3:14: error: the certificate expired on 2021-01-01"),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace popgate
