#include "adapters/sftp/client_fs_open.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "adapters/sftp/client_fs_error.h"

namespace popgate::sftp {

base::UniqueFd open_beneath(int rootfd, const std::string& relative, std::uint64_t flags,
                            std::uint64_t mode) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  // glibc 2.36 has no openat2 wrapper.
  // EAGAIN: the kernel saw a concurrent rename and could not prove the result stays beneath the
  // root; retrying a few times is what openat2(2) advises.
  long fd = -1;
  for (int attempt = 0; attempt < 8; ++attempt) {
    fd = ::syscall(SYS_openat2, rootfd, relative.c_str(), &how, sizeof how);
    if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  return base::UniqueFd(static_cast<int>(fd));
}

bool is_servable(const struct stat& st) {
  return S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_nlink == 1);
}

struct stat stat_servable(int fd, const std::string& client_path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(errno, client_path);
  if (!is_servable(st))
    throw FsException(Status::permission_denied,
                      client_path +
                          ": not a regular file or directory (links, devices and FIFOs "
                          "are not served)");
  return st;
}

std::vector<std::string> read_dir_names(int dirfd) {
  // fdopendir takes the descriptor it is given, so it gets a duplicate; "." and ".." are dropped.
  // UniqueFd has no release(), so the duplicate is held raw for the two lines until DIR owns it.
  const int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return {};
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    ::close(dup);
    return {};
  }
  std::unique_ptr<DIR, int (*)(DIR*)> owned(dir, ::closedir);
  ::rewinddir(dir);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  return names;
}

FileAttributes to_attributes(const struct stat& st) {
  FileAttributes attrs;
  attrs.size = static_cast<std::uint64_t>(st.st_size);
  attrs.uid = 0;
  attrs.gid = 0;
  attrs.permissions = static_cast<std::uint32_t>(st.st_mode & (S_IFMT | 07777));
  attrs.atime = static_cast<std::uint32_t>(st.st_atim.tv_sec);
  attrs.mtime = static_cast<std::uint32_t>(st.st_mtim.tv_sec);
  return attrs;
}

}  // namespace popgate::sftp
