// File helpers the key and CMS code share: small files written whole or not at all, and
// directory syncs that make a rename durable. Private to adapters/crypto.
#ifndef POPGATE_ADAPTERS_CRYPTO_KEY_FILES_H_
#define POPGATE_ADAPTERS_CRYPTO_KEY_FILES_H_

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace popgate::crypto::detail {

// Creates `dir` (and parents) with mode 0700 when it does not exist.
void ensure_private_directory(const std::filesystem::path& dir);

// The whole file; throws CryptoError naming it when it cannot be read.
std::string read_text_file(const std::filesystem::path& path);

// Writes `text` to `path` through "<path>.tmp" (created with `mode`, fsynced, renamed), so the
// file is whole or absent. The caller syncs the directory, once for several files.
void write_file_atomically(const std::filesystem::path& path, const std::string& text, mode_t mode);

// fsync on the directory, so that renames into it survive a power loss.
void sync_directory(const std::filesystem::path& dir);

}  // namespace popgate::crypto::detail

#endif  // POPGATE_ADAPTERS_CRYPTO_KEY_FILES_H_
