#include "adapters/crypto/cms_envelope.h"

#include <fcntl.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "adapters/crypto/openssl_handles.h"
#include "base/atomic_file.h"
#include "base/unique_fd.h"

namespace popgate::crypto {
namespace {

namespace fs = std::filesystem;
using detail::BioPtr;
using detail::CmsPtr;
using detail::X509Ptr;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// The filter BIOs BIO_new_CMS pushes on top of `bottom`: writing into it feeds the content of
// `cms`, whose DER comes out into `bottom`. Freed up to, not including, `bottom` (as
// i2d_CMS_bio_stream does), so that chains can be stacked: signed data into enveloped data
// into the file.
class CmsWriter {
 public:
  CmsWriter(BIO* bottom, CMS_ContentInfo* cms, const char* what)
      : bottom_(bottom), top_(BIO_new_CMS(bottom, cms)) {
    if (top_ == nullptr)
      throw CryptoError(std::string("cannot start the ") + what + ": " +
                        detail::take_openssl_error());
  }
  ~CmsWriter() {
    BIO* bio = top_;
    while (bio != nullptr && bio != bottom_) {
      BIO* next = BIO_pop(bio);
      BIO_free(bio);
      bio = next;
    }
  }
  CmsWriter(const CmsWriter&) = delete;
  CmsWriter& operator=(const CmsWriter&) = delete;

  BIO* get() const { return top_; }

 private:
  BIO* bottom_;
  BIO* top_;
};

// RSA recipients get RSAES-OAEP with SHA-256 (and MGF1-SHA-256) rather than PKCS #1 v1.5,
// whose padding oracles make it a poor choice for new data. EC recipients get OpenSSL's
// default ECDH key agreement (ephemeral-static, AES key wrap).
void add_recipient(CMS_ContentInfo* envelope, X509* certificate, const fs::path& path) {
  const bool rsa = EVP_PKEY_get_base_id(X509_get0_pubkey(certificate)) == EVP_PKEY_RSA;
  CMS_RecipientInfo* recipient =
      CMS_add1_recipient_cert(envelope, certificate, rsa ? CMS_KEY_PARAM : 0);
  if (recipient == nullptr)
    throw CryptoError("cannot encrypt to the certificate " + path.string() + ": " +
                      detail::take_openssl_error());
  if (!rsa) return;
  EVP_PKEY_CTX* context = CMS_RecipientInfo_get0_pkey_ctx(recipient);
  if (context == nullptr || EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) <= 0)
    throw CryptoError("cannot set RSA-OAEP for " + path.string() + ": " +
                      detail::take_openssl_error());
}

CmsPtr make_envelope(ContentCipher cipher, const std::vector<fs::path>& recipient_certificates) {
  if (recipient_certificates.empty()) throw CryptoError("no recipient certificate");
  CmsPtr envelope(cipher == ContentCipher::aes_256_gcm
                      ? CMS_AuthEnvelopedData_create(EVP_aes_256_gcm())
                      : CMS_EnvelopedData_create(EVP_aes_256_cbc()));
  if (!envelope)
    throw CryptoError("cannot create the enveloped data: " + detail::take_openssl_error());
  for (const fs::path& path : recipient_certificates) {
    std::string why;
    const X509Ptr certificate = detail::read_pem_certificate(path, &why);
    if (!certificate) throw CryptoError(why);
    add_recipient(envelope.get(), certificate.get(), path);  // takes its own reference
  }
  // The encrypted content is SignedData: say so, so that tools know to unwrap it.
  if (CMS_set1_eContentType(envelope.get(), OBJ_nid2obj(NID_pkcs7_signed)) != 1)
    throw CryptoError("cannot set the content type: " + detail::take_openssl_error());
  return envelope;
}

CmsPtr make_signed_data(const ExchangeIdentity& signer) {
  // PARTIAL: signers are added below; STREAM: the content is fed through BIO_new_CMS later.
  CmsPtr signed_data(
      CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY | CMS_STREAM));
  if (!signed_data || CMS_add1_signer(signed_data.get(), signer.certificate(), signer.key(),
                                      EVP_sha256(), CMS_BINARY) == nullptr)
    throw CryptoError("cannot set up the signature: " + detail::take_openssl_error());
  return signed_data;
}

// The output's temporary file (base/atomic_file), written through a large stdio buffer: the
// ASN.1 streaming writes many small pieces (chunk headers), which should not each be a system
// call.
class TempOutput {
 public:
  explicit TempOutput(const fs::path& output) : published_(output) {
    file_.reset(::fdopen(::dup(published_.fd()), "wb"));
    if (!file_)
      throw CryptoError("cannot open " + published_.temp_path().string() + ": " +
                        std::strerror(errno));
    buffer_.resize(1 << 20);
    std::setvbuf(file_.get(), buffer_.data(), _IOFBF, buffer_.size());
    bio_.reset(BIO_new_fp(file_.get(), BIO_NOCLOSE));
    if (!bio_) throw CryptoError("cannot open " + published_.temp_path().string());
  }
  ~TempOutput() {
    bio_.reset();
    file_.reset();
  }
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;

  BIO* bio() const { return bio_.get(); }

  // Flushes the buffer and publishes the file (fsync, rename, fsync of the directory).
  void commit() {
    const bool written = std::fflush(file_.get()) == 0;
    bio_.reset();
    const bool closed = std::fclose(file_.release()) == 0;
    if (!written || !closed)
      throw CryptoError("cannot write " + published_.temp_path().string() + ": " +
                        std::strerror(errno));
    published_.commit();
  }

 private:
  base::AtomicFile published_;
  FilePtr file_;
  std::vector<char> buffer_;
  BioPtr bio_;
};

void write_all(BIO* bio, const char* data, std::size_t size) {
  while (size > 0) {
    const int n = BIO_write(bio, data, static_cast<int>(size));
    if (n <= 0) throw CryptoError("cannot sign and encrypt: " + detail::take_openssl_error());
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Feeds bytes [offset, offset + length) of `input` into `sink`, a chunk at a time.
void feed_range(const fs::path& input, std::uint64_t offset, std::uint64_t length, BIO* sink,
                const EnvelopeOptions& options) {
  base::UniqueFd fd(::open(input.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw CryptoError("cannot open " + input.string() + ": " + std::strerror(errno));
  std::vector<char> buffer(options.chunk_size > 0 ? options.chunk_size : 1 << 20);
  std::uint64_t position = offset;
  const std::uint64_t end = offset + length;
  while (position < end) {
    if (options.should_stop && options.should_stop())
      throw CmsCancelled("cancelled while encrypting " + input.string());
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - position));
    const ssize_t n = ::pread(fd.get(), buffer.data(), want, static_cast<off_t>(position));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw CryptoError("cannot read " + input.string() + ": " + std::strerror(errno));
    if (n == 0)
      throw CryptoError(input.string() + " ends at byte " + std::to_string(position) +
                        ", before the " + std::to_string(end) + " to encrypt");
    write_all(sink, buffer.data(), static_cast<std::size_t>(n));
    position += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

EnvelopeResult sign_and_encrypt(const fs::path& input, std::uint64_t offset, std::uint64_t length,
                                const ExchangeIdentity& signer,
                                const std::vector<fs::path>& recipient_certificates,
                                const fs::path& output, const EnvelopeOptions& options) {
  detail::clear_openssl_errors();
  const CmsPtr envelope = make_envelope(options.cipher, recipient_certificates);
  const CmsPtr signed_data = make_signed_data(signer);
  TempOutput file(output);
  {
    // Content → SignedData's digest and DER → EnvelopedData's cipher and DER → the file.
    const CmsWriter enveloping(file.bio(), envelope.get(), "enveloped data");
    const CmsWriter signing(enveloping.get(), signed_data.get(), "signed data");
    feed_range(input, offset, length, signing.get(), options);
    // Flushing the signed data writes its signature and then flushes the layer below it,
    // which writes the GCM tag and the envelope's end.
    if (BIO_flush(signing.get()) <= 0 || BIO_flush(enveloping.get()) <= 0)
      throw CryptoError("cannot finish the signed and encrypted data: " +
                        detail::take_openssl_error());
  }
  file.commit();
  EnvelopeResult result;
  result.content_bytes = length;
  result.output_bytes = fs::file_size(output);
  return result;
}

}  // namespace popgate::crypto
