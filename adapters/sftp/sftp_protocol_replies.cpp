#include "adapters/sftp/sftp_protocol_replies.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "adapters/sftp/sftp_protocol.h"
#include "adapters/sftp/sftp_wire.h"

namespace popgate::sftp {

namespace {

// Reserves the length field, writes the type, and returns where the packet starts; the length
// is filled in by EndPacket once the body is known. This avoids computing every body size
// twice.
std::size_t BeginPacket(std::string* out, std::uint8_t type) {
  const std::size_t begin = out->size();
  PutU32(out, 0);
  PutU8(out, type);
  return begin;
}

void EndPacket(std::string* out, std::size_t begin) {
  SetU32At(out, begin, static_cast<std::uint32_t>(out->size() - begin - 4));
}

// OpenBSD strmode() as sftp-server uses it: type letter, nine permission letters with the
// set-id and sticky bits folded into the execute positions, and a trailing space where BSD
// would show an ACL marker.
std::string ModeString(std::uint32_t mode) {
  std::string s(11, '-');
  switch (mode & S_IFMT) {
    case S_IFDIR:
      s[0] = 'd';
      break;
    case S_IFCHR:
      s[0] = 'c';
      break;
    case S_IFBLK:
      s[0] = 'b';
      break;
    case S_IFREG:
      s[0] = '-';
      break;
    case S_IFLNK:
      s[0] = 'l';
      break;
    case S_IFSOCK:
      s[0] = 's';
      break;
    case S_IFIFO:
      s[0] = 'p';
      break;
    default:
      s[0] = '?';
      break;
  }
  auto exec = [](bool x, bool special, char set, char unset_x) {
    if (special) return x ? set : unset_x;
    return x ? 'x' : '-';
  };
  s[1] = (mode & S_IRUSR) ? 'r' : '-';
  s[2] = (mode & S_IWUSR) ? 'w' : '-';
  s[3] = exec(mode & S_IXUSR, mode & S_ISUID, 's', 'S');
  s[4] = (mode & S_IRGRP) ? 'r' : '-';
  s[5] = (mode & S_IWGRP) ? 'w' : '-';
  s[6] = exec(mode & S_IXGRP, mode & S_ISGID, 's', 'S');
  s[7] = (mode & S_IROTH) ? 'r' : '-';
  s[8] = (mode & S_IWOTH) ? 'w' : '-';
  s[9] = exec(mode & S_IXOTH, mode & S_ISVTX, 't', 'T');
  s[10] = ' ';
  return s;
}

}  // namespace

void AppendVersion(std::string* out) {
  // Versions as OpenSSH 9's sftp-server advertises them; clients check the version strings.
  static constexpr std::pair<std::string_view, std::string_view> kExtensions[] = {
      {extension::kPosixRename, "1"}, {extension::kStatvfs, "2"},  {extension::kFstatvfs, "2"},
      {extension::kFsync, "1"},       {extension::kHardlink, "1"}, {extension::kLimits, "1"},
      {extension::kLsetstat, "1"},
  };
  const std::size_t begin = BeginPacket(out, packet_type::kVersion);
  PutU32(out, kSftpVersion);
  for (const auto& [name, version] : kExtensions) {
    PutString(out, name);
    PutString(out, version);
  }
  EndPacket(out, begin);
}

void AppendStatus(std::string* out, std::uint32_t id, Status status, std::string_view message) {
  const std::size_t begin = BeginPacket(out, packet_type::kStatus);
  PutU32(out, id);
  PutU32(out, static_cast<std::uint32_t>(status));
  PutString(out, message);
  PutString(out, "");  // language tag
  EndPacket(out, begin);
}

void AppendHandle(std::string* out, std::uint32_t id, std::string_view handle) {
  const std::size_t begin = BeginPacket(out, packet_type::kHandle);
  PutU32(out, id);
  PutString(out, handle);
  EndPacket(out, begin);
}

std::size_t BeginData(std::string* out, std::uint32_t id) {
  const std::size_t begin = BeginPacket(out, packet_type::kData);
  PutU32(out, id);
  PutU32(out, 0);  // data length, set by FinishData
  return begin;
}

void FinishData(std::string* out, std::size_t begin) {
  constexpr std::size_t kHeader = 4 + 1 + 4 + 4;  // length, type, id, data length
  SetU32At(out, begin + 9, static_cast<std::uint32_t>(out->size() - begin - kHeader));
  EndPacket(out, begin);
}

void AppendName(std::string* out, std::uint32_t id, std::span<const NameEntry> entries) {
  const std::size_t begin = BeginPacket(out, packet_type::kName);
  PutU32(out, id);
  PutU32(out, static_cast<std::uint32_t>(entries.size()));
  for (const NameEntry& entry : entries) {
    PutString(out, entry.filename);
    PutString(out, entry.longname);
    AppendFileAttributes(out, entry.attrs);
  }
  EndPacket(out, begin);
}

void AppendAttrs(std::string* out, std::uint32_t id, const FileAttributes& attrs) {
  const std::size_t begin = BeginPacket(out, packet_type::kAttrs);
  PutU32(out, id);
  AppendFileAttributes(out, attrs);
  EndPacket(out, begin);
}

void AppendFileAttributes(std::string* out, const FileAttributes& attrs) {
  const bool ids = attrs.uid && attrs.gid;
  const bool times = attrs.atime && attrs.mtime;
  std::uint32_t flags = 0;
  if (attrs.size) flags |= kAttrSize;
  if (ids) flags |= kAttrUidGid;
  if (attrs.permissions) flags |= kAttrPermissions;
  if (times) flags |= kAttrAcModTime;
  PutU32(out, flags);
  if (attrs.size) PutU64(out, *attrs.size);
  if (ids) {
    PutU32(out, *attrs.uid);
    PutU32(out, *attrs.gid);
  }
  if (attrs.permissions) PutU32(out, *attrs.permissions);
  if (times) {
    PutU32(out, *attrs.atime);
    PutU32(out, *attrs.mtime);
  }
}

void AppendStatvfsReply(std::string* out, std::uint32_t id, const StatvfsReply& r) {
  const std::size_t begin = BeginPacket(out, packet_type::kExtendedReply);
  PutU32(out, id);
  for (std::uint64_t field : {r.bsize, r.frsize, r.blocks, r.bfree, r.bavail, r.files, r.ffree,
                              r.favail, r.fsid, r.flag, r.namemax}) {
    PutU64(out, field);
  }
  EndPacket(out, begin);
}

void AppendLimitsReply(std::string* out, std::uint32_t id, const LimitsReply& r) {
  const std::size_t begin = BeginPacket(out, packet_type::kExtendedReply);
  PutU32(out, id);
  PutU64(out, r.max_packet_length);
  PutU64(out, r.max_read_length);
  PutU64(out, r.max_write_length);
  PutU64(out, r.max_open_handles);
  EndPacket(out, begin);
}

std::string LongName(std::string_view filename, const FileAttributes& attrs, std::string_view user,
                     std::string_view group, std::uint32_t nlink, std::time_t now) {
  const std::time_t mtime = attrs.mtime.value_or(0);
  char date[64] = "";
  std::tm tm{};
  if (localtime_r(&mtime, &tm) != nullptr) {
    constexpr std::time_t kHalfYear = 365 * 24 * 60 * 60 / 2;
    const bool recent = now - kHalfYear < mtime && now >= mtime;
    if (std::strftime(date, sizeof date, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm) == 0) {
      date[0] = '\0';
    }
  }
  // "%s %3u %-*s %-*s %8llu %s %s" with user and group padded to at least 8 columns.
  const int user_width = static_cast<int>(std::max<std::size_t>(user.size(), 8));
  const int group_width = static_cast<int>(std::max<std::size_t>(group.size(), 8));
  char head[128];
  std::snprintf(head, sizeof head, "%s %3u ", ModeString(attrs.permissions.value_or(0)).c_str(),
                nlink);
  std::string line = head;
  line.append(user).append(static_cast<std::size_t>(user_width) - user.size() + 1, ' ');
  line.append(group).append(static_cast<std::size_t>(group_width) - group.size() + 1, ' ');
  std::snprintf(head, sizeof head, "%8llu %s ",
                static_cast<unsigned long long>(attrs.size.value_or(0)), date);
  line.append(head).append(filename);
  return line;
}

}  // namespace popgate::sftp
