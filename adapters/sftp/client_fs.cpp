#include "adapters/sftp/client_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "adapters/sftp/client_fs_open.h"
#include "adapters/sftp/client_fs_upload.h"
#include "base/strings.h"

namespace popgate::sftp {
namespace {

bool listable_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.size() > kMaxNameBytes) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// The root is a fixed, read-only directory: no size, owner or times of the server directory.
FileAttributes root_attributes() {
  FileAttributes attrs;
  attrs.size = 0;
  attrs.uid = 0;
  attrs.gid = 0;
  attrs.permissions = S_IFDIR | 0555;
  return attrs;
}

bool is_escape(int err) {
  return err == ELOOP || err == EXDEV;
}

std::uint64_t tree_bytes(int dirfd, std::size_t depth) {
  std::uint64_t total = 0;
  for (const std::string& name : read_dir_names(dirfd)) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(st.st_mode)) total += static_cast<std::uint64_t>(st.st_size);
    if (!S_ISDIR(st.st_mode) || depth >= kMaxDepthBelowArea) continue;
    const base::UniqueFd child(
        ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (child.valid()) total += tree_bytes(child.get(), depth + 1);
  }
  return total;
}

}  // namespace

ClientFs::ClientFs(const std::filesystem::path& root, ClientLimits limits,
                   ClientFsCallbacks callbacks)
    : context_(std::make_shared<ClientFsContext>()) {
  context_->root = base::UniqueFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!context_->root.valid())
    throw std::system_error(errno, std::generic_category(),
                            "cannot open client root " + root.string());
  context_->limits = limits;
  context_->callbacks = std::move(callbacks);
}

void ClientFs::refuse(std::string_view operation, const std::string& client_path,
                      const std::string& why) {
  context_->log("refused " + std::string(operation) + " " + client_path + ": " + why);
  throw FsException(Status::permission_denied, client_path + ": " + why);
}

ClientPath ClientFs::parse(std::string_view raw, std::string_view operation) {
  try {
    return parse_client_path(raw);
  } catch (const FsException& e) {
    context_->log("refused " + std::string(operation) + " " + base::quoted(raw) + ": " +
                  e.error().message);
    throw;
  }
}

// Opens a client path beneath the root; escapes are refused and logged, other errors mapped.
base::UniqueFd ClientFs::open_dir_fd(const ClientPath& dir, std::uint64_t flags) {
  base::UniqueFd fd = open_beneath(context_->root.get(), dir.relative(), flags);
  if (fd.valid()) return fd;
  const int err = errno;
  if (is_escape(err))
    refuse("open", dir.canonical(), "links and paths leaving the root are refused");
  throw_errno(err, dir.canonical());
}

void ClientFs::require_inbox_entry(const ClientPath& path, std::string_view operation) {
  if (path.area != Area::inbox || path.names.empty())
    refuse(operation, path.canonical(), "only allowed inside /inbox");
}

struct stat ClientFs::served(int fd, const ClientPath& path, std::string_view operation) {
  try {
    return stat_servable(fd, path.canonical());
  } catch (const FsException& e) {
    if (e.error().status == Status::permission_denied)
      context_->log("refused " + std::string(operation) + " " + path.canonical() +
                    ": not a regular file or directory");
    throw;
  }
}

FileAttributes ClientFs::area_attributes(const ClientPath& path) {
  if (path.area == Area::root) return root_attributes();
  const base::UniqueFd fd = open_dir_fd(path, O_PATH);
  return to_attributes(served(fd.get(), path, "stat"));
}

FileAttributes ClientFs::stat(std::string_view raw) {
  return area_attributes(parse(raw, "stat"));
}

void ClientFs::setstat(std::string_view raw, const FileAttributes& /*attrs*/) {
  // Mode and time changes mean nothing to popgate; accepting them keeps clients that send them
  // after an upload (WinSCP, `put -p`) from reporting errors.
  area_attributes(parse(raw, "setstat"));
}

std::unique_ptr<FileHandle> ClientFs::open(std::string_view raw, std::uint32_t pflags) {
  const ClientPath path = parse(raw, "open");
  const std::string client_path = path.canonical();
  const bool writing = (pflags & (kOpenWrite | kOpenAppend)) != 0;
  if (writing && (pflags & kOpenRead) != 0)
    refuse("open", client_path, "files open either for reading or for writing");

  if (!writing) {
    if (path.area != Area::outbox || path.names.empty())
      refuse("open", client_path, "only files in /outbox can be read");
    HandleSlot slot(context_);
    const base::UniqueFd probe = open_dir_fd(path, O_PATH);
    const struct stat seen = served(probe.get(), path, "open");
    if (S_ISDIR(seen.st_mode)) throw FsException(Status::failure, client_path + ": is a directory");
    // O_NONBLOCK: should a FIFO be swapped in after the probe, opening it must not hang.
    base::UniqueFd file = open_dir_fd(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    const struct stat now = served(file.get(), path, "open");
    if (now.st_ino != seen.st_ino || now.st_dev != seen.st_dev || !S_ISREG(now.st_mode))
      throw FsException(Status::failure, client_path + ": changed while opening");
    return std::make_unique<FileHandle>(std::move(slot), client_path, std::move(file));
  }

  require_inbox_entry(path, "upload");
  HandleSlot slot(context_);
  base::UniqueFd dir = open_dir_fd(path.parent(), O_RDONLY | O_DIRECTORY);
  base::UniqueFd existing = open_beneath(context_->root.get(), path.relative(), O_PATH);
  base::UniqueFd resume;
  if (existing.valid()) {
    const struct stat seen = served(existing.get(), path, "upload");
    if (S_ISDIR(seen.st_mode)) throw FsException(Status::failure, client_path + ": is a directory");
    if (pflags & kOpenExclusive)
      throw FsException(Status::failure, client_path + ": already exists");
    if (!(pflags & kOpenTruncate)) {
      resume = open_dir_fd(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
      const struct stat now = served(resume.get(), path, "upload");
      if (now.st_ino != seen.st_ino || now.st_dev != seen.st_dev)
        throw FsException(Status::failure, client_path + ": changed while opening");
    }
  } else if (errno != ENOENT) {
    const int err = errno;
    if (is_escape(err)) refuse("upload", client_path, "links are refused");
    throw_errno(err, client_path);
  } else if (!(pflags & kOpenCreate)) {
    throw FsException(Status::no_such_file, client_path + ": no such file");
  }
  if (const std::optional<std::string> short_of_space = short_of_disk_space(*context_)) {
    context_->log("refused upload " + client_path + ": " + *short_of_space);
    throw FsException(Status::failure, client_path + ": " + *short_of_space);
  }
  const std::uint64_t used = context_->limits.quota_bytes != 0 ? usage() : 0;
  auto upload =
      Upload::begin(context_, path, std::move(dir), resume.valid() ? resume.get() : -1, used);
  return std::make_unique<FileHandle>(std::move(slot), client_path, std::move(upload),
                                      (pflags & kOpenAppend) != 0);
}

std::unique_ptr<DirHandle> ClientFs::opendir(std::string_view raw) {
  const ClientPath path = parse(raw, "opendir");
  std::vector<DirEntry> entries;
  if (path.area == Area::root) {
    HandleSlot slot(context_);
    for (const char* area : {"inbox", "outbox"}) {
      const FileAttributes attrs = area_attributes(parse_client_path(area));
      entries.push_back({area, long_name(area, attrs), attrs});
    }
    return std::make_unique<DirHandle>(std::move(slot), "/", std::move(entries));
  }
  HandleSlot slot(context_);
  const base::UniqueFd dir = open_dir_fd(path, O_RDONLY | O_DIRECTORY);
  served(dir.get(), path, "opendir");
  for (const std::string& name : read_dir_names(dir.get())) {
    if (!listable_name(name)) continue;
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!is_servable(st)) continue;
    const FileAttributes attrs = to_attributes(st);
    entries.push_back({name, long_name(name, attrs), attrs});
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return std::make_unique<DirHandle>(std::move(slot), path.canonical(), std::move(entries));
}

void ClientFs::remove(std::string_view raw) {
  const ClientPath path = parse(raw, "remove");
  if (path.names.empty()) refuse("remove", path.canonical(), "cannot be removed");
  const base::UniqueFd parent = open_dir_fd(path.parent(), O_PATH | O_DIRECTORY);
  struct stat st {};
  if (::fstatat(parent.get(), path.leaf().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw_errno(errno, path.canonical());
  if (S_ISDIR(st.st_mode))
    throw FsException(Status::failure, path.canonical() + ": is a directory (use rmdir)");
  if (!is_servable(st)) refuse("remove", path.canonical(), "not a regular file");
  if (::unlinkat(parent.get(), path.leaf().c_str(), 0) != 0) throw_errno(errno, path.canonical());
}

void ClientFs::rename(std::string_view raw_from, std::string_view raw_to, bool overwrite) {
  const ClientPath from = parse(raw_from, "rename");
  const ClientPath to = parse(raw_to, "rename");
  if (from.area != Area::inbox || to.area != Area::inbox || from.names.empty() || to.names.empty())
    refuse("rename", from.canonical() + " -> " + to.canonical(), "only allowed within /inbox");
  const base::UniqueFd from_dir = open_dir_fd(from.parent(), O_PATH | O_DIRECTORY);
  const base::UniqueFd to_dir = open_dir_fd(to.parent(), O_PATH | O_DIRECTORY);
  struct stat st {};
  if (::fstatat(from_dir.get(), from.leaf().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    throw_errno(errno, from.canonical());
  // Directories stay put: moving one could push its contents past the depth limit.
  if (!S_ISREG(st.st_mode) || !is_servable(st))
    refuse("rename", from.canonical(), "only regular files can be renamed");
  if (::fstatat(to_dir.get(), to.leaf().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!overwrite) throw FsException(Status::failure, to.canonical() + ": already exists");
    if (!S_ISREG(st.st_mode) || !is_servable(st))
      refuse("rename", to.canonical(), "only regular files can be replaced");
  }
  const unsigned flags = overwrite ? 0 : RENAME_NOREPLACE;
  if (::renameat2(from_dir.get(), from.leaf().c_str(), to_dir.get(), to.leaf().c_str(), flags) != 0)
    throw_errno(errno, to.canonical());
  report_renamed(to_dir.get(), to);
}

// A file renamed within the inbox is complete under its new name: clients such as WinSCP and
// FileZilla upload to "name.filepart" and rename when done, and the workflow that watches
// "inbox/*.csv" must see that as the upload it is.
void ClientFs::report_renamed(int dir, const ClientPath& to) {
  if (!context_->callbacks.on_upload_complete) return;
  const base::UniqueFd file(
      ::openat(dir, to.leaf().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!file.valid()) throw_errno(errno, to.canonical());
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw_errno(errno, to.canonical());
  const std::string sha256 = sha256_of_fd(file.get(), to.canonical());
  context_->callbacks.on_upload_complete(to.relative(), static_cast<std::uint64_t>(st.st_size),
                                         sha256);
}

void ClientFs::mkdir(std::string_view raw) {
  const ClientPath path = parse(raw, "mkdir");
  require_inbox_entry(path, "mkdir");
  // A directory must leave room for a file inside it.
  if (path.names.size() >= kMaxDepthBelowArea) refuse("mkdir", path.canonical(), "too deep");
  const base::UniqueFd parent = open_dir_fd(path.parent(), O_PATH | O_DIRECTORY);
  if (::mkdirat(parent.get(), path.leaf().c_str(), 0750) != 0) throw_errno(errno, path.canonical());
}

void ClientFs::rmdir(std::string_view raw) {
  const ClientPath path = parse(raw, "rmdir");
  require_inbox_entry(path, "rmdir");
  const base::UniqueFd parent = open_dir_fd(path.parent(), O_PATH | O_DIRECTORY);
  if (::unlinkat(parent.get(), path.leaf().c_str(), AT_REMOVEDIR) != 0)
    throw_errno(errno, path.canonical());
}

std::string ClientFs::realpath(std::string_view raw) {
  try {
    return parse_client_path_for_realpath(raw).canonical();
  } catch (const FsException& e) {
    context_->log("refused realpath " + base::quoted(raw) + ": " + e.error().message);
    throw;
  }
}

FsStatVfs ClientFs::statvfs(std::string_view raw) {
  parse(raw, "statvfs");
  struct statvfs vfs {};
  if (::fstatvfs(context_->root.get(), &vfs) != 0) throw_errno(errno, "/");
  FsStatVfs out;
  out.block_size = vfs.f_bsize;
  out.fragment_size = vfs.f_frsize;
  out.blocks = vfs.f_blocks;
  out.blocks_free = vfs.f_bfree;
  out.blocks_available = vfs.f_bavail;
  out.files = vfs.f_files;
  out.files_free = vfs.f_ffree;
  out.files_available = vfs.f_favail;
  out.flags = vfs.f_flag;
  out.name_max = vfs.f_namemax;
  return out;
}

void ClientFs::link(std::string_view target, std::string_view link_path) {
  refuse("link", base::quoted(link_path) + " -> " + base::quoted(target),
         "links are not supported");
}

std::uint64_t ClientFs::usage() {
  std::uint64_t total = 0;
  for (const char* area : {"inbox", "outbox"}) {
    const base::UniqueFd dir = open_beneath(context_->root.get(), area, O_RDONLY | O_DIRECTORY);
    if (dir.valid()) total += tree_bytes(dir.get(), 1);
  }
  return total;
}

}  // namespace popgate::sftp
