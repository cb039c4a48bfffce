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
std::size_t begin_packet(std::string* out, std::uint8_t type) {
  const std::size_t begin = out->size();
  put_u32(out, 0);
  put_u8(out, type);
  return begin;
}

void end_packet(std::string* out, std::size_t begin) {
  set_u32_at(out, begin, static_cast<std::uint32_t>(out->size() - begin - 4));
}

// OpenBSD strmode() as sftp-server uses it: type letter, nine permission letters with the
// set-id and sticky bits folded into the execute positions, and a trailing space where BSD
// would show an ACL marker.
std::string mode_string(std::uint32_t mode) {
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

void append_version(std::string* out) {
  // Versions as OpenSSH 9's sftp-server advertises them; clients check the version strings.
  static constexpr std::pair<std::string_view, std::string_view> kExtensions[] = {
      {extension::kPosixRename, "1"}, {extension::kStatvfs, "2"},  {extension::kFstatvfs, "2"},
      {extension::kFsync, "1"},       {extension::kHardlink, "1"}, {extension::kLimits, "1"},
      {extension::kLsetstat, "1"},
  };
  const std::size_t begin = begin_packet(out, packet_type::kVersion);
  put_u32(out, kSftpVersion);
  for (const auto& [name, version] : kExtensions) {
    put_string(out, name);
    put_string(out, version);
  }
  end_packet(out, begin);
}

void append_status(std::string* out, std::uint32_t id, Status status, std::string_view message) {
  const std::size_t begin = begin_packet(out, packet_type::kStatus);
  put_u32(out, id);
  put_u32(out, static_cast<std::uint32_t>(status));
  put_string(out, message);
  put_string(out, "");  // language tag
  end_packet(out, begin);
}

void append_handle(std::string* out, std::uint32_t id, std::string_view handle) {
  const std::size_t begin = begin_packet(out, packet_type::kHandle);
  put_u32(out, id);
  put_string(out, handle);
  end_packet(out, begin);
}

std::size_t begin_data(std::string* out, std::uint32_t id) {
  const std::size_t begin = begin_packet(out, packet_type::kData);
  put_u32(out, id);
  put_u32(out, 0);  // data length, set by FinishData
  return begin;
}

void finish_data(std::string* out, std::size_t begin) {
  constexpr std::size_t kHeader = 4 + 1 + 4 + 4;  // length, type, id, data length
  set_u32_at(out, begin + 9, static_cast<std::uint32_t>(out->size() - begin - kHeader));
  end_packet(out, begin);
}

void append_name(std::string* out, std::uint32_t id, std::span<const NameEntry> entries) {
  const std::size_t begin = begin_packet(out, packet_type::kName);
  put_u32(out, id);
  put_u32(out, static_cast<std::uint32_t>(entries.size()));
  for (const NameEntry& entry : entries) {
    put_string(out, entry.filename);
    put_string(out, entry.longname);
    append_file_attributes(out, entry.attrs);
  }
  end_packet(out, begin);
}

void append_attrs(std::string* out, std::uint32_t id, const FileAttributes& attrs) {
  const std::size_t begin = begin_packet(out, packet_type::kAttrs);
  put_u32(out, id);
  append_file_attributes(out, attrs);
  end_packet(out, begin);
}

void append_file_attributes(std::string* out, const FileAttributes& attrs) {
  const bool ids = attrs.uid && attrs.gid;
  const bool times = attrs.atime && attrs.mtime;
  std::uint32_t flags = 0;
  if (attrs.size) flags |= kAttrSize;
  if (ids) flags |= kAttrUidGid;
  if (attrs.permissions) flags |= kAttrPermissions;
  if (times) flags |= kAttrAcModTime;
  put_u32(out, flags);
  if (attrs.size) put_u64(out, *attrs.size);
  if (ids) {
    put_u32(out, *attrs.uid);
    put_u32(out, *attrs.gid);
  }
  if (attrs.permissions) put_u32(out, *attrs.permissions);
  if (times) {
    put_u32(out, *attrs.atime);
    put_u32(out, *attrs.mtime);
  }
}

void append_statvfs_reply(std::string* out, std::uint32_t id, const StatvfsReply& r) {
  const std::size_t begin = begin_packet(out, packet_type::kExtendedReply);
  put_u32(out, id);
  for (std::uint64_t field : {r.bsize, r.frsize, r.blocks, r.bfree, r.bavail, r.files, r.ffree,
                              r.favail, r.fsid, r.flag, r.namemax}) {
    put_u64(out, field);
  }
  end_packet(out, begin);
}

void append_limits_reply(std::string* out, std::uint32_t id, const LimitsReply& r) {
  const std::size_t begin = begin_packet(out, packet_type::kExtendedReply);
  put_u32(out, id);
  put_u64(out, r.max_packet_length);
  put_u64(out, r.max_read_length);
  put_u64(out, r.max_write_length);
  put_u64(out, r.max_open_handles);
  end_packet(out, begin);
}

std::string long_name(std::string_view filename, const FileAttributes& attrs, std::string_view user,
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
  std::snprintf(head, sizeof head, "%s %3u ", mode_string(attrs.permissions.value_or(0)).c_str(),
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
