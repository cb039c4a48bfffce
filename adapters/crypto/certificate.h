// Checks of the X.509 certificates clients give for encrypting their results: a result
// encrypted to an expired certificate, or to a key that may not be used for encryption,
// is a result the client cannot or should not open.
#ifndef POPGATE_ADAPTERS_CRYPTO_CERTIFICATE_H_
#define POPGATE_ADAPTERS_CRYPTO_CERTIFICATE_H_

#include <chrono>
#include <filesystem>
#include <string>

namespace popgate::crypto {

struct CertificateInfo {
  std::string subject;    // one line, RFC 2253
  std::string not_after;  // "YYYY-MM-DD"
  std::string key;        // "RSA 3072", "EC prime256v1"
  std::string sha256;     // fingerprint of the DER, lowercase hex
};

// Empty when `path` holds one PEM X.509 certificate that is valid at `now`, whose key is RSA
// of at least 2048 bits or EC, and whose key usage (if present) allows key encipherment (RSA)
// or key agreement (EC); otherwise why not, in one sentence. `info`, if given, is filled
// whenever the certificate could be read.
std::string encryption_certificate_error(const std::filesystem::path& path,
                                         std::chrono::system_clock::time_point now,
                                         CertificateInfo* info = nullptr);

}  // namespace popgate::crypto

#endif  // POPGATE_ADAPTERS_CRYPTO_CERTIFICATE_H_
