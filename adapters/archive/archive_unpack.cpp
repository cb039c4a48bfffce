#include "adapters/archive/archive_unpack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <set>

#include "adapters/archive/archive_error.h"
#include "adapters/archive/entry_name.h"
#include "adapters/archive/libarchive_handles.h"
#include "base/unique_fd.h"

namespace popgate::archive {
namespace {

namespace fs = std::filesystem;

constexpr char kNotAnArchive[] = "not an archive (zip, tar, tar.gz or tar.zst)";

// Leaves `dest` as it was found (absent or empty) unless the unpacking finished.
class DestinationGuard {
 public:
  explicit DestinationGuard(const fs::path& dest) : dest_(dest) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dest_, ec))) {
      if (!fs::is_directory(fs::symlink_status(dest_, ec)) || !fs::is_empty(dest_, ec))
        throw ArchiveError("cannot unpack into " + dest_.string() + ": not an empty directory");
      return;
    }
    fs::create_directories(dest_, ec);
    if (ec) throw ArchiveError("cannot create " + dest_.string() + ": " + ec.message());
    created_ = true;
  }
  ~DestinationGuard() {
    if (done_) return;
    std::error_code ignored;
    if (created_) {
      fs::remove_all(dest_, ignored);
      return;
    }
    for (const auto& child : fs::directory_iterator(dest_, ignored))
      fs::remove_all(child.path(), ignored);
  }
  DestinationGuard(const DestinationGuard&) = delete;
  DestinationGuard& operator=(const DestinationGuard&) = delete;

  void done() { done_ = true; }

 private:
  fs::path dest_;
  bool created_ = false;
  bool done_ = false;
};

class Unpacker {
 public:
  Unpacker(const fs::path& archive_path, const fs::path& dest, const UnpackLimits& limits)
      : archive_path_(archive_path), dest_(dest), limits_(limits) {}

  UnpackSummary run() {
    open_archive();
    dest_fd_ = open_directory(AT_FDCWD, dest_.c_str(), dest_);
    for (;;) {
      struct archive_entry* entry = nullptr;
      const int status = archive_read_next_header(reader_.get(), &entry);
      if (status == ARCHIVE_EOF) break;
      if (status < ARCHIVE_WARN) refuse_damaged("after entry " + last_entry_or_start());
      unpack_entry(entry);
    }
    if (::fsync(dest_fd_.get()) != 0) fail_errno("cannot sync", dest_);
    return std::move(summary_);
  }

 private:
  [[noreturn]] void refuse(const std::string& client_message) {
    throw ArchiveRefused(archive_path_.string() + ": " + client_message, client_message);
  }
  [[noreturn]] void refuse_entry(const std::string& name, const std::string& rule) {
    refuse("entry " + quoted_entry_name(name) + ": " + rule);
  }
  [[noreturn]] void refuse_damaged(const std::string& where) {
    refuse("the archive is damaged or truncated " + where + ": " +
           libarchive_message(reader_.get()));
  }
  [[noreturn]] void fail_errno(const std::string& what, const fs::path& path) {
    throw ArchiveError(what + " " + path.string() + ": " + std::strerror(errno));
  }
  std::string last_entry_or_start() const {
    return last_entry_.empty() ? "at its start" : quoted_entry_name(last_entry_);
  }

  void open_archive() {
    struct stat info {};
    if (::stat(archive_path_.c_str(), &info) != 0) fail_errno("cannot read", archive_path_);
    archive_bytes_ = static_cast<std::uint64_t>(info.st_size);
    reader_.reset(archive_read_new());
    if (!reader_) throw ArchiveError("out of memory");
    // Only the formats and filters we name to clients: archive_read_support_filter_all would
    // also hand a client's bytes to external programs (lrzip, lzop, grzip) if one is found, and
    // the raw and empty formats would take any file as an "archive".
    archive_read_support_filter_gzip(reader_.get());
    archive_read_support_filter_zstd(reader_.get());
    archive_read_support_format_tar(reader_.get());
    archive_read_support_format_zip(reader_.get());
    if (archive_read_open_filename(reader_.get(), archive_path_.c_str(), 64 * 1024) == ARCHIVE_OK)
      return;
    // "Unrecognized archive format" is reported with ARCHIVE_ERRNO_FILE_FORMAT, which
    // libarchive defines as EILSEQ on Linux in a private header.
    if (archive_errno(reader_.get()) == EILSEQ)
      throw NotAnArchive(archive_path_.string() + ": " + kNotAnArchive, kNotAnArchive);
    refuse_damaged("at its start");
  }

  void unpack_entry(struct archive_entry* entry) {
    if (++entries_ > limits_.max_entries) {
      refuse("the archive has more than " + std::to_string(limits_.max_entries) +
             " entries (limit max_entries)");
    }
    // Under Utf8ThreadLocale the name is UTF-8 where the archive says what it is (zip's UTF-8
    // flag, pax); otherwise its bytes as they are.
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw != nullptr ? raw : "";
    last_entry_ = name;
    if (std::string problem = entry_name_problem(name); !problem.empty())
      refuse_entry(name, problem);
    check_entry_type(entry, name);
    if (archive_entry_is_encrypted(entry)) {
      refuse_entry(name,
                   "encrypted entries are not supported; encrypt the whole file with CMS instead");
    }
    const std::string path = normalized_entry_name(name);
    const bool directory = archive_entry_filetype(entry) == AE_IFDIR;
    if (path.empty()) {
      if (directory) return;  // "./": the destination itself
      refuse_entry(name, "empty names are not allowed");
    }
    if (!seen_.insert(path).second)
      refuse_entry(name, "appears twice (duplicate names are not allowed)");
    if (directory)
      make_directories(path, path.size(), name);
    else
      write_file(path, name);
  }

  void check_entry_type(struct archive_entry* entry, const std::string& name) {
    if (archive_entry_hardlink(entry) != nullptr) refuse_entry(name, "hard links are not allowed");
    switch (archive_entry_filetype(entry)) {
      case AE_IFREG:
      case AE_IFDIR:
        return;
      case AE_IFLNK:
        refuse_entry(name, "symbolic links are not allowed");
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
      case AE_IFSOCK:
        refuse_entry(name, "device files, FIFOs and sockets are not allowed");
      default:
        refuse_entry(name, "only regular files and directories are allowed");
    }
  }

  // Opens a directory we created (or the destination) without following a link.
  base::UniqueFd open_directory(int at, const char* name, const fs::path& for_message) {
    base::UniqueFd fd(::openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) fail_errno("cannot open directory", for_message);
    return fd;
  }

  // Creates the directories of path[0, length) one component at a time below the destination
  // and returns the innermost one open. Every component is opened with O_NOFOLLOW: nothing
  // this unpacking did not create itself is ever walked through.
  base::UniqueFd make_directories(const std::string& path, std::size_t length,
                                  const std::string& entry_name) {
    base::UniqueFd current = open_directory(dest_fd_.get(), ".", dest_);
    std::size_t start = 0;
    while (start < length) {
      std::size_t end = path.find('/', start);
      if (end == std::string::npos || end > length) end = length;
      const std::string component = path.substr(start, end - start);
      if (::mkdirat(current.get(), component.c_str(), 0750) != 0 && errno != EEXIST)
        fail_errno("cannot create directory", dest_ / path.substr(0, end));
      base::UniqueFd next(::openat(current.get(), component.c_str(),
                                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!next.valid()) {
        if (errno == ENOTDIR || errno == ELOOP)
          refuse_entry(entry_name, "'" + path.substr(0, end) + "' is a file, not a directory");
        fail_errno("cannot open directory", dest_ / path.substr(0, end));
      }
      current = std::move(next);
      start = end + 1;
    }
    return current;
  }

  void write_file(const std::string& path, const std::string& entry_name) {
    const std::size_t slash = path.rfind('/');
    const std::size_t parent_length = slash == std::string::npos ? 0 : slash;
    const std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
    base::UniqueFd parent = make_directories(path, parent_length, entry_name);
    base::UniqueFd out(::openat(parent.get(), leaf.c_str(),
                                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
    if (!out.valid()) {
      if (errno == EEXIST) refuse_entry(entry_name, "clashes with a directory of the same name");
      fail_errno("cannot create", dest_ / path);
    }
    const std::uint64_t bytes = copy_data(out.get(), path, entry_name);
    if (::fsync(out.get()) != 0) fail_errno("cannot sync", dest_ / path);
    if (out.close() != 0) fail_errno("cannot close", dest_ / path);
    summary_.files.push_back({path, bytes});
  }

  // Copies the entry's data block by block, counting every byte (holes of sparse entries
  // included) against the limits before it is written. Returns the file's size.
  std::uint64_t copy_data(int fd, const std::string& path, const std::string& entry_name) {
    std::uint64_t end = 0;
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t offset = 0;
      const int status = archive_read_data_block(reader_.get(), &block, &size, &offset);
      if (status == ARCHIVE_EOF) {
        // A sparse tar entry ending in a hole reports its full size only here.
        if (offset > 0 && static_cast<std::uint64_t>(offset) > end) {
          account(static_cast<std::uint64_t>(offset) - end, entry_name);
          end = static_cast<std::uint64_t>(offset);
        }
        break;
      }
      if (status != ARCHIVE_OK) refuse_damaged("in entry " + quoted_entry_name(entry_name));
      if (limits_.cancelled && limits_.cancelled())
        throw ArchiveCancelled("unpacking " + archive_path_.string() + " was cancelled");
      if (offset < 0 || static_cast<std::uint64_t>(offset) < end)
        refuse_damaged("in entry " + quoted_entry_name(entry_name));
      const std::uint64_t new_end = static_cast<std::uint64_t>(offset) + size;
      account(new_end - end, entry_name);
      write_at(fd, static_cast<const char*>(block), size, offset, path);
      end = new_end;
    }
    // A sparse entry may end in a hole: the file still has the entry's full length.
    if (::ftruncate(fd, static_cast<off_t>(end)) != 0) fail_errno("cannot write", dest_ / path);
    return end;
  }

  void account(std::uint64_t bytes, const std::string& entry_name) {
    summary_.total_bytes += bytes;
    if (summary_.total_bytes > limits_.max_bytes) {
      refuse_entry(entry_name, "the archive expands to more than " +
                                   std::to_string(limits_.max_bytes) + " bytes (limit max_bytes)");
    }
    if (summary_.total_bytes > limits_.ratio_floor_bytes && exceeds_ratio(summary_.total_bytes)) {
      refuse_entry(entry_name, "the archive expands to more than " +
                                   std::to_string(limits_.max_ratio) +
                                   " times its own size (limit max_ratio)");
    }
  }

  bool exceeds_ratio(std::uint64_t written) const {
    const std::uint64_t size = std::max<std::uint64_t>(archive_bytes_, 1);
    if (limits_.max_ratio > std::numeric_limits<std::uint64_t>::max() / size) return false;
    return written > limits_.max_ratio * size;
  }

  void write_at(int fd, const char* data, std::size_t size, la_int64_t offset,
                const std::string& path) {
    while (size > 0) {
      const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        fail_errno("cannot write", dest_ / path);
      }
      data += n;
      size -= static_cast<std::size_t>(n);
      offset += n;
    }
  }

  fs::path archive_path_;
  fs::path dest_;
  const UnpackLimits& limits_;
  ReadArchivePtr reader_;
  base::UniqueFd dest_fd_;
  std::uint64_t archive_bytes_ = 0;
  std::uint64_t entries_ = 0;
  std::string last_entry_;
  std::set<std::string> seen_;
  UnpackSummary summary_;
};

}  // namespace

UnpackSummary unpack_archive(const fs::path& archive_path, const fs::path& dest_dir,
                             const UnpackLimits& limits) {
  const Utf8ThreadLocale utf8;
  DestinationGuard guard(dest_dir);
  UnpackSummary summary = Unpacker(archive_path, dest_dir, limits).run();
  guard.done();
  return summary;
}

}  // namespace popgate::archive
