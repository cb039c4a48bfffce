#include "adapters/crypto/openssl_handles.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

namespace popgate::crypto::detail {

std::string take_openssl_error(const std::string& fallback) {
  // The last error is the most specific one ("bad decrypt" rather than "EVP lib").
  unsigned long last = 0;
  while (const unsigned long code = ERR_get_error())
    last = code;
  if (last == 0) return fallback;
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : fallback;
}

void clear_openssl_errors() {
  ERR_clear_error();
}

X509Ptr read_pem_certificate(const std::filesystem::path& path, std::string* why) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    clear_openssl_errors();
    if (why != nullptr) *why = "cannot read " + path.string();
    return nullptr;
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    clear_openssl_errors();
    if (why != nullptr) *why = path.string() + " is not a PEM X.509 certificate";
  }
  return cert;
}

std::string certificate_subject(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
    return "?";
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string certificate_fingerprint(X509* cert) {
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

std::string key_description(EVP_PKEY* key) {
  if (key == nullptr) return "?";
  const int type = EVP_PKEY_get_base_id(key);
  const std::string bits = std::to_string(EVP_PKEY_get_bits(key));
  if (type == EVP_PKEY_RSA) return "RSA " + bits;
  if (type == EVP_PKEY_EC) {
    char curve[80] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &length) == 1)
      return "EC " + std::string(curve, length);
    return "EC " + bits;
  }
  const char* name = OBJ_nid2sn(type);
  return name != nullptr ? name : "?";
}

std::string asn1_time_text(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return "?";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

}  // namespace popgate::crypto::detail
