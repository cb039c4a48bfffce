// Results signed and encrypted by popgate, opened and verified by stock `openssl cms` exactly
// as docs/client-guide.md tells clients to.
#include "adapters/crypto/cms_envelope.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/crypto/cms_open.h"
#include "adapters/crypto/sha256.h"
#include "base/atomic_file.h"
#include "tests/unit/test_support/openssl_tool.h"

namespace popgate::crypto {
namespace {

namespace fs = std::filesystem;
using testing::KeyPair;
using testing::make_certificate;
using testing::read_bytes;
using testing::ScratchDir;
using testing::shell;
using testing::ShellResult;

class CmsEnvelopeTest : public ::testing::Test {
 protected:
  CmsEnvelopeTest() : keys_(dir_.path() / "keys"), identity_(keys_.load_or_create()) {}

  // What a client runs: decrypt with its key, then verify against the exchange certificate.
  ShellResult client_opens(const fs::path& p7m, const KeyPair& client, const fs::path& out) {
    return shell("openssl cms -decrypt -inform DER -in " + p7m.string() + " -inkey " + client.key +
                 " -recip " + client.certificate + " | openssl cms -verify -inform DER -CAfile " +
                 keys_.certificate_path().string() + " -out " + out.string());
  }

  // The structure as `openssl cms -cmsout -print` shows it.
  std::string structure(const fs::path& p7m) {
    return shell("openssl cms -cmsout -print -inform DER -in " + p7m.string()).output;
  }

  fs::path input_with(const std::string& bytes) {
    const fs::path path = dir_.path() / "input.zip";
    testing::write_bytes(path, bytes);
    return path;
  }

  ScratchDir dir_;
  ExchangeKeys keys_;
  ExchangeIdentity identity_;
};

TEST_F(CmsEnvelopeTest, AnRsaClientOpensAndVerifiesWithStockOpenssl) {
  const KeyPair client = make_certificate(dir_.path(), "client");
  const std::string content = testing::random_bytes(300'000);
  const fs::path input = input_with(content);
  const fs::path p7m = dir_.path() / "result.zip.p7m";
  const EnvelopeResult result =
      sign_and_encrypt(input, 0, content.size(), identity_, {client.certificate}, p7m);
  EXPECT_EQ(result.content_bytes, content.size());
  EXPECT_EQ(result.output_bytes, fs::file_size(p7m));
  EXPECT_FALSE(fs::exists(base::temp_path_for(p7m)));

  const ShellResult opened = client_opens(p7m, client, dir_.path() / "out");
  ASSERT_EQ(opened.exit_code, 0) << opened.output;
  EXPECT_NE(opened.output.find("Verification successful"), std::string::npos);
  EXPECT_EQ(read_bytes(dir_.path() / "out"), content);

  const std::string printed = structure(p7m);
  EXPECT_NE(printed.find("id-smime-ct-authEnvelopedData"), std::string::npos) << printed;
  EXPECT_NE(printed.find("rsaesOaep"), std::string::npos) << printed;
  EXPECT_NE(printed.find("aes-256-gcm"), std::string::npos) << printed;
  EXPECT_NE(printed.find("pkcs7-signedData"), std::string::npos) << printed;
}

TEST_F(CmsEnvelopeTest, AnEcClientOpensItToo) {
  const KeyPair client = make_certificate(dir_.path(), "ecclient", "ec");
  const fs::path input = input_with("id;name\n1;Virtanen\n");
  const fs::path p7m = dir_.path() / "r.p7m";
  sign_and_encrypt(input, 0, fs::file_size(input), identity_, {client.certificate}, p7m);
  const ShellResult opened = client_opens(p7m, client, dir_.path() / "out");
  ASSERT_EQ(opened.exit_code, 0) << opened.output;
  EXPECT_EQ(read_bytes(dir_.path() / "out"), "id;name\n1;Virtanen\n");
  EXPECT_NE(structure(p7m).find("dhSinglePass-stdDH"), std::string::npos);
}

TEST_F(CmsEnvelopeTest, EveryRecipientOpensTheSameFile) {
  const KeyPair rsa = make_certificate(dir_.path(), "old");
  const KeyPair ec = make_certificate(dir_.path(), "new", "ec");
  const std::string content = testing::random_bytes(70'000, 2);
  const fs::path input = input_with(content);
  const fs::path p7m = dir_.path() / "r.p7m";
  sign_and_encrypt(input, 0, content.size(), identity_, {rsa.certificate, ec.certificate}, p7m);
  for (const KeyPair& client : {rsa, ec}) {
    const ShellResult opened = client_opens(p7m, client, dir_.path() / "out");
    ASSERT_EQ(opened.exit_code, 0) << client.certificate << ": " << opened.output;
    EXPECT_EQ(read_bytes(dir_.path() / "out"), content);
  }
  const KeyPair stranger = make_certificate(dir_.path(), "stranger");
  EXPECT_NE(client_opens(p7m, stranger, dir_.path() / "nope").exit_code, 0);
}

TEST_F(CmsEnvelopeTest, CbcMakesEnvelopedDataThatOpensTheSameWay) {
  const KeyPair client = make_certificate(dir_.path(), "client");
  const std::string content = testing::random_bytes(5'000, 3);
  const fs::path input = input_with(content);
  const fs::path p7m = dir_.path() / "r.p7m";
  EnvelopeOptions options;
  options.cipher = ContentCipher::aes_256_cbc;
  sign_and_encrypt(input, 0, content.size(), identity_, {client.certificate}, p7m, options);
  const std::string printed = structure(p7m);
  EXPECT_NE(printed.find("pkcs7-envelopedData"), std::string::npos) << printed;
  EXPECT_NE(printed.find("aes-256-cbc"), std::string::npos) << printed;
  const ShellResult opened = client_opens(p7m, client, dir_.path() / "out");
  ASSERT_EQ(opened.exit_code, 0) << opened.output;
  EXPECT_EQ(read_bytes(dir_.path() / "out"), content);
}

TEST_F(CmsEnvelopeTest, OnlyTheGivenByteRangeIsSignedAndEncrypted) {
  const KeyPair client = make_certificate(dir_.path(), "client");
  const std::string content = testing::random_bytes(10'000, 4);
  const fs::path input = input_with(content);
  const fs::path p7m = dir_.path() / "r.p7m";
  EnvelopeOptions options;
  options.chunk_size = 1000;  // the range does not fall on chunk boundaries
  sign_and_encrypt(input, 2'500, 4'321, identity_, {client.certificate}, p7m, options);
  ASSERT_EQ(client_opens(p7m, client, dir_.path() / "out").exit_code, 0);
  EXPECT_EQ(read_bytes(dir_.path() / "out"), content.substr(2'500, 4'321));

  EXPECT_THROW(sign_and_encrypt(input, 9'000, 2'000, identity_, {client.certificate}, p7m),
               CryptoError);
  EXPECT_FALSE(fs::exists(base::temp_path_for(p7m)));
}

TEST_F(CmsEnvelopeTest, TamperedCiphertextIsRefusedByOpensslAndByPopgate) {
  const KeyPair client = make_certificate(dir_.path(), "client");
  const std::string content = testing::random_bytes(100'000, 5);
  const fs::path input = input_with(content);
  // To the client, and (for popgate's own check) to the exchange certificate.
  const fs::path p7m = dir_.path() / "r.p7m";
  sign_and_encrypt(input, 0, content.size(), identity_,
                   {client.certificate, keys_.certificate_path()}, p7m);
  testing::flip_bit(p7m, -60'000);  // inside the encrypted content

  const ShellResult opened = client_opens(p7m, client, dir_.path() / "out");
  EXPECT_NE(opened.exit_code, 0) << opened.output;
  try {
    decrypt_upload(p7m, dir_.path() / "ours", keys_.for_decryption(), {}, false, 1 << 30);
    FAIL() << "tampered content was accepted";
  } catch (const UploadRefused& e) {
    EXPECT_EQ(e.problem(), UploadProblem::tampered) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "ours"));
}

TEST_F(CmsEnvelopeTest, AnUnreadableRecipientCertificateFailsBeforeAnyOutput) {
  const fs::path input = input_with("x");
  const fs::path p7m = dir_.path() / "r.p7m";
  testing::write_bytes(dir_.path() / "junk.crt", "not a certificate");
  EXPECT_THROW(sign_and_encrypt(input, 0, 1, identity_, {(dir_.path() / "junk.crt").string()}, p7m),
               CryptoError);
  EXPECT_THROW(sign_and_encrypt(input, 0, 1, identity_, {}, p7m), CryptoError);
  EXPECT_FALSE(fs::exists(p7m));
  EXPECT_FALSE(fs::exists(base::temp_path_for(p7m)));
}

TEST_F(CmsEnvelopeTest, CancellingRemovesThePartialOutput) {
  const KeyPair client = make_certificate(dir_.path(), "client");
  const std::string content = testing::random_bytes(50'000, 6);
  const fs::path input = input_with(content);
  const fs::path p7m = dir_.path() / "r.p7m";
  EnvelopeOptions options;
  options.chunk_size = 4096;
  int chunks = 0;
  options.should_stop = [&chunks] { return ++chunks > 3; };
  EXPECT_THROW(
      sign_and_encrypt(input, 0, content.size(), identity_, {client.certificate}, p7m, options),
      CmsCancelled);
  EXPECT_EQ(chunks, 4);
  EXPECT_FALSE(fs::exists(p7m));
  EXPECT_FALSE(fs::exists(base::temp_path_for(p7m)));
}

std::uint64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6));
  }
  return 0;
}

// 200 MB through the streaming pass: the process's peak memory grows by a small fraction of
// the input, and the result still opens.
TEST_F(CmsEnvelopeTest, A200MegabyteInputStreamsInBoundedMemory) {
  const KeyPair client = make_certificate(dir_.path(), "client");
  const fs::path input = dir_.path() / "big.zip";
  {
    std::ofstream out(input, std::ios::binary);
    const std::string block = testing::random_bytes(1 << 20, 7);
    for (int i = 0; i < 200; ++i) {
      out << block;
      out << static_cast<char>(i);  // no two megabytes alike
    }
  }
  const std::uint64_t size = fs::file_size(input);
  const std::uint64_t before = peak_rss_kib();
  const fs::path p7m = dir_.path() / "big.p7m";
  sign_and_encrypt(input, 0, size, identity_, {client.certificate}, p7m);
  const std::uint64_t growth_mib = (peak_rss_kib() - before) / 1024;
  std::cout << "peak RSS growth while signing and encrypting " << size / (1 << 20)
            << " MiB: " << growth_mib << " MiB\n";
  EXPECT_LT(growth_mib, 40u);

  const ShellResult digest =
      shell("openssl cms -decrypt -inform DER -in " + p7m.string() + " -inkey " + client.key +
            " -recip " + client.certificate + " | openssl cms -verify -inform DER -CAfile " +
            keys_.certificate_path().string() + " 2>/dev/null | sha256sum");
  ASSERT_EQ(digest.exit_code, 0) << digest.output;
  EXPECT_EQ(digest.output.substr(0, 64), sha256_file(input).sha256);
}

}  // namespace
}  // namespace popgate::crypto
