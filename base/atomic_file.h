// Publishing a file so that readers see the old file or the whole new one, never a part, and
// so that a power loss after publication cannot take the new file back. Every file popgate
// publishes (results, status files, keys, configuration edits, exports) goes through here.
//
// The sequence is always the same:
//   1. write everything to "<dir>/.<name>.tmp" (created afresh: O_EXCL | O_NOFOLLOW, so never
//      through a link that someone left there);
//   2. fsync the temporary file: its data must be on disk before a name points at it, or a
//      crash could leave a complete-looking empty file under the real name (ext4's
//      auto_da_alloc covers rename-over only, and not on every file system);
//   3. rename it over "<dir>/<name>";
//   4. fsync "<dir>", so that the rename itself survives a power loss.
// A failure at any step throws std::system_error (errno, and a message naming the step and the
// target, as the caller knows it: "cannot write out/result.csv: No space left on device"),
// removes the temporary file and leaves the target as it was (but for step 4: renamed, its
// durability not confirmed).
#ifndef POPGATE_BASE_ATOMIC_FILE_H_
#define POPGATE_BASE_ATOMIC_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace popgate::base {

constexpr mode_t kDefaultFileMode = 0640;

// How the temporary file is named.
enum class TempName {
  // "<dir>/.<name>.tmp": a crash leaves at most one, which the next write replaces. For
  // writers that do not race each other (a job's steps, the daemon, one CLI command).
  fixed,
  // "<dir>/.<name>.tmp.<random>": for processes that may write the same target at once
  // (two `popgate` commands creating the same key).
  unique,
};

// A file being written under its temporary name; commit() publishes it. Destroyed without a
// commit (an exception on the way), the temporary file is removed.
class AtomicFile {
 public:
  // Creates the temporary file (mode before umask) in the target's directory, which must
  // exist: like open(), a publication does not make directories.
  explicit AtomicFile(std::filesystem::path target, mode_t mode = kDefaultFileMode,
                      TempName temp_name = TempName::fixed);

  // The same inside a directory that the caller opened and keeps open (confined writers, such
  // as the SFTP server writing into a client's inbox through descriptors only, never through a
  // path that could hold a link): `name` and `temp_name` are entries of `dir`, `shown_as` names
  // the target in errors. The caller picks a temporary name no one else uses: one that exists
  // already fails with EEXIST, so that the caller can pick another.
  AtomicFile(int dir, std::string name, std::string temp_name, std::filesystem::path shown_as,
             mode_t mode = kDefaultFileMode);

  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& target() const { return shown_as_; }
  const std::filesystem::path& temp_path() const { return temp_shown_as_; }

  // The temporary file's descriptor (open for reading and writing), for writers that take one
  // (libarchive, pwrite, copy_file_range). Writers that open temp_path() by name instead
  // (std::ofstream, SQLite) must have closed it before commit(); the fsync through this
  // descriptor covers their writes too.
  int fd() const { return fd_.get(); }

  // Writes all of `data` at the current position (retrying short writes and EINTR).
  void write(std::string_view data);

  // Copies the rest of the open file `in` (at most `max_bytes` of it) at the current position;
  // `from` names it in errors. In the kernel where the file systems allow (copy_file_range).
  // Holes in a regular file stay holes (SEEK_DATA, SEEK_HOLE): the copy takes no more disk
  // space than the source.
  void copy_from(int in, const std::filesystem::path& from, std::uint64_t max_bytes = UINT64_MAX);

  // Steps 2-4 above. Afterwards the object owns nothing.
  void commit();

  // Like commit(), but publishes only if the target does not exist yet (link instead of
  // rename): false, and the temporary file removed, when another writer got there first.
  bool commit_if_absent();

  // Removes the temporary file now (what the destructor does). Safe to call twice.
  void discard() noexcept;

 private:
  void create(mode_t mode);
  off_t copy_range(int in, off_t in_at, off_t out_at, off_t length,
                   const std::filesystem::path& from);
  void finish_copy(int in, off_t in_end, off_t out_end);
  void write_at(std::string_view data, off_t at);
  void copy_stream(int in, const std::filesystem::path& from, std::uint64_t max_bytes);
  void sync_and_close();
  void sync_parent();

  int dir_;                // AT_FDCWD, or the caller's directory
  std::string name_;       // the target, relative to dir_
  std::string temp_name_;  // the temporary file, relative to dir_
  std::filesystem::path shown_as_;
  std::filesystem::path temp_shown_as_;
  UniqueFd fd_;
  bool finished_ = false;  // committed or discarded: the temporary name is gone
};

// "<dir>/.<name>.tmp" for "<dir>/<name>": the temporary name of TempName::fixed.
std::filesystem::path temp_path_for(const std::filesystem::path& target);

// Publishes `content` as `target`.
void write_file_atomically(const std::filesystem::path& target, std::string_view content,
                           mode_t mode = kDefaultFileMode, TempName temp_name = TempName::fixed);

// Publishes a copy of `from` as `to` (copied in the kernel where the file systems allow; holes
// stay holes).
void copy_file_atomically(const std::filesystem::path& from, const std::filesystem::path& to,
                          mode_t mode = kDefaultFileMode);

// Publishes the finished file `from` (written by someone else, e.g. SQLite) as `to`: fsync it,
// rename it, fsync the directory; across file systems (EXDEV) by copy_file_atomically and
// unlink. A multi-gigabyte result is renamed, not copied.
void move_file_atomically(const std::filesystem::path& from, const std::filesystem::path& to);

// fsync of a directory, after creating, renaming or removing entries in it.
void sync_directory(const std::filesystem::path& dir);

}  // namespace popgate::base

#endif  // POPGATE_BASE_ATOMIC_FILE_H_
