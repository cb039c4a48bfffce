// The confined per-client file system behind popgate's SFTP server. A client sees
//   /         two read-only directories: inbox and outbox
//   /inbox    create and write files (atomically, see client_fs_upload.h), list, stat, remove,
//             rename within inbox, mkdir/rmdir up to inbox/<dir>/<dir>
//   /outbox   read, list, stat, remove (delete after download)
// and nothing else. Every path is checked as a string first (client_fs_path.h) and then opened
// by the kernel beneath the client's root fd with symlinks refused (client_fs_open.h); symlinks,
// hard links, devices and FIFOs found on disk are neither listed nor served. Every failure is an
// FsException carrying the FsError to send; refusals are also logged through callbacks.log.
//
// One ClientFs per SFTP session; not thread-safe. Handles may outlive it.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_H_

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/sftp/client_fs_context.h"
#include "adapters/sftp/client_fs_error.h"
#include "adapters/sftp/client_fs_handle.h"
#include "adapters/sftp/client_fs_path.h"
#include "adapters/sftp/sftp_types.h"

namespace popgate::sftp {

// statvfs@openssh.com's fields, of the file system holding the client's root.
struct FsStatVfs {
  std::uint64_t block_size = 0, fragment_size = 0;
  std::uint64_t blocks = 0, blocks_free = 0, blocks_available = 0;
  std::uint64_t files = 0, files_free = 0, files_available = 0;
  std::uint64_t flags = 0, name_max = 0;
};

class ClientFs {
 public:
  // Opens `root` (exchange/<client>/) once. Throws std::system_error: this is the server's
  // error, not the client's, so it may name the directory.
  ClientFs(const std::filesystem::path& root, ClientLimits limits, ClientFsCallbacks callbacks);

  // SSH_FXP_OPEN. Reading: a regular file in outbox. Writing (no read): a file in inbox, through
  // an atomic upload; without TRUNCATE an existing file is resumed, EXCLUSIVE fails if it exists,
  // and without CREATE it must exist.
  std::unique_ptr<FileHandle> open(std::string_view path, std::uint32_t pflags);
  std::unique_ptr<DirHandle> opendir(std::string_view path);

  // STAT and LSTAT are the same: links are never followed, and never shown either.
  FileAttributes stat(std::string_view path);
  FileAttributes lstat(std::string_view path) { return stat(path); }
  // SETSTAT: the path must be visible; the attributes are accepted and ignored.
  void setstat(std::string_view path, const FileAttributes& attrs);

  void remove(std::string_view path);
  // Within inbox, files only. `overwrite` false is SFTP v3 RENAME (fails if the target exists),
  // true is posix-rename@openssh.com. The file is then reported as an upload completed under
  // its new name (clients that upload to a temporary name and rename rely on it).
  void rename(std::string_view from, std::string_view to, bool overwrite);
  void mkdir(std::string_view path);
  void rmdir(std::string_view path);
  // The canonical client path ("/inbox/a"), lexically, never a server path.
  std::string realpath(std::string_view path);
  FsStatVfs statvfs(std::string_view path);

  // SYMLINK and hardlink@openssh.com: always refused (logged).
  [[noreturn]] void link(std::string_view target, std::string_view link_path);

 private:
  ClientPath parse(std::string_view raw, std::string_view operation);
  [[noreturn]] void refuse(std::string_view operation, const std::string& client_path,
                           const std::string& why);
  void require_inbox_entry(const ClientPath& path, std::string_view operation);
  base::UniqueFd open_dir_fd(const ClientPath& dir, std::uint64_t flags);
  struct stat served(int fd, const ClientPath& path, std::string_view operation);
  FileAttributes area_attributes(const ClientPath& path);
  std::uint64_t usage();
  void report_renamed(int dir, const ClientPath& to);

  std::shared_ptr<ClientFsContext> context_;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_H_
