// Uploads made by stock `openssl cms -encrypt` (with and without `-sign` first), opened by
// popgate: what is accepted, and the reason for each refusal.
#include "adapters/crypto/cms_open.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "adapters/crypto/exchange_identity.h"
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

constexpr const char* kContent = "hetu;surname\n010101-123N;Virtanen\n";
constexpr std::uint64_t kLimit = 1 << 30;

class CmsOpenTest : public ::testing::Test {
 protected:
  CmsOpenTest() : keys_(dir_.path() / "keys") {
    keys_.load_or_create();
    client_ = make_certificate(dir_.path(), "client");
    fs::create_directories(dir_.path() / "work");
    testing::write_bytes(dir_.path() / "data.csv", kContent);
  }

  // `openssl cms -encrypt` of `in` to `recipient` (default: the exchange certificate).
  fs::path encrypt(const fs::path& in, const std::string& options = "-aes-256-gcm -outform DER",
                   std::string recipient = "") {
    if (recipient.empty()) recipient = keys_.certificate_path().string();
    const fs::path out = dir_.path() / "upload.p7m";
    const ShellResult made = shell("openssl cms -encrypt -binary " + options + " -in " +
                                   in.string() + " -out " + out.string() + " " + recipient);
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return out;
  }

  // `openssl cms -sign` of the content with `signer`, then encrypted.
  fs::path sign_then_encrypt(const KeyPair& signer,
                             const std::string& sign_options = "-nodetach -outform DER") {
    const fs::path signed_file = dir_.path() / "signed";
    const ShellResult made =
        shell("openssl cms -sign -binary " + sign_options + " -in " +
              (dir_.path() / "data.csv").string() + " -signer " + signer.certificate + " -inkey " +
              signer.key + " -out " + signed_file.string());
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return encrypt(signed_file);
  }

  OpenedUpload open(const fs::path& upload, bool require_signature = false,
                    std::uint64_t limit = kLimit) {
    return decrypt_upload(upload, output(), keys_.for_decryption(), {client_.certificate},
                          require_signature, limit);
  }

  // The refusal `open` ends in; fails the test when it succeeds.
  UploadRefused refusal(const fs::path& upload, bool require_signature = false,
                        std::uint64_t limit = kLimit) {
    try {
      open(upload, require_signature, limit);
    } catch (const UploadRefused& e) {
      EXPECT_FALSE(fs::exists(output())) << "output left after a refusal";
      return e;
    }
    ADD_FAILURE() << upload << " was accepted";
    return UploadRefused(UploadProblem::not_cms, "");
  }

  fs::path output() const { return dir_.path() / "work" / "data.csv"; }

  ScratchDir dir_;
  ExchangeKeys keys_;
  KeyPair client_;
};

TEST_F(CmsOpenTest, UnsignedUploadsInDerPemAndSmimeOpen) {
  for (const std::string format : {"-outform DER", "-outform PEM", "-outform SMIME", ""}) {
    for (const std::string cipher : {"-aes-256-gcm", "-aes-256-cbc"}) {
      const OpenedUpload opened = open(encrypt(dir_.path() / "data.csv", cipher + " " + format));
      EXPECT_FALSE(opened.is_signed);
      EXPECT_EQ(read_bytes(output()), kContent) << format << " " << cipher;
      EXPECT_EQ(opened.bytes, std::string(kContent).size());
      EXPECT_EQ(opened.decrypted_with, keys_.load_or_create().description().sha256);
      fs::remove(output());
    }
  }
  // RSA-OAEP key transport too.
  open(encrypt(dir_.path() / "data.csv",
               "-outform DER -recip " + keys_.certificate_path().string() +
                   " -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256",
               " "));
  EXPECT_EQ(read_bytes(output()), kContent);
}

TEST_F(CmsOpenTest, AnUploadSignedByTheClientIsVerifiedAndUnwrapped) {
  const OpenedUpload opened = open(sign_then_encrypt(client_), true);
  EXPECT_TRUE(opened.is_signed);
  EXPECT_EQ(opened.signer_subject, "CN=client");
  EXPECT_EQ(opened.signer_sha256.size(), 64u);
  EXPECT_EQ(read_bytes(output()), kContent);
  fs::remove(output());

  // The default of `openssl cms -sign`: S/MIME, signature detached in multipart/signed.
  EXPECT_TRUE(open(sign_then_encrypt(client_, ""), true).is_signed);
  EXPECT_EQ(read_bytes(output()), kContent);
  fs::remove(output());

  // Signed without including the certificate: found among the client's certificates.
  EXPECT_TRUE(open(sign_then_encrypt(client_, "-nodetach -nocerts -outform DER"), true).is_signed);
}

TEST_F(CmsOpenTest, EitherCertificateOfARolloverMaySign) {
  const KeyPair next = make_certificate(dir_.path(), "client-2027");
  const OpenedUpload opened =
      decrypt_upload(sign_then_encrypt(next), output(), keys_.for_decryption(),
                     {client_.certificate, next.certificate}, true, kLimit);
  EXPECT_EQ(opened.signer_subject, "CN=client-2027");
}

TEST_F(CmsOpenTest, ASignatureByAnyoneElseIsRefused) {
  const KeyPair stranger = make_certificate(dir_.path(), "stranger");
  const UploadRefused included = refusal(sign_then_encrypt(stranger));
  EXPECT_EQ(included.problem(), UploadProblem::unknown_signer);
  EXPECT_NE(std::string(included.what()).find("'CN=stranger'"), std::string::npos)
      << included.what();
  EXPECT_EQ(refusal(sign_then_encrypt(stranger, "-nodetach -nocerts -outform DER")).problem(),
            UploadProblem::unknown_signer);

  // The same name as the client's certificate is not the client's certificate.
  fs::create_directories(dir_.path() / "impostor");
  const KeyPair impostor = make_certificate(dir_.path() / "impostor", "client");
  EXPECT_EQ(refusal(sign_then_encrypt(impostor)).problem(), UploadProblem::unknown_signer);
}

TEST_F(CmsOpenTest, UnsignedContentIsRefusedWhenASignatureIsRequired) {
  const UploadRefused e = refusal(encrypt(dir_.path() / "data.csv"), true);
  EXPECT_EQ(e.problem(), UploadProblem::unsigned_content);
  EXPECT_NE(std::string(e.what()).find("not signed"), std::string::npos);
}

TEST_F(CmsOpenTest, AnUploadForSomeoneElseIsRefused) {
  const KeyPair other = make_certificate(dir_.path(), "other-appliance");
  const UploadRefused e =
      refusal(encrypt(dir_.path() / "data.csv", "-aes-256-gcm -outform DER", other.certificate));
  EXPECT_EQ(e.problem(), UploadProblem::not_for_us);
  EXPECT_NE(std::string(e.what()).find("not encrypted to this appliance"), std::string::npos);
}

TEST_F(CmsOpenTest, PlainFilesAndUnencryptedCmsAreNamedForWhatTheyAre) {
  EXPECT_EQ(refusal(dir_.path() / "data.csv").problem(), UploadProblem::not_cms);
  // A CSV whose first field starts with "0" is not mistaken for DER.
  testing::write_bytes(dir_.path() / "zero.csv", "0101;x\n");
  EXPECT_EQ(refusal(dir_.path() / "zero.csv").problem(), UploadProblem::not_cms);

  const ShellResult made =
      shell("openssl cms -sign -nodetach -binary -outform DER -in " +
            (dir_.path() / "data.csv").string() + " -signer " + client_.certificate + " -inkey " +
            client_.key + " -out " + (dir_.path() / "signed-only.p7m").string());
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const UploadRefused e = refusal(dir_.path() / "signed-only.p7m");
  EXPECT_EQ(e.problem(), UploadProblem::not_encrypted);
  EXPECT_NE(std::string(e.what()).find("not encrypted"), std::string::npos) << e.what();
}

TEST_F(CmsOpenTest, TamperedAndTruncatedUploadsAreRefused) {
  testing::write_bytes(dir_.path() / "big.csv", testing::random_bytes(50'000));
  const fs::path upload = encrypt(dir_.path() / "big.csv");
  const std::string original = read_bytes(upload);
  testing::flip_bit(upload, -20'000);
  EXPECT_EQ(refusal(upload).problem(), UploadProblem::tampered);

  testing::write_bytes(upload, original.substr(0, original.size() - 100));
  EXPECT_EQ(refusal(upload).problem(), UploadProblem::tampered);
}

TEST_F(CmsOpenTest, ASignatureThatDoesNotMatchIsRefused) {
  // Altering the signed content inside an upload the client signed: CBC has no integrity of
  // its own, so only the signature can tell. The content sits near the end of a DER
  // SignedData with the certificate; the last block keeps its padding intact.
  const fs::path signed_file = dir_.path() / "signed";
  const ShellResult made =
      shell("openssl cms -sign -binary -nodetach -outform DER -in " +
            (dir_.path() / "data.csv").string() + " -signer " + client_.certificate + " -inkey " +
            client_.key + " -out " + signed_file.string());
  ASSERT_EQ(made.exit_code, 0);
  std::string der = read_bytes(signed_file);
  const std::size_t at = der.find("Virtanen");
  ASSERT_NE(at, std::string::npos);
  der[at] = 'W';
  testing::write_bytes(signed_file, der);
  EXPECT_EQ(refusal(encrypt(signed_file)).problem(), UploadProblem::bad_signature);
}

TEST_F(CmsOpenTest, AFileOverTheLimitIsRefusedBeforeDecrypting) {
  const fs::path upload = encrypt(dir_.path() / "data.csv");
  const UploadRefused e = refusal(upload, false, 100);
  EXPECT_EQ(e.problem(), UploadProblem::too_large);
  EXPECT_NE(std::string(e.what()).find("at most 100"), std::string::npos) << e.what();
}

TEST_F(CmsOpenTest, AnUploadToTheRetiredCertificateStillOpensAfterRotation) {
  const fs::path old_certificate = dir_.path() / "old.crt";
  fs::copy_file(keys_.certificate_path(), old_certificate);
  const Rotation rotation = keys_.rotate();
  const OpenedUpload opened =
      open(encrypt(dir_.path() / "data.csv", "-aes-256-gcm -outform DER", old_certificate));
  EXPECT_TRUE(opened.decrypted_with_retired);
  EXPECT_EQ(opened.decrypted_with, rotation.retired->description().sha256);
  EXPECT_EQ(read_bytes(output()), kContent);
  fs::remove(output());
  EXPECT_FALSE(open(encrypt(dir_.path() / "data.csv")).decrypted_with_retired);
}

}  // namespace
}  // namespace popgate::crypto
