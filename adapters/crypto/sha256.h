// SHA-256 through OpenSSL's EVP interface: streaming for files of any size, one-shot for text.
// Digests are reported as lowercase hex, the form manifests and state.db store.
#ifndef POPGATE_ADAPTERS_CRYPTO_SHA256_H_
#define POPGATE_ADAPTERS_CRYPTO_SHA256_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace popgate::crypto {

class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An incremental SHA-256. Owns its EVP_MD_CTX; throws CryptoError when OpenSSL fails.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest as 64 lowercase hex digits. The object is spent afterwards.
  std::string finish_hex();

 private:
  evp_md_ctx_st* ctx_ = nullptr;
};

std::string sha256_hex(std::string_view bytes);

struct FileDigest {
  std::string sha256;  // lowercase hex
  std::uint64_t size = 0;
};

// Reads `path` in blocks. Throws CryptoError naming the file when it cannot be read.
FileDigest sha256_file(const std::filesystem::path& path);

}  // namespace popgate::crypto

#endif  // POPGATE_ADAPTERS_CRYPTO_SHA256_H_
