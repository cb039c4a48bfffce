// The appliance's signing key: an EC P-256 key in PEM (mode 0600), created on first use. It
// signs the audit chain's records now, and the result archives (CMS) later, so that anyone
// holding the public half can tell popgate's signatures from forgeries.
#ifndef POPGATE_ADAPTERS_CRYPTO_SIGNING_KEY_H_
#define POPGATE_ADAPTERS_CRYPTO_SIGNING_KEY_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace popgate::crypto {

struct PkeyDeleter {
  void operator()(evp_pkey_st* key) const;
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyDeleter>;

class SigningKey {
 public:
  // Loads the private key at `path`, or creates one there (parent directory 0700, file 0600,
  // written under a temporary name and renamed) when there is none. Throws CryptoError.
  static SigningKey load_or_create(const std::filesystem::path& path);
  // Loads an existing key; throws CryptoError if it is missing or unreadable.
  static SigningKey load(const std::filesystem::path& path);

  // ECDSA with SHA-256 over `message`, DER-encoded, as lowercase hex.
  std::string sign_hex(std::string_view message) const;
  // The public key, PEM (SubjectPublicKeyInfo).
  std::string public_pem() const;

 private:
  explicit SigningKey(PkeyPtr key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

// Whether `signature_hex` is a valid signature of `message` by the key `public_pem`.
bool verify_signature(std::string_view public_pem, std::string_view message,
                      std::string_view signature_hex);

}  // namespace popgate::crypto

#endif  // POPGATE_ADAPTERS_CRYPTO_SIGNING_KEY_H_
