#include "adapters/crypto/certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace popgate::crypto {
namespace {

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string asn1_day(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return "?";
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string subject_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
    return "?";
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string fingerprint(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) return "?";
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

}  // namespace

std::string encryption_certificate_error(const std::filesystem::path& path,
                                         std::chrono::system_clock::time_point now,
                                         CertificateInfo* info) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return "cannot read " + path.string();
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return path.string() + " is not a PEM X.509 certificate";
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) return "the certificate's public key cannot be read";
  const int type = EVP_PKEY_get_base_id(key);
  const int bits = EVP_PKEY_get_bits(key);
  CertificateInfo local;
  CertificateInfo& out = info != nullptr ? *info : local;
  out.subject = subject_of(cert.get());
  out.not_after = asn1_day(X509_get0_notAfter(cert.get()));
  out.key = type == EVP_PKEY_RSA  ? "RSA " + std::to_string(bits)
            : type == EVP_PKEY_EC ? "EC " + std::to_string(bits)
                                  : std::string(OBJ_nid2sn(type));
  out.sha256 = fingerprint(cert.get());

  std::time_t t = std::chrono::system_clock::to_time_t(now);  // X509_cmp_time takes non-const
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &t) > 0) {
    return "the certificate is not valid before " + asn1_day(X509_get0_notBefore(cert.get()));
  }
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &t) < 0) {
    return "the certificate expired on " + out.not_after;
  }
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
    return "the certificate's key (" + out.key +
           ") cannot receive CMS-encrypted results; use "
           "RSA or EC";
  }
  if (type == EVP_PKEY_RSA && bits < 2048) {
    return "the certificate's RSA key has " + std::to_string(bits) + " bits; at least 2048";
  }
  // Key usage is optional; when present it must allow what CMS encryption does with the key.
  const std::uint32_t usage = X509_get_key_usage(cert.get());
  if (usage != UINT32_MAX) {
    if (type == EVP_PKEY_RSA && (usage & KU_KEY_ENCIPHERMENT) == 0)
      return "the certificate's key usage does not allow key encipherment";
    if (type == EVP_PKEY_EC && (usage & KU_KEY_AGREEMENT) == 0)
      return "the certificate's key usage does not allow key agreement";
  }
  return {};
}

}  // namespace popgate::crypto
