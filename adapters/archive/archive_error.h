// The errors the archive adapter throws. Messages name the file (and the entry) and say why;
// a refusal also carries what the client may be told: the entry and the rule it broke, never
// a path on this machine.
#ifndef POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_ERROR_H_
#define POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_ERROR_H_

#include <stdexcept>
#include <string>

namespace popgate::archive {

// Anything that went wrong on our side or in libarchive: a file that cannot be read or
// written, a full disk. The message may name internal paths.
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The archive itself is unacceptable (unsafe, too large, damaged): retrying cannot help.
// `client_message()` names the entry and the rule, and no path on this machine.
class ArchiveRefused : public ArchiveError {
 public:
  ArchiveRefused(const std::string& message, std::string client_message)
      : ArchiveError(message), client_message_(std::move(client_message)) {}
  const std::string& client_message() const { return client_message_; }

 private:
  std::string client_message_;
};

// The file is not a zip, tar, tar.gz or tar.zst at all (a plain CSV, say). Its own type so
// that a caller can choose to take such a file as it is.
class NotAnArchive : public ArchiveRefused {
 public:
  using ArchiveRefused::ArchiveRefused;
};

// The caller's cancellation callback said stop; whatever was being written is removed.
class ArchiveCancelled : public ArchiveError {
 public:
  using ArchiveError::ArchiveError;
};

}  // namespace popgate::archive

#endif  // POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_ERROR_H_
