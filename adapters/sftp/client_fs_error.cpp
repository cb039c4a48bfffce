#include "adapters/sftp/client_fs_error.h"

#include <cerrno>
#include <cstring>

namespace popgate::sftp {

FsError errno_error(int err, std::string_view client_path) {
  const std::string prefix = std::string(client_path) + ": ";
  switch (err) {
    case ENOENT:
      return {Status::no_such_file, prefix + "no such file or directory"};
    case EACCES:
    case EPERM:
      return {Status::permission_denied, prefix + "permission denied"};
    case ELOOP:
    case EXDEV:
      return {Status::permission_denied, prefix + "links and paths leaving the root are refused"};
    case EEXIST:
      return {Status::failure, prefix + "already exists"};
    case ENOTDIR:
      return {Status::no_such_file, prefix + "not a directory"};
    case EISDIR:
      return {Status::failure, prefix + "is a directory"};
    case ENOTEMPTY:
      return {Status::failure, prefix + "directory not empty"};
    case ENOSPC:
    case EDQUOT:
      return {Status::failure, prefix + "no space left"};
    default:
      return {Status::failure, prefix + std::strerror(err)};
  }
}

void throw_errno(int err, std::string_view client_path) {
  throw FsException(errno_error(err, client_path));
}

}  // namespace popgate::sftp
