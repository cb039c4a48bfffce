// One atomic upload: bytes go to a hidden temporary file beside the target
// (".<name>.<random>.part", O_EXCL, 0640) and reach the target name only on a clean commit:
// fsync, rename over any older file, fsync the directory, then the completion callback. Anything
// else (abandon, destruction, a write past the limits) deletes the temporary file and never calls
// the callback, so an interrupted upload can never start a workflow.
//
// Resume (OpenSSH reput / put -a opens without TRUNC): the existing file is copied into the
// temporary file first, hashing it on the way. The finished file is old bytes + appended bytes,
// and the old file stays untouched and visible until the commit replaces it, so atomicity holds.
// The copy costs one read of the old file; a resume is rare enough for that.
//
// The bytes are written, hashed and handed to the disk by an UploadWriter (upload_writer.h), on
// a thread of the upload's own once it outgrows one chunk; a failed write dooms the upload at
// the next request, and commit() waits for every byte before its fsync.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_UPLOAD_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_UPLOAD_H_

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/sftp/client_fs_context.h"
#include "adapters/sftp/client_fs_path.h"
#include "adapters/sftp/upload_writer.h"
#include "base/atomic_file.h"
#include "base/unique_fd.h"

namespace popgate::sftp {

// The SHA-256 of the whole file open at `fd`, read with pread; errors name `client_path`.
std::string sha256_of_fd(int fd, const std::string& client_path);

// Why uploads are refused now: the file system under the client's root has less free space
// than limits.min_free_bytes ("the appliance is short of disk space ..."); nullopt when there is
// enough, or no threshold.
std::optional<std::string> short_of_disk_space(const ClientFsContext& context);

// How much an upload grows between two checks of the free space.
inline constexpr std::uint64_t kFreeSpaceCheckBytes = 64 * 1024 * 1024;

class Upload {
 public:
  // `dir` is the target's parent, opened O_RDONLY|O_DIRECTORY beneath the root (fsync needs a
  // real fd). `resume_from` is the existing target to copy first, or -1. `usage_before` is the
  // client's usage when the upload starts, for the quota.
  static std::unique_ptr<Upload> begin(std::shared_ptr<ClientFsContext> context, ClientPath target,
                                       base::UniqueFd dir, int resume_from,
                                       std::uint64_t usage_before);
  ~Upload() { abandon(); }
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;

  // pwrite at `offset`. Fails (and dooms the upload) beyond max_file_size or the quota.
  void write(std::uint64_t offset, std::string_view data);
  // The end of the data written so far, where append-mode writes go.
  std::uint64_t size() const { return size_; }
  void truncate(std::uint64_t size);
  void sync();
  // Waits for the writes in flight first, so that the size is that of the data written.
  struct stat stat();

  // Makes the file visible under its name and reports it. Throws FsException if the upload
  // failed earlier or cannot be made durable; the temporary file is gone either way.
  void commit();
  // Deletes the temporary file; never reports. Safe to call twice.
  void abandon() noexcept;

 private:
  Upload(std::shared_ptr<ClientFsContext> context, ClientPath target, base::UniqueFd dir,
         std::unique_ptr<base::AtomicFile> file, std::uint64_t usage_before);
  void copy_from(int source);
  void check_limits(std::uint64_t new_end);
  // Waits for the writer; dooms the upload if one of its writes failed.
  void flush();
  [[noreturn]] void doom(std::string message);
  [[noreturn]] void doom_errno(int err);

  std::shared_ptr<ClientFsContext> context_;
  ClientPath target_;
  std::string client_path_;
  base::UniqueFd dir_;
  std::unique_ptr<base::AtomicFile> file_;  // in dir_, published by commit()
  std::uint64_t usage_before_ = 0;
  std::uint64_t initial_size_ = 0;                         // bytes copied from the resumed file
  std::uint64_t size_ = 0;                                 // highest end of written data
  std::uint64_t next_space_check_ = kFreeSpaceCheckBytes;  // at this end, look at free space
  // Writes to file_'s descriptor: reset before file_ is committed or discarded. Its digest
  // follows writes while they arrive in order; the first write out of order (or a truncation)
  // drops it, and commit() hashes the finished file instead.
  std::unique_ptr<UploadWriter> writer_;
  std::string failure_;  // set once a write failed: the upload can only be discarded
  bool done_ = false;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_UPLOAD_H_
