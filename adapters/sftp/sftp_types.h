// SFTP version 3 (draft-ietf-secsh-filexfer-02, as OpenSSH speaks it): the status codes and
// file attributes shared by the wire codec (sftp_protocol.h) and the confined client file
// system (client_fs.h). Nothing here depends on libssh: the protocol is handled by popgate
// itself over the SSH channel, because libssh 0.10's server loop ends the session on packets
// it does not parse and on large reads (../shared/notes/libraries.md).
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_TYPES_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>

namespace popgate::sftp {

// SSH_FX_* status codes (v3 defines 0-8).
enum class Status : std::uint32_t {
  ok = 0,
  eof = 1,
  no_such_file = 2,
  permission_denied = 3,
  failure = 4,
  bad_message = 5,
  no_connection = 6,
  connection_lost = 7,
  op_unsupported = 8,
};

// SSH_FILEXFER_ATTR_* flags.
constexpr std::uint32_t kAttrSize = 0x00000001;
constexpr std::uint32_t kAttrUidGid = 0x00000002;
constexpr std::uint32_t kAttrPermissions = 0x00000004;
constexpr std::uint32_t kAttrAcModTime = 0x00000008;
constexpr std::uint32_t kAttrExtended = 0x80000000;

// File attributes as v3 carries them; absent fields are not sent.
struct FileAttributes {
  std::optional<std::uint64_t> size;
  std::optional<std::uint32_t> uid, gid;
  std::optional<std::uint32_t> permissions;  // including the file type bits (S_IFREG, S_IFDIR)
  std::optional<std::uint32_t> atime, mtime;
  friend bool operator==(const FileAttributes&, const FileAttributes&) = default;
};

// SSH_FXF_* open flags.
constexpr std::uint32_t kOpenRead = 0x00000001;
constexpr std::uint32_t kOpenWrite = 0x00000002;
constexpr std::uint32_t kOpenAppend = 0x00000004;
constexpr std::uint32_t kOpenCreate = 0x00000008;
constexpr std::uint32_t kOpenTruncate = 0x00000010;
constexpr std::uint32_t kOpenExclusive = 0x00000020;

// An operation's outcome for the client: a status and the message sent with it. Messages say
// what was refused and why, never a server path.
struct FsError {
  Status status = Status::failure;
  std::string message;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_TYPES_H_
