// The appliance's exchange identity: the key and X.509 certificate that sign the results
// popgate sends (CMS SignedData) and that clients encrypt their uploads to. Clients get the
// certificate from the operator (`popgate keys show --pem`).
//
// It lives in data_dir/keys as exchange.key (PEM, 0600) and exchange.crt (PEM). It is not the
// EC key in keys/appliance.key, which signs the audit chain and is never rotated.
//
// Rotation keeps the old pair under keys/retired/, named
// exchange-<UTC yyyymmddThhmmss>-<first 8 hex digits of its SHA-256 fingerprint>.{key,crt}:
// uploads a client encrypted to the old certificate before it learnt the new one still open.
#ifndef POPGATE_ADAPTERS_CRYPTO_EXCHANGE_IDENTITY_H_
#define POPGATE_ADAPTERS_CRYPTO_EXCHANGE_IDENTITY_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/crypto/sha256.h"  // CryptoError

struct evp_pkey_st;
struct x509_st;

namespace popgate::crypto {

struct IdentityDescription {
  std::string subject;     // RFC 2253: "CN=popgate exchange host1"
  std::string serial;      // hex, upper case, as `openssl x509 -serial` prints it
  std::string not_before;  // "2026-11-22 18:30:00 UTC"
  std::string not_after;
  std::string key;     // "RSA 3072", "EC prime256v1"
  std::string sha256;  // fingerprint of the certificate's DER, lowercase hex
  std::filesystem::path key_path;
  std::filesystem::path certificate_path;
};

// A private key and the certificate of its public half, checked to belong together.
class ExchangeIdentity {
 public:
  // Throws CryptoError when either file cannot be read or the key is not the certificate's.
  static ExchangeIdentity load(const std::filesystem::path& key_path,
                               const std::filesystem::path& certificate_path);

  const IdentityDescription& description() const { return description_; }
  std::string certificate_pem() const;
  bool valid_at(std::chrono::system_clock::time_point when) const;

  // The raw OpenSSL handles, for the CMS code in adapters/crypto. Owned by this object.
  evp_pkey_st* key() const { return key_.get(); }
  x509_st* certificate() const { return certificate_.get(); }

 private:
  ExchangeIdentity(std::shared_ptr<evp_pkey_st> key, std::shared_ptr<x509_st> certificate,
                   IdentityDescription description)
      : key_(std::move(key)),
        certificate_(std::move(certificate)),
        description_(std::move(description)) {}

  std::shared_ptr<evp_pkey_st> key_;
  std::shared_ptr<x509_st> certificate_;
  IdentityDescription description_;
};

struct Rotation {
  std::optional<ExchangeIdentity> retired;  // what was current, now under keys/retired/
  ExchangeIdentity current;
};

// The exchange identities in one keys directory. Readers and rotation take a lock file
// (keys/.exchange.lock), so a job never reads a key of one pair and the certificate of the
// other while `popgate keys rotate` runs, and two jobs never both create a first pair.
class ExchangeKeys {
 public:
  explicit ExchangeKeys(std::filesystem::path keys_dir);

  std::filesystem::path key_path() const;          // keys/exchange.key
  std::filesystem::path certificate_path() const;  // keys/exchange.crt
  std::filesystem::path retired_dir() const;       // keys/retired

  // The current identity. Creates a new pair on first use; with a key but no certificate
  // (a crash between the two renames) issues a new certificate for that key. Throws
  // CryptoError when there is a certificate without a key, or a pair that does not match.
  ExchangeIdentity load_or_create() const;
  // The current identity when there is one, making nothing (for showing it: a certificate
  // shown must be the one the daemon signs with). Throws CryptoError as load_or_create does,
  // and for a key without its certificate.
  std::optional<ExchangeIdentity> load_current() const;

  // Retired identities, newest first. A pair that cannot be loaded is skipped and, when
  // `problems` is given, reported there ("<file>: why").
  std::vector<ExchangeIdentity> retired(std::vector<std::string>* problems = nullptr) const;

  // What an upload may be encrypted to: the current identity, then the retired ones.
  std::vector<ExchangeIdentity> for_decryption() const;

  // Retires the current pair and generates a new one.
  Rotation rotate() const;
  // Retires the current pair and installs an operator's key and certificate, after checking
  // that they match, that the certificate is valid now and that its key can both sign and
  // receive encrypted content (RSA ≥ 2048 or EC). Throws CryptoError saying what is wrong,
  // changing nothing.
  Rotation install(const std::filesystem::path& key_file,
                   const std::filesystem::path& certificate_file) const;

 private:
  ExchangeIdentity load_or_create_locked() const;
  Rotation replace_current(const std::string& key_pem, const std::string& certificate_pem) const;

  std::filesystem::path dir_;
};

}  // namespace popgate::crypto

#endif  // POPGATE_ADAPTERS_CRYPTO_EXCHANGE_IDENTITY_H_
