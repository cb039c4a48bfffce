#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
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
  struct stat info {};
  const off_t start = ::lseek(in, 0, SEEK_CUR);
  const off_t out_start = ::lseek(fd_.get(), 0, SEEK_CUR);
  if (start < 0 || out_start < 0 || ::fstat(in, &info) != 0 || !S_ISREG(info.st_mode)) {
    copy_stream(in, from, max_bytes);
    return;
  }
  const std::uint64_t rest =
      info.st_size > start ? static_cast<std::uint64_t>(info.st_size - start) : 0;
  const off_t end = start + static_cast<off_t>(std::min(rest, max_bytes));
  // Only the data is copied: a hole stays a hole, or a 4 KB upload written at offset 500 MB
  // would take 500 MB here.
  off_t at = start, stop = end;
  while (at < stop) {
    off_t data = ::lseek(in, at, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // only a hole is left
    off_t hole = stop;
    if (data < 0 && errno == EINVAL) {
      data = at;  // a file system without SEEK_DATA: all of it is data
    } else if (data < 0 || (hole = ::lseek(in, data, SEEK_HOLE)) < 0) {
      fail("cannot copy " + from.string() + " to", shown_as_);
    }
    if (data >= stop) break;
    hole = std::min(hole, stop);
    const off_t copied = copy_range(in, data, out_start + (data - start), hole - data, from);
    if (copied < hole - data) stop = data + copied;  // the source got shorter
    at = data + copied;
  }
  finish_copy(in, stop, out_start + (stop - start));
}

// Copies `length` bytes at `in_at` of `in` to `out_at` (in the kernel where the file systems
// allow); fewer only at the source's end.
off_t AtomicFile::copy_range(int in, off_t in_at, off_t out_at, off_t length,
                             const fs::path& from) {
  std::array<char, 64 * 1024> buffer{};
  bool in_kernel = true;
  off_t done = 0;
  while (done < length) {
    const std::size_t want = static_cast<std::size_t>(std::min<off_t>(length - done, 1 << 30));
    loff_t in_offset = in_at + done, out_offset = out_at + done;
    ssize_t n = -1;
    if (in_kernel) {
      n = ::copy_file_range(in, &in_offset, fd_.get(), &out_offset, want, 0);
      // Not between these file systems on this kernel: copy by reading and writing instead.
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        in_kernel = false;
        continue;
      }
    } else {
      n = ::pread(in, buffer.data(), std::min(want, buffer.size()), in_at + done);
      if (n > 0)
        write_at(std::string_view(buffer.data(), static_cast<std::size_t>(n)), out_at + done);
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot copy " + from.string() + " to", shown_as_);
    if (n == 0) break;
    done += n;
  }
  return done;
}

// Leaves both files positioned after the copy, with the copy as long as the source's range
// (a hole at the end included).
void AtomicFile::finish_copy(int in, off_t in_end, off_t out_end) {
  struct stat out {};
  if (::fstat(fd_.get(), &out) != 0) fail("cannot write", shown_as_);
  if (out.st_size < out_end && ::ftruncate(fd_.get(), out_end) != 0)
    fail("cannot write", shown_as_);
  if (::lseek(fd_.get(), out_end, SEEK_SET) < 0 || ::lseek(in, in_end, SEEK_SET) < 0)
    fail("cannot write", shown_as_);
}

void AtomicFile::write_at(std::string_view data, off_t at) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", shown_as_);
    data.remove_prefix(static_cast<std::size_t>(n));
    at += n;
  }
}

// A pipe or another file that cannot seek: read to its end (or `max_bytes`).
void AtomicFile::copy_stream(int in, const fs::path& from, std::uint64_t max_bytes) {
  std::uint64_t left = max_bytes;
  std::array<char, 64 * 1024> buffer{};
  while (left > 0) {
    const ssize_t n = ::read(in, buffer.data(), std::min<std::uint64_t>(left, buffer.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot copy " + from.string() + " to", shown_as_);
    if (n == 0) break;
    write(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
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
