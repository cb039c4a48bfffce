#include "adapters/crypto/certificate.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "adapters/crypto/openssl_handles.h"

namespace popgate::crypto {
namespace {

using detail::BioPtr;
using detail::certificate_fingerprint;
using detail::certificate_subject;
using detail::X509Ptr;

std::string asn1_day(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return "?";
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
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
  out.subject = certificate_subject(cert.get());
  out.not_after = asn1_day(X509_get0_notAfter(cert.get()));
  out.key = type == EVP_PKEY_RSA  ? "RSA " + std::to_string(bits)
            : type == EVP_PKEY_EC ? "EC " + std::to_string(bits)
                                  : std::string(OBJ_nid2sn(type));
  out.sha256 = certificate_fingerprint(cert.get());

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
