#include "adapters/crypto/key_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "adapters/crypto/sha256.h"
#include "adapters/posix/unique_fd.h"

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

void write_file_atomically(const fs::path& path, const std::string& text, mode_t mode) {
  const fs::path temp = path.string() + ".tmp";
  fs::remove(temp);
  posix::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid())
    throw CryptoError("cannot create " + temp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw CryptoError("cannot write " + temp.string() + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || fd.close() != 0)
    throw CryptoError("cannot write " + temp.string() + ": " + std::strerror(errno));
  fs::rename(temp, path);
}

void sync_directory(const fs::path& dir) {
  posix::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0)
    throw CryptoError("cannot sync directory " + dir.string() + ": " + std::strerror(errno));
}

}  // namespace popgate::crypto::detail
