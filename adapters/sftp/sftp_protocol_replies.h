// Encoders for the SFTP v3 replies popgate's server sends. Each appends one complete packet
// (length, type, body) to a caller-owned buffer, so pipelined replies can be batched into one
// channel write and the buffer's capacity is reused from request to request.
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_REPLIES_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_REPLIES_H_

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <span>
#include <string>
#include <string_view>

#include "adapters/sftp/sftp_types.h"

namespace popgate::sftp {

// SSH_FXP_VERSION 3 advertising the OpenSSH extensions the decoder understands.
void append_version(std::string* out);

// SSH_FXP_STATUS with an empty language tag.
void append_status(std::string* out, std::uint32_t id, Status status, std::string_view message);

void append_handle(std::string* out, std::uint32_t id, std::string_view handle);

// SSH_FXP_DATA in two steps so the file bytes are read straight into the reply buffer:
//   std::size_t begin = BeginData(&out, id);
//   out.resize(out.size() + want);  ... pread into the tail ...  out.resize(begin_tail + got);
//   FinishData(&out, begin);
// FinishData fills in the packet and string lengths from what was appended after BeginData.
std::size_t begin_data(std::string* out, std::uint32_t id);
void finish_data(std::string* out, std::size_t begin);

// One SSH_FXP_NAME entry. `longname` is what `ls -l` in the client shows: see LongName().
struct NameEntry {
  std::string_view filename;
  std::string_view longname;
  FileAttributes attrs;
};
void append_name(std::string* out, std::uint32_t id, std::span<const NameEntry> entries);

void append_attrs(std::string* out, std::uint32_t id, const FileAttributes& attrs);

// The v3 ATTRS structure alone. uid/gid and atime/mtime travel in pairs: a pair is sent only
// when both halves are present.
void append_file_attributes(std::string* out, const FileAttributes& attrs);

// statvfs@openssh.com / fstatvfs@openssh.com reply: the struct statvfs fields, in the order
// of OpenSSH's PROTOCOL file.
struct StatvfsReply {
  std::uint64_t bsize = 0, frsize = 0, blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0,
                favail = 0, fsid = 0, flag = 0, namemax = 0;
};
void append_statvfs_reply(std::string* out, std::uint32_t id, const StatvfsReply& reply);

// limits@openssh.com reply. OpenSSH's client sizes its reads and writes from these; 0 means
// "no limit" for handles.
struct LimitsReply {
  std::uint64_t max_packet_length = 0, max_read_length = 0, max_write_length = 0,
                max_open_handles = 0;
};
void append_limits_reply(std::string* out, std::uint32_t id, const LimitsReply& reply);

// The `ls -l` line OpenSSH's sftp-server puts in a NAME entry's longname (its ls_file()):
// "-rw-r--r--    1 user     group        1234 Jan  2 03:04 name". Times within six months
// of `now` show the hour, older or future ones the year, in the server's local time zone as
// OpenSSH does. Missing attributes print as 0.
std::string long_name(std::string_view filename, const FileAttributes& attrs, std::string_view user,
                      std::string_view group, std::uint32_t nlink, std::time_t now);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_PROTOCOL_REPLIES_H_
