#include "adapters/crypto/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"

namespace popgate::crypto {
namespace {

std::string to_hex(const unsigned char* bytes, unsigned int length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw CryptoError("SHA-256: out of memory");
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw CryptoError("SHA-256: cannot initialise the digest");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1)
    throw CryptoError("SHA-256: digest update failed");
}

std::string Sha256::finish_hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_, digest.data(), &length) != 1)
    throw CryptoError("SHA-256: digest final failed");
  return to_hex(digest.data(), length);
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 digest;
  digest.update(bytes);
  return digest.finish_hex();
}

FileDigest sha256_file(const std::filesystem::path& path) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw CryptoError("cannot open " + path.string() + ": " + std::strerror(errno));
  Sha256 digest;
  FileDigest result;
  // 64 KiB: large enough that the syscall cost disappears, small enough for a thread's stack.
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CryptoError("cannot read " + path.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    digest.update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    result.size += static_cast<std::uint64_t>(n);
  }
  result.sha256 = digest.finish_hex();
  return result;
}

}  // namespace popgate::crypto
