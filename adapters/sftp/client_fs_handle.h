// Open handles of a client's file system: a file being read from the outbox, a file being
// uploaded to the inbox, or a directory listing. Each counts against max_open_handles for as long
// as it lives.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_HANDLE_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_HANDLE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sftp/client_fs_context.h"
#include "adapters/sftp/client_fs_upload.h"
#include "adapters/sftp/sftp_types.h"
#include "base/unique_fd.h"

namespace popgate::sftp {

// Holds one slot of the client's handle budget; released when the handle goes.
class HandleSlot {
 public:
  explicit HandleSlot(std::shared_ptr<ClientFsContext> context);
  ~HandleSlot();
  HandleSlot(HandleSlot&&) noexcept = default;  // the moved-from slot releases nothing
  HandleSlot& operator=(HandleSlot&&) = delete;
  HandleSlot(const HandleSlot&) = delete;
  HandleSlot& operator=(const HandleSlot&) = delete;
  const std::shared_ptr<ClientFsContext>& context() const { return context_; }

 private:
  std::shared_ptr<ClientFsContext> context_;
};

class FileHandle {
 public:
  // A read-only handle on a served file.
  FileHandle(HandleSlot slot, std::string client_path, base::UniqueFd file);
  // An upload; `append` sends every write to the current end (SSH_FXF_APPEND).
  FileHandle(HandleSlot slot, std::string client_path, std::unique_ptr<Upload> upload, bool append);
  // An upload still open here is abandoned: no file, no callback.
  ~FileHandle() = default;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  const std::string& client_path() const { return client_path_; }
  bool is_upload() const { return upload_ != nullptr; }

  // pread into `out`; fewer bytes near the end, 0 at or past it (the server sends EOF).
  std::size_t read(std::uint64_t offset, std::span<char> out);
  void write(std::uint64_t offset, std::string_view data);
  FileAttributes fstat() const;
  // Accepted and ignored, except a size on an upload, which truncates or extends it (limits
  // apply).
  void fsetstat(const FileAttributes& attrs);
  void fsync();
  // Commits an upload (throws if it cannot be completed); a no-op for reads. Spent afterwards.
  void close();
  // Discards an upload without reporting it.
  void abandon() noexcept;

 private:
  [[noreturn]] void refuse(const std::string& what) const;
  // Remembers that [offset, offset + size) was sent; merges with adjacent ranges.
  void note_read(std::uint64_t offset, std::uint64_t size);
  bool read_whole_file() const;

  HandleSlot slot_;
  std::string client_path_;
  base::UniqueFd file_;
  std::unique_ptr<Upload> upload_;
  bool append_ = false;
  bool closed_ = false;
  // The byte ranges sent to the client, start -> end: a download is complete when they cover
  // the file. Clients read with many requests in flight, so ranges arrive out of order.
  std::map<std::uint64_t, std::uint64_t> sent_;
};

struct DirEntry {
  std::string name;
  std::string longname;  // "ls -l" style, as SSH_FXP_NAME v3 carries it
  FileAttributes attrs;
};

// A listing taken when the directory is opened, handed out in batches. "." and ".." are not
// listed: clients do not need them, and ".." of /inbox would describe the server directory above.
// Hidden names (temporary uploads) and anything not servable are left out.
class DirHandle {
 public:
  DirHandle(HandleSlot slot, std::string client_path, std::vector<DirEntry> entries);
  const std::string& client_path() const { return client_path_; }
  // Up to `max` entries; empty once the listing is exhausted (the server sends EOF).
  std::vector<DirEntry> next_batch(std::size_t max = 100);

 private:
  HandleSlot slot_;
  std::string client_path_;
  std::vector<DirEntry> entries_;
  std::size_t next_ = 0;
};

std::string long_name(const std::string& name, const FileAttributes& attrs);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_HANDLE_H_
