// The kernel half of confinement: every client path is opened with openat2 beneath the client's
// root fd, refusing symlinks and magic links at any component, so that no string trick or race
// (a symlink swapped in after a check) can reach outside. Anything that is neither a directory
// nor a regular file with a single link is refused too: hard links could alias files outside the
// root, FIFOs and devices would block or have side effects.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_OPEN_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_OPEN_H_

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/sftp/sftp_types.h"
#include "base/unique_fd.h"

namespace popgate::sftp {

// openat2(rootfd, relative, flags|O_CLOEXEC, mode) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS. Returns an invalid fd with errno set on failure.
base::UniqueFd open_beneath(int rootfd, const std::string& relative, std::uint64_t flags,
                            std::uint64_t mode = 0);

// A directory or a regular file with one link: the only things a client is ever shown or served.
bool is_servable(const struct stat& st);

// fstat(fd), throwing FsException (named by client_path) on failure or on a non-servable object.
struct stat stat_servable(int fd, const std::string& client_path);

// The names in a directory, without "." and "..". Empty when it cannot be read.
std::vector<std::string> read_dir_names(int dirfd);

// Attributes as a client sees them: type and permission bits, size, times; uid/gid always 0,
// since server account numbers are nobody's business.
FileAttributes to_attributes(const struct stat& st);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_OPEN_H_
