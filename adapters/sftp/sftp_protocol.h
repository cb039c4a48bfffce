// SFTP version 3 requests as OpenSSH's sftp client sends them, decoded from the packets
// that PacketReader (sftp_protocol_framing.h) splits off the channel. Decoding is strict
// because every byte comes from an untrusted client: lengths are checked against what
// remains, attribute flags must be known. Bytes after the last field of a well-formed request
// are ignored (and counted in Request::trailing_bytes), as OpenSSH's sftp-server discards
// "the remaining bytes from the current packet" and later filexfer drafts require: Go's
// pkg/sftp (rclone) sends WRITE packets whose data string is followed by the rest of its
// 32 KiB buffer, and refusing them broke every rclone upload. A malformed packet
// becomes a DecodeError carrying the request id whenever it could be read, so the server can
// answer SSH_FX_BAD_MESSAGE and keep the session; unknown packet types and unknown extended
// requests decode normally (kind kUnsupported / kUnknownExtended) so the server can answer
// SSH_FX_OP_UNSUPPORTED. libssh 0.10 ends the session in both cases, which breaks clients that
// probe for extensions.
//
// Replies are encoded by sftp_protocol_replies.h.
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/sftp/sftp_types.h"
#include "adapters/sftp/sftp_wire.h"

namespace popgate::sftp {

constexpr std::uint32_t kSftpVersion = 3;

// SSH_FXP_* packet types.
namespace packet_type {
constexpr std::uint8_t kInit = 1;
constexpr std::uint8_t kVersion = 2;
constexpr std::uint8_t kOpen = 3;
constexpr std::uint8_t kClose = 4;
constexpr std::uint8_t kRead = 5;
constexpr std::uint8_t kWrite = 6;
constexpr std::uint8_t kLstat = 7;
constexpr std::uint8_t kFstat = 8;
constexpr std::uint8_t kSetstat = 9;
constexpr std::uint8_t kFsetstat = 10;
constexpr std::uint8_t kOpendir = 11;
constexpr std::uint8_t kReaddir = 12;
constexpr std::uint8_t kRemove = 13;
constexpr std::uint8_t kMkdir = 14;
constexpr std::uint8_t kRmdir = 15;
constexpr std::uint8_t kRealpath = 16;
constexpr std::uint8_t kStat = 17;
constexpr std::uint8_t kRename = 18;
constexpr std::uint8_t kReadlink = 19;
constexpr std::uint8_t kSymlink = 20;
constexpr std::uint8_t kStatus = 101;
constexpr std::uint8_t kHandle = 102;
constexpr std::uint8_t kData = 103;
constexpr std::uint8_t kName = 104;
constexpr std::uint8_t kAttrs = 105;
constexpr std::uint8_t kExtended = 200;
constexpr std::uint8_t kExtendedReply = 201;
}  // namespace packet_type

// Names of the extended requests popgate decodes (OpenSSH's PROTOCOL file).
namespace extension {
constexpr std::string_view kPosixRename = "posix-rename@openssh.com";
constexpr std::string_view kStatvfs = "statvfs@openssh.com";
constexpr std::string_view kFstatvfs = "fstatvfs@openssh.com";
constexpr std::string_view kFsync = "fsync@openssh.com";
constexpr std::string_view kHardlink = "hardlink@openssh.com";
constexpr std::string_view kLimits = "limits@openssh.com";
constexpr std::string_view kLsetstat = "lsetstat@openssh.com";
}  // namespace extension

enum class RequestKind {
  k_init,
  k_open,
  k_close,
  k_read,
  k_write,
  k_lstat,
  k_fstat,
  k_setstat,
  k_fsetstat,
  k_opendir,
  k_readdir,
  k_remove,
  k_mkdir,
  k_rmdir,
  k_realpath,
  k_stat,
  k_rename,
  k_readlink,
  k_symlink,
  k_posix_rename,
  k_statvfs,
  k_fstatvfs,
  k_fsync,
  k_hardlink,
  k_limits,
  k_lsetstat,
  k_unknown_extended,  // extended request we do not implement: `extension_name` says which
  k_unsupported,       // packet type we do not know (or a reply type sent by the client)
};

// A decoded request. One flat struct rather than a variant: the server's dispatch switches on
// `kind` and reads the few fields that kind uses, and a decoded request costs no allocation
// unless it carries INIT extensions. All string views point into the packet payload.
struct Request {
  RequestKind kind = RequestKind::k_unsupported;
  std::uint32_t id = 0;   // every request but INIT, which carries `version` in its place
  std::uint8_t type = 0;  // the SSH_FXP_* byte, for logging kUnsupported

  // kInit.
  std::uint32_t version = 0;
  std::vector<std::pair<std::string_view, std::string_view>> extensions;

  // Path-based requests use `path`. Two-path requests (RENAME, posix-rename, hardlink) put
  // the old path in `path` and the new one in `path2`. SYMLINK fields are in wire order:
  // OpenSSH sends the target first and the link path second (the reverse of the draft), so
  // `path` is the target and `path2` the link as OpenSSH clients mean it.
  std::string_view path;
  std::string_view path2;

  // Handle-based requests (CLOSE, READ, WRITE, FSTAT, FSETSTAT, READDIR, fstatvfs, fsync).
  std::string_view handle;

  std::uint64_t offset = 0;  // READ, WRITE
  std::uint32_t length = 0;  // READ: bytes asked for (the server may return fewer)
  std::string_view data;     // WRITE: the bytes, in place in the packet (no copy)

  std::uint32_t pflags = 0;  // OPEN: kOpen* flags
  FileAttributes attrs;      // OPEN, SETSTAT, FSETSTAT, MKDIR, lsetstat

  std::string_view extension_name;  // every SSH_FXP_EXTENDED request

  // Bytes after the request's last field, ignored (see the top of this file).
  std::size_t trailing_bytes = 0;
};

// Why a packet could not be decoded. `status` is what the server answers: kBadMessage for a
// malformed packet, kPermissionDenied for a path containing a NUL byte (well-formed on the
// wire, but no file system name can contain one; the issue asks for such names to be refused
// and logged). `id` is absent when the packet ended before its id, or for a bad INIT.
struct DecodeError {
  std::optional<std::uint32_t> id;
  Status status = Status::bad_message;
  std::string message;
};

// Decodes one packet. Returns true and fills *request, or returns false and fills *error.
// Never throws except std::bad_alloc.
bool decode_request(std::uint8_t type, std::string_view payload, Request* request,
                    DecodeError* error);

// Decodes a v3 ATTRS structure from the front of `in`; shared with the tests and the fuzz
// target, which check that replies' attributes decode to what was encoded. Returns false with
// *error set on truncated input or unknown flags.
bool decode_attributes(WireReader* in, FileAttributes* attrs, std::string* error);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_H_
