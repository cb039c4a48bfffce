#include "adapters/sftp/sftp_protocol.h"

#include "adapters/sftp/sftp_wire.h"

namespace popgate::sftp {

namespace {

constexpr std::uint32_t kKnownAttrFlags =
    kAttrSize | kAttrUidGid | kAttrPermissions | kAttrAcModTime | kAttrExtended;

// Decodes the fields of one request after its id. Each step returns false with `error_` set;
// the first failure wins, so the message names the field that was wrong.
class RequestDecoder {
 public:
  RequestDecoder(std::string_view payload, Request* request, DecodeError* error)
      : in_(payload), request_(request), error_(error) {}

  bool decode(std::uint8_t type);

 private:
  bool fail(std::string message) {
    error_->status = Status::bad_message;
    error_->message = std::move(message);
    return false;
  }

  bool id() {
    if (!in_.read_u32(&request_->id)) return fail("packet too short for a request id");
    error_->id = request_->id;
    return true;
  }
  bool u32(std::uint32_t* value, const char* what) {
    return in_.read_u32(value) || fail(std::string("truncated ") + what);
  }
  bool u64(std::uint64_t* value, const char* what) {
    return in_.read_u64(value) || fail(std::string("truncated ") + what);
  }
  bool string(std::string_view* value, const char* what) {
    return in_.read_string(value) || fail(std::string("truncated or oversized ") + what);
  }
  // A path is a string that will reach the file system, which cannot represent a NUL: refuse
  // it here rather than let it silently truncate the name somewhere below.
  bool path(std::string_view* value, const char* what) {
    if (!string(value, what)) return false;
    if (value->find('\0') == std::string_view::npos) return true;
    error_->status = Status::permission_denied;
    error_->message = std::string(what) + " contains a NUL byte";
    return false;
  }
  bool attrs() {
    std::string message;
    return decode_attributes(&in_, &request_->attrs, &message) || fail(std::move(message));
  }
  // The request's fields are complete: what remains of the packet is ignored, as OpenSSH's
  // sftp-server does (see sftp_protocol.h), and counted so the session can say so once.
  bool end() {
    request_->trailing_bytes = in_.remaining();
    return true;
  }

  bool init();
  bool extended();
  bool as(RequestKind kind) {
    request_->kind = kind;
    return true;
  }

  WireReader in_;
  Request* request_;
  DecodeError* error_;
};

bool RequestDecoder::decode(std::uint8_t type) {
  request_->type = type;
  if (type == packet_type::kInit) return init();
  Request& r = *request_;
  switch (type) {
    case packet_type::kOpen:
      return id() && path(&r.path, "path") && u32(&r.pflags, "pflags") && attrs() && end() &&
             as(RequestKind::k_open);
    case packet_type::kClose:
      return id() && string(&r.handle, "handle") && end() && as(RequestKind::k_close);
    case packet_type::kRead:
      return id() && string(&r.handle, "handle") && u64(&r.offset, "offset") &&
             u32(&r.length, "length") && end() && as(RequestKind::k_read);
    case packet_type::kWrite:
      return id() && string(&r.handle, "handle") && u64(&r.offset, "offset") &&
             string(&r.data, "data") && end() && as(RequestKind::k_write);
    case packet_type::kLstat:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_lstat);
    case packet_type::kFstat:
      return id() && string(&r.handle, "handle") && end() && as(RequestKind::k_fstat);
    case packet_type::kSetstat:
      return id() && path(&r.path, "path") && attrs() && end() && as(RequestKind::k_setstat);
    case packet_type::kFsetstat:
      return id() && string(&r.handle, "handle") && attrs() && end() && as(RequestKind::k_fsetstat);
    case packet_type::kOpendir:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_opendir);
    case packet_type::kReaddir:
      return id() && string(&r.handle, "handle") && end() && as(RequestKind::k_readdir);
    case packet_type::kRemove:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_remove);
    case packet_type::kMkdir:
      return id() && path(&r.path, "path") && attrs() && end() && as(RequestKind::k_mkdir);
    case packet_type::kRmdir:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_rmdir);
    case packet_type::kRealpath:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_realpath);
    case packet_type::kStat:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_stat);
    case packet_type::kRename:
      return id() && path(&r.path, "old path") && path(&r.path2, "new path") && end() &&
             as(RequestKind::k_rename);
    case packet_type::kReadlink:
      return id() && path(&r.path, "path") && end() && as(RequestKind::k_readlink);
    case packet_type::kSymlink:
      return id() && path(&r.path, "target path") && path(&r.path2, "link path") && end() &&
             as(RequestKind::k_symlink);
    case packet_type::kExtended:
      return id() && string(&r.extension_name, "extension name") && extended();
    default:
      // Unknown types (and replies a client has no business sending) are answered with
      // OP_UNSUPPORTED. Every request type defined after v3 starts with an id, so read one
      // when it is there; the rest of the payload is not ours to judge.
      if (in_.read_u32(&r.id)) error_->id = r.id;
      return as(RequestKind::k_unsupported);
  }
}

bool RequestDecoder::init() {
  // INIT has no request id: its first field is the client's version. The extension pairs run
  // to the end of the packet; a pair cut in half is malformed.
  Request& r = *request_;
  if (!u32(&r.version, "version")) return false;
  while (!in_.empty()) {
    std::string_view name, value;
    if (!string(&name, "extension name") || !string(&value, "extension data")) return false;
    r.extensions.emplace_back(name, value);
  }
  return as(RequestKind::k_init);
}

bool RequestDecoder::extended() {
  Request& r = *request_;
  const std::string_view name = r.extension_name;
  if (name == extension::kPosixRename) {
    return path(&r.path, "old path") && path(&r.path2, "new path") && end() &&
           as(RequestKind::k_posix_rename);
  }
  if (name == extension::kHardlink) {
    return path(&r.path, "old path") && path(&r.path2, "new path") && end() &&
           as(RequestKind::k_hardlink);
  }
  if (name == extension::kStatvfs) {
    return path(&r.path, "path") && end() && as(RequestKind::k_statvfs);
  }
  if (name == extension::kFstatvfs) {
    return string(&r.handle, "handle") && end() && as(RequestKind::k_fstatvfs);
  }
  if (name == extension::kFsync) {
    return string(&r.handle, "handle") && end() && as(RequestKind::k_fsync);
  }
  if (name == extension::kLimits) return end() && as(RequestKind::k_limits);
  if (name == extension::kLsetstat) {
    return path(&r.path, "path") && attrs() && end() && as(RequestKind::k_lsetstat);
  }
  // The layout of an unknown extension's data is unknown: accept it as is.
  return as(RequestKind::k_unknown_extended);
}

bool attr_error(std::string* error, const char* message) {
  *error = message;
  return false;
}

}  // namespace

bool decode_attributes(WireReader* in, FileAttributes* attrs, std::string* error) {
  *attrs = FileAttributes{};
  std::uint32_t flags = 0;
  if (!in->read_u32(&flags)) return attr_error(error, "truncated attribute flags");
  // Unknown bits would mean fields we cannot skip (v3 gives no length for them).
  if ((flags & ~kKnownAttrFlags) != 0) return attr_error(error, "unknown attribute flags");
  if (flags & kAttrSize) {
    std::uint64_t size = 0;
    if (!in->read_u64(&size)) return attr_error(error, "truncated size attribute");
    attrs->size = size;
  }
  if (flags & kAttrUidGid) {
    std::uint32_t uid = 0, gid = 0;
    if (!in->read_u32(&uid) || !in->read_u32(&gid)) return attr_error(error, "truncated uid/gid");
    attrs->uid = uid;
    attrs->gid = gid;
  }
  if (flags & kAttrPermissions) {
    std::uint32_t permissions = 0;
    if (!in->read_u32(&permissions)) return attr_error(error, "truncated permissions");
    attrs->permissions = permissions;
  }
  if (flags & kAttrAcModTime) {
    std::uint32_t atime = 0, mtime = 0;
    if (!in->read_u32(&atime) || !in->read_u32(&mtime)) return attr_error(error, "truncated times");
    attrs->atime = atime;
    attrs->mtime = mtime;
  }
  if (flags & kAttrExtended) {
    // Extended attributes are read and dropped: popgate's file system has none. The count is
    // checked against the bytes left (each pair takes at least 8) before looping, so a count
    // of 0xFFFFFFFF costs nothing.
    std::uint32_t count = 0;
    if (!in->read_u32(&count)) return attr_error(error, "truncated extended attribute count");
    if (count > in->remaining() / 8) return attr_error(error, "extended attribute count too large");
    for (std::uint32_t i = 0; i < count; ++i) {
      std::string_view name, value;
      if (!in->read_string(&name) || !in->read_string(&value)) {
        return attr_error(error, "truncated extended attribute");
      }
    }
  }
  return true;
}

bool decode_request(std::uint8_t type, std::string_view payload, Request* request,
                    DecodeError* error) {
  *request = Request{};
  *error = DecodeError{};
  return RequestDecoder(payload, request, error).decode(type);
}

}  // namespace popgate::sftp
