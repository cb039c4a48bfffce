#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>
#include <utility>

#include "base/random_hex.h"

namespace popgate::base {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

fs::path directory_of(const fs::path& file) {
  return file.has_parent_path() ? file.parent_path() : fs::path(".");
}

}  // namespace

fs::path temp_path_for(const fs::path& target) {
  return directory_of(target) / ("." + target.filename().string() + ".tmp");
}

AtomicFile::AtomicFile(fs::path target, mode_t mode, TempName temp_name)
    : dir_(AT_FDCWD),
      name_(target.string()),
      temp_name_(temp_path_for(target).string()),
      shown_as_(std::move(target)) {
  if (temp_name == TempName::unique) temp_name_ += "." + random_hex(8);
  temp_shown_as_ = temp_name_;
  // A temporary file left by a crash is ours to replace; O_EXCL | O_NOFOLLOW then make sure
  // that we write a fresh file and not through a link.
  if (temp_name == TempName::fixed && ::unlink(temp_name_.c_str()) != 0 && errno != ENOENT)
    fail("cannot remove", temp_shown_as_);
  create(mode);
}

AtomicFile::AtomicFile(int dir, std::string name, std::string temp_name, fs::path shown_as,
                       mode_t mode)
    : dir_(dir),
      name_(std::move(name)),
      temp_name_(std::move(temp_name)),
      shown_as_(std::move(shown_as)),
      temp_shown_as_(directory_of(shown_as_) / temp_name_) {
  create(mode);
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::create(mode_t mode) {
  fd_ = UniqueFd(
      ::openat(dir_, temp_name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd_.valid()) {
    finished_ = true;  // nothing of ours to remove (EEXIST: someone else's file)
    fail("cannot write", shown_as_);
  }
}

void AtomicFile::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", shown_as_);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AtomicFile::copy_from(int in, const fs::path& from, std::uint64_t max_bytes) {
  std::uint64_t left = max_bytes;
  bool in_kernel = true;
  std::array<char, 64 * 1024> buffer{};
  while (left > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 30));
    ssize_t n = -1;
    if (in_kernel) {
      n = ::copy_file_range(in, nullptr, fd_.get(), nullptr, want, 0);
      // Not between these file systems on this kernel, or not for this kind of file: copy by
      // reading and writing instead.
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        in_kernel = false;
        continue;
      }
    } else {
      n = ::read(in, buffer.data(), std::min(want, buffer.size()));
      if (n > 0) write(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot copy " + from.string() + " to", shown_as_);
    if (n == 0) break;
    left -= static_cast<std::uint64_t>(n);
  }
}

void AtomicFile::sync_and_close() {
  // The data must be on disk before a name points at it.
  if (::fsync(fd_.get()) != 0) fail("cannot sync", shown_as_);
  if (fd_.close() != 0) fail("cannot write", shown_as_);
}

void AtomicFile::sync_parent() {
  if (dir_ == AT_FDCWD) {
    sync_directory(directory_of(shown_as_));
  } else if (::fsync(dir_) != 0) {
    fail("cannot sync directory", directory_of(shown_as_));
  }
}

void AtomicFile::commit() {
  sync_and_close();
  if (::renameat(dir_, temp_name_.c_str(), dir_, name_.c_str()) != 0)
    fail("cannot rename into", shown_as_);
  finished_ = true;
  sync_parent();
}

bool AtomicFile::commit_if_absent() {
  sync_and_close();
  if (::linkat(dir_, temp_name_.c_str(), dir_, name_.c_str(), 0) != 0) {
    if (errno == EEXIST) return false;  // discard() removes the temporary file
    fail("cannot create", shown_as_);
  }
  discard();
  sync_parent();
  return true;
}

void AtomicFile::discard() noexcept {
  if (finished_) return;
  finished_ = true;
  ::unlinkat(dir_, temp_name_.c_str(), 0);
}

void write_file_atomically(const fs::path& target, std::string_view content, mode_t mode,
                           TempName temp_name) {
  AtomicFile file(target, mode, temp_name);
  file.write(content);
  file.commit();
}

void copy_file_atomically(const fs::path& from, const fs::path& to, mode_t mode) {
  const UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) fail("cannot open", from);
  AtomicFile out(to, mode);
  out.copy_from(in.get(), from);
  out.commit();
}

void move_file_atomically(const fs::path& from, const fs::path& to) {
  {
    const UniqueFd file(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) fail("cannot open", from);
    if (::fsync(file.get()) != 0) fail("cannot sync", from);
  }
  if (::rename(from.c_str(), to.c_str()) == 0) {
    sync_directory(directory_of(to));
    return;
  }
  if (errno != EXDEV) fail("cannot rename " + from.string() + " into", to);
  copy_file_atomically(from, to);
  if (::unlink(from.c_str()) != 0) fail("cannot remove", from);
}

void sync_directory(const fs::path& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) fail("cannot sync directory", dir);
}

}  // namespace popgate::base
