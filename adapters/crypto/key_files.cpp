#include "adapters/crypto/key_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "adapters/crypto/sha256.h"
#include "base/unique_fd.h"

namespace popgate::crypto::detail {

namespace fs = std::filesystem;

void ensure_private_directory(const fs::path& dir) {
  if (fs::exists(dir)) return;
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all);
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CryptoError("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace popgate::crypto::detail
