// How the confined file system reports a refused or failed operation: an exception carrying the
// FsError the server sends back as-is. Messages name client paths ("/inbox/a.csv"), never the
// server directory behind them.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_ERROR_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_ERROR_H_

#include <exception>
#include <string>
#include <string_view>

#include "adapters/sftp/sftp_types.h"

namespace popgate::sftp {

class FsException : public std::exception {
 public:
  explicit FsException(FsError error) : error_(std::move(error)) {}
  FsException(Status status, std::string message) : error_{status, std::move(message)} {}

  const FsError& error() const { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  FsError error_;
};

// Maps a failed syscall's errno to the status a client should see. RESOLVE_BENEATH escapes
// (EXDEV) and refused links (ELOOP) become PERMISSION_DENIED. strerror texts carry no paths.
FsError errno_error(int err, std::string_view client_path);

[[noreturn]] void throw_errno(int err, std::string_view client_path);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_ERROR_H_
