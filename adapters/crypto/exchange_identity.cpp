#include "adapters/crypto/exchange_identity.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "adapters/crypto/certificate.h"
#include "adapters/crypto/key_files.h"
#include "adapters/crypto/openssl_handles.h"
#include "adapters/crypto/sha256.h"
#include "base/atomic_file.h"
#include "base/time_text.h"
#include "base/unique_fd.h"

namespace popgate::crypto {
namespace {

namespace fs = std::filesystem;
using detail::BioPtr;
using detail::ensure_private_directory;
using detail::EvpPkeyPtr;
using detail::read_text_file;
using detail::X509Ptr;

// RSA rather than EC: every CMS tool a client may use (old Java, .NET, GnuPG's gpgsm, openssl
// 1.1) can encrypt to an RSA certificate and verify an RSA signature; ECDH key agreement in
// CMS is much less widely implemented. 3072 bits is NIST's level for use beyond 2030.
constexpr int kRsaBits = 3072;
constexpr long kValidDays = 3 * 365 + 1;
// Clients' clocks may be a little behind ours; a certificate that is "not yet valid" for the
// first minutes would make their tools refuse our results.
constexpr long kBackdateSeconds = 5 * 60;

struct X509ExtensionDeleter {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

// An exclusive (rotation, first creation) or shared (loading) lock on keys/.exchange.lock,
// released when it goes out of scope.
class KeysLock {
 public:
  KeysLock(const fs::path& dir, int operation) {
    const fs::path path = dir / ".exchange.lock";
    fd_ = base::UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_.valid())
      throw CryptoError("cannot open " + path.string() + ": " + std::strerror(errno));
    while (::flock(fd_.get(), operation) != 0) {
      if (errno != EINTR)
        throw CryptoError("cannot lock " + path.string() + ": " + std::strerror(errno));
    }
  }

 private:
  base::UniqueFd fd_;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw CryptoError("cannot encode the exchange key: " + detail::take_openssl_error());
  return bio_text(bio.get());
}

std::string certificate_pem_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    throw CryptoError("cannot encode the exchange certificate: " + detail::take_openssl_error());
  return bio_text(bio.get());
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// A positive 128-bit serial: random so that two appliances' certificates never share one.
void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw CryptoError("no random bytes for a serial");
  bytes[0] &= 0x7f;  // DER integers are signed; keep it positive
  bytes[0] |= 0x40;  // and exactly 16 bytes long
  std::unique_ptr<BIGNUM, BignumDeleter> serial(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr)
    throw CryptoError("cannot set the certificate serial");
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, X509ExtensionDeleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    throw CryptoError(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid) + ": " +
                      detail::take_openssl_error());
}

// A self-signed certificate for `key`: CN "popgate exchange <host>", valid three years.
X509Ptr self_signed_certificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    throw CryptoError("cannot create a certificate");
  set_random_serial(cert.get());
  // A CN is at most 64 characters (RFC 5280 ub-common-name).
  const std::string common_name = ("popgate exchange " + host_name()).substr(0, 64);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1)
    throw CryptoError("cannot set the certificate's name");
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), kValidDays, 0, nullptr) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1)
    throw CryptoError("cannot set the certificate's dates and key");
  // An end-entity certificate for S/MIME: it signs results (digitalSignature) and receives
  // content keys (keyEncipherment). Stock `openssl cms -verify -CAfile exchange.crt` accepts
  // it as its own trust anchor without keyCertSign.
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_extension(cert.get(), NID_ext_key_usage, "emailProtection");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0)
    throw CryptoError("cannot sign the certificate: " + detail::take_openssl_error());
  return cert;
}

EvpPkeyPtr read_private_key(const fs::path& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    detail::clear_openssl_errors();
    throw CryptoError("cannot read " + path.string());
  }
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    detail::clear_openssl_errors();
    throw CryptoError(path.string() + " is not an unencrypted PEM private key");
  }
  return key;
}

std::string serial_hex(X509* cert) {
  std::unique_ptr<BIGNUM, BignumDeleter> bn(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return "?";
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return "?";
  std::string text = hex;
  OPENSSL_free(hex);
  return text;
}

// Why `certificate_file` cannot be the exchange certificate, or empty. It is checked as
// clients' certificates are (they will encrypt to it) and must also allow signing.
std::string installable_certificate_error(const fs::path& certificate_file, X509* cert) {
  const std::string why =
      encryption_certificate_error(certificate_file, std::chrono::system_clock::now());
  if (!why.empty()) return why;
  const std::uint32_t usage = X509_get_key_usage(cert);
  if (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0)
    return "the certificate's key usage does not allow digital signatures";
  return {};
}

}  // namespace

ExchangeIdentity ExchangeIdentity::load(const fs::path& key_path,
                                        const fs::path& certificate_path) {
  EvpPkeyPtr key = read_private_key(key_path);
  std::string why;
  X509Ptr cert = detail::read_pem_certificate(certificate_path, &why);
  if (!cert) throw CryptoError(why);
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    detail::clear_openssl_errors();
    throw CryptoError("the key " + key_path.string() + " is not the key of the certificate " +
                      certificate_path.string());
  }
  IdentityDescription d;
  d.subject = detail::certificate_subject(cert.get());
  d.serial = serial_hex(cert.get());
  d.not_before = detail::asn1_time_text(X509_get0_notBefore(cert.get()));
  d.not_after = detail::asn1_time_text(X509_get0_notAfter(cert.get()));
  d.key = detail::key_description(key.get());
  d.sha256 = detail::certificate_fingerprint(cert.get());
  d.key_path = key_path;
  d.certificate_path = certificate_path;
  return ExchangeIdentity(std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free),
                          std::shared_ptr<X509>(cert.release(), X509_free), std::move(d));
}

std::string ExchangeIdentity::certificate_pem() const {
  return certificate_pem_of(certificate_.get());
}

bool ExchangeIdentity::valid_at(std::chrono::system_clock::time_point when) const {
  std::time_t t = std::chrono::system_clock::to_time_t(when);  // X509_cmp_time takes non-const
  return X509_cmp_time(X509_get0_notBefore(certificate_.get()), &t) <= 0 &&
         X509_cmp_time(X509_get0_notAfter(certificate_.get()), &t) >= 0;
}

ExchangeKeys::ExchangeKeys(fs::path keys_dir) : dir_(std::move(keys_dir)) {}

fs::path ExchangeKeys::key_path() const {
  return dir_ / "exchange.key";
}
fs::path ExchangeKeys::certificate_path() const {
  return dir_ / "exchange.crt";
}
fs::path ExchangeKeys::retired_dir() const {
  return dir_ / "retired";
}

ExchangeIdentity ExchangeKeys::load_or_create() const {
  ensure_private_directory(dir_);
  {
    KeysLock shared(dir_, LOCK_SH);
    if (fs::exists(key_path()) && fs::exists(certificate_path()))
      return ExchangeIdentity::load(key_path(), certificate_path());
  }
  KeysLock exclusive(dir_, LOCK_EX);
  return load_or_create_locked();
}

std::optional<ExchangeIdentity> ExchangeKeys::load_current() const {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return std::nullopt;
  KeysLock shared(dir_, LOCK_SH);
  const bool has_key = fs::exists(key_path());
  const bool has_certificate = fs::exists(certificate_path());
  if (!has_key && !has_certificate) return std::nullopt;
  if (!has_certificate) {
    throw CryptoError(key_path().string() + " has no certificate " + certificate_path().string() +
                      " (its making was interrupted): 'popgate keys init' issues one");
  }
  if (!has_key) {
    throw CryptoError(certificate_path().string() + " exists but its key " + key_path().string() +
                      " does not; install the key, or move the certificate away to have a new "
                      "pair made");
  }
  return ExchangeIdentity::load(key_path(), certificate_path());
}

ExchangeIdentity ExchangeKeys::load_or_create_locked() const {
  const bool has_key = fs::exists(key_path());
  const bool has_certificate = fs::exists(certificate_path());
  if (has_key && has_certificate) return ExchangeIdentity::load(key_path(), certificate_path());
  if (has_certificate)
    throw CryptoError(certificate_path().string() + " exists but its key " + key_path().string() +
                      " does not; install the key, or move the certificate away to have a new "
                      "pair made");
  EvpPkeyPtr key;
  if (has_key) {
    key = read_private_key(key_path());
  } else {
    key.reset(EVP_RSA_gen(kRsaBits));
    if (!key) throw CryptoError("cannot generate an RSA key: " + detail::take_openssl_error());
    base::write_file_atomically(key_path(), private_key_pem(key.get()), 0600);
  }
  const X509Ptr cert = self_signed_certificate(key.get());
  base::write_file_atomically(certificate_path(), certificate_pem_of(cert.get()), 0644);
  return ExchangeIdentity::load(key_path(), certificate_path());
}

std::vector<ExchangeIdentity> ExchangeKeys::retired(std::vector<std::string>* problems) const {
  std::vector<ExchangeIdentity> identities;
  std::error_code ec;
  if (!fs::is_directory(retired_dir(), ec)) return identities;
  std::vector<fs::path> certificates;
  for (const fs::directory_entry& entry : fs::directory_iterator(retired_dir(), ec)) {
    if (entry.path().extension() == ".crt") certificates.push_back(entry.path());
  }
  // The names start with the retirement time, so the newest sorts last.
  std::sort(certificates.rbegin(), certificates.rend());
  for (const fs::path& certificate : certificates) {
    fs::path key = certificate;
    key.replace_extension(".key");
    try {
      identities.push_back(ExchangeIdentity::load(key, certificate));
    } catch (const CryptoError& e) {
      if (problems != nullptr) problems->push_back(certificate.string() + ": " + e.what());
    }
  }
  return identities;
}

std::vector<ExchangeIdentity> ExchangeKeys::for_decryption() const {
  std::vector<ExchangeIdentity> identities;
  identities.push_back(load_or_create());
  KeysLock shared(dir_, LOCK_SH);
  for (ExchangeIdentity& old : retired())
    identities.push_back(std::move(old));
  return identities;
}

Rotation ExchangeKeys::rotate() const {
  const EvpPkeyPtr key(EVP_RSA_gen(kRsaBits));
  if (!key) throw CryptoError("cannot generate an RSA key: " + detail::take_openssl_error());
  const X509Ptr cert = self_signed_certificate(key.get());
  return replace_current(private_key_pem(key.get()), certificate_pem_of(cert.get()));
}

Rotation ExchangeKeys::install(const fs::path& key_file, const fs::path& certificate_file) const {
  // Load checks that the two belong together.
  const ExchangeIdentity candidate = ExchangeIdentity::load(key_file, certificate_file);
  const std::string why = installable_certificate_error(certificate_file, candidate.certificate());
  if (!why.empty())
    throw CryptoError(certificate_file.string() + " cannot be the exchange certificate: " + why);
  return replace_current(read_text_file(key_file), read_text_file(certificate_file));
}

// The old pair is copied into retired/ before the new one replaces it, so a crash at any
// point leaves every key that has been current where a decryption can find it.
Rotation ExchangeKeys::replace_current(const std::string& key_pem,
                                       const std::string& certificate_pem) const {
  ensure_private_directory(dir_);
  KeysLock exclusive(dir_, LOCK_EX);
  std::optional<ExchangeIdentity> old;
  if (fs::exists(key_path()) || fs::exists(certificate_path())) {
    old = ExchangeIdentity::load(key_path(), certificate_path());
    const ExchangeIdentity& previous = *old;
    if (certificate_pem == read_text_file(certificate_path()))
      throw CryptoError("that certificate is already the current exchange certificate");
    ensure_private_directory(retired_dir());
    const std::string base = "exchange-" +
                             base::format_utc(std::chrono::system_clock::now(), "%Y%m%dT%H%M%S") +
                             "-" + previous.description().sha256.substr(0, 8);
    const fs::path retired_key = retired_dir() / (base + ".key");
    const fs::path retired_certificate = retired_dir() / (base + ".crt");
    if (fs::exists(retired_certificate))
      throw CryptoError(retired_certificate.string() + " already exists");
    base::write_file_atomically(retired_key, read_text_file(key_path()), 0600);
    base::write_file_atomically(retired_certificate, read_text_file(certificate_path()), 0644);
    old = ExchangeIdentity::load(retired_key, retired_certificate);
  }
  // Without the old certificate first: a crash between the two renames then leaves a key
  // without a certificate, which load_or_create repairs, rather than a mismatched pair.
  fs::remove(certificate_path());
  base::write_file_atomically(key_path(), key_pem, 0600);
  base::write_file_atomically(certificate_path(), certificate_pem, 0644);
  return Rotation{std::move(old), ExchangeIdentity::load(key_path(), certificate_path())};
}

}  // namespace popgate::crypto
