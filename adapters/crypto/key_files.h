// File helpers the key code shares (writing goes through base/atomic_file). Private to
// adapters/crypto.
#ifndef POPGATE_ADAPTERS_CRYPTO_KEY_FILES_H_
#define POPGATE_ADAPTERS_CRYPTO_KEY_FILES_H_

#include <filesystem>
#include <string>

namespace popgate::crypto::detail {

// Creates `dir` (and parents) with mode 0700 when it does not exist.
void ensure_private_directory(const std::filesystem::path& dir);

// The whole file; throws CryptoError naming it when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace popgate::crypto::detail

#endif  // POPGATE_ADAPTERS_CRYPTO_KEY_FILES_H_
