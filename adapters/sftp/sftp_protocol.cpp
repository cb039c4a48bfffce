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

  bool Decode(std::uint8_t type);

 private:
  bool Fail(std::string message) {
    error_->status = Status::bad_message;
    error_->message = std::move(message);
    return false;
  }

  bool Id() {
    if (!in_.ReadU32(&request_->id)) return Fail("packet too short for a request id");
    error_->id = request_->id;
    return true;
  }
  bool U32(std::uint32_t* value, const char* what) {
    return in_.ReadU32(value) || Fail(std::string("truncated ") + what);
  }
  bool U64(std::uint64_t* value, const char* what) {
    return in_.ReadU64(value) || Fail(std::string("truncated ") + what);
  }
  bool String(std::string_view* value, const char* what) {
    return in_.ReadString(value) || Fail(std::string("truncated or oversized ") + what);
  }
  // A path is a string that will reach the file system, which cannot represent a NUL: refuse
  // it here rather than let it silently truncate the name somewhere below.
  bool Path(std::string_view* value, const char* what) {
    if (!String(value, what)) return false;
    if (value->find('\0') == std::string_view::npos) return true;
    error_->status = Status::permission_denied;
    error_->message = std::string(what) + " contains a NUL byte";
    return false;
  }
  bool Attrs() {
    std::string message;
    return DecodeAttributes(&in_, &request_->attrs, &message) || Fail(std::move(message));
  }
  // Trailing bytes mean the client and we disagree on the layout: refuse rather than guess.
  bool End() {
    return in_.empty() || Fail(std::to_string(in_.remaining()) + " trailing bytes after request");
  }

  bool Init();
  bool Extended();
  bool As(RequestKind kind) {
    request_->kind = kind;
    return true;
  }

  WireReader in_;
  Request* request_;
  DecodeError* error_;
};

bool RequestDecoder::Decode(std::uint8_t type) {
  request_->type = type;
  if (type == packet_type::kInit) return Init();
  Request& r = *request_;
  switch (type) {
    case packet_type::kOpen:
      return Id() && Path(&r.path, "path") && U32(&r.pflags, "pflags") && Attrs() && End() &&
             As(RequestKind::kOpen);
    case packet_type::kClose:
      return Id() && String(&r.handle, "handle") && End() && As(RequestKind::kClose);
    case packet_type::kRead:
      return Id() && String(&r.handle, "handle") && U64(&r.offset, "offset") &&
             U32(&r.length, "length") && End() && As(RequestKind::kRead);
    case packet_type::kWrite:
      return Id() && String(&r.handle, "handle") && U64(&r.offset, "offset") &&
             String(&r.data, "data") && End() && As(RequestKind::kWrite);
    case packet_type::kLstat:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kLstat);
    case packet_type::kFstat:
      return Id() && String(&r.handle, "handle") && End() && As(RequestKind::kFstat);
    case packet_type::kSetstat:
      return Id() && Path(&r.path, "path") && Attrs() && End() && As(RequestKind::kSetstat);
    case packet_type::kFsetstat:
      return Id() && String(&r.handle, "handle") && Attrs() && End() && As(RequestKind::kFsetstat);
    case packet_type::kOpendir:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kOpendir);
    case packet_type::kReaddir:
      return Id() && String(&r.handle, "handle") && End() && As(RequestKind::kReaddir);
    case packet_type::kRemove:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kRemove);
    case packet_type::kMkdir:
      return Id() && Path(&r.path, "path") && Attrs() && End() && As(RequestKind::kMkdir);
    case packet_type::kRmdir:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kRmdir);
    case packet_type::kRealpath:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kRealpath);
    case packet_type::kStat:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kStat);
    case packet_type::kRename:
      return Id() && Path(&r.path, "old path") && Path(&r.path2, "new path") && End() &&
             As(RequestKind::kRename);
    case packet_type::kReadlink:
      return Id() && Path(&r.path, "path") && End() && As(RequestKind::kReadlink);
    case packet_type::kSymlink:
      return Id() && Path(&r.path, "target path") && Path(&r.path2, "link path") && End() &&
             As(RequestKind::kSymlink);
    case packet_type::kExtended:
      return Id() && String(&r.extension_name, "extension name") && Extended();
    default:
      // Unknown types (and replies a client has no business sending) are answered with
      // OP_UNSUPPORTED. Every request type defined after v3 starts with an id, so read one
      // when it is there; the rest of the payload is not ours to judge.
      if (in_.ReadU32(&r.id)) error_->id = r.id;
      return As(RequestKind::kUnsupported);
  }
}

bool RequestDecoder::Init() {
  // INIT has no request id: its first field is the client's version. The extension pairs run
  // to the end of the packet; a pair cut in half is malformed.
  Request& r = *request_;
  if (!U32(&r.version, "version")) return false;
  while (!in_.empty()) {
    std::string_view name, value;
    if (!String(&name, "extension name") || !String(&value, "extension data")) return false;
    r.extensions.emplace_back(name, value);
  }
  return As(RequestKind::kInit);
}

bool RequestDecoder::Extended() {
  Request& r = *request_;
  const std::string_view name = r.extension_name;
  if (name == extension::kPosixRename) {
    return Path(&r.path, "old path") && Path(&r.path2, "new path") && End() &&
           As(RequestKind::kPosixRename);
  }
  if (name == extension::kHardlink) {
    return Path(&r.path, "old path") && Path(&r.path2, "new path") && End() &&
           As(RequestKind::kHardlink);
  }
  if (name == extension::kStatvfs) {
    return Path(&r.path, "path") && End() && As(RequestKind::kStatvfs);
  }
  if (name == extension::kFstatvfs) {
    return String(&r.handle, "handle") && End() && As(RequestKind::kFstatvfs);
  }
  if (name == extension::kFsync) {
    return String(&r.handle, "handle") && End() && As(RequestKind::kFsync);
  }
  if (name == extension::kLimits) return End() && As(RequestKind::kLimits);
  if (name == extension::kLsetstat) {
    return Path(&r.path, "path") && Attrs() && End() && As(RequestKind::kLsetstat);
  }
  // The layout of an unknown extension's data is unknown: accept it as is.
  return As(RequestKind::kUnknownExtended);
}

bool AttrError(std::string* error, const char* message) {
  *error = message;
  return false;
}

}  // namespace

bool DecodeAttributes(WireReader* in, FileAttributes* attrs, std::string* error) {
  *attrs = FileAttributes{};
  std::uint32_t flags = 0;
  if (!in->ReadU32(&flags)) return AttrError(error, "truncated attribute flags");
  // Unknown bits would mean fields we cannot skip (v3 gives no length for them).
  if ((flags & ~kKnownAttrFlags) != 0) return AttrError(error, "unknown attribute flags");
  if (flags & kAttrSize) {
    std::uint64_t size = 0;
    if (!in->ReadU64(&size)) return AttrError(error, "truncated size attribute");
    attrs->size = size;
  }
  if (flags & kAttrUidGid) {
    std::uint32_t uid = 0, gid = 0;
    if (!in->ReadU32(&uid) || !in->ReadU32(&gid)) return AttrError(error, "truncated uid/gid");
    attrs->uid = uid;
    attrs->gid = gid;
  }
  if (flags & kAttrPermissions) {
    std::uint32_t permissions = 0;
    if (!in->ReadU32(&permissions)) return AttrError(error, "truncated permissions");
    attrs->permissions = permissions;
  }
  if (flags & kAttrAcModTime) {
    std::uint32_t atime = 0, mtime = 0;
    if (!in->ReadU32(&atime) || !in->ReadU32(&mtime)) return AttrError(error, "truncated times");
    attrs->atime = atime;
    attrs->mtime = mtime;
  }
  if (flags & kAttrExtended) {
    // Extended attributes are read and dropped: popgate's file system has none. The count is
    // checked against the bytes left (each pair takes at least 8) before looping, so a count
    // of 0xFFFFFFFF costs nothing.
    std::uint32_t count = 0;
    if (!in->ReadU32(&count)) return AttrError(error, "truncated extended attribute count");
    if (count > in->remaining() / 8) return AttrError(error, "extended attribute count too large");
    for (std::uint32_t i = 0; i < count; ++i) {
      std::string_view name, value;
      if (!in->ReadString(&name) || !in->ReadString(&value)) {
        return AttrError(error, "truncated extended attribute");
      }
    }
  }
  return true;
}

bool DecodeRequest(std::uint8_t type, std::string_view payload, Request* request,
                   DecodeError* error) {
  *request = Request{};
  *error = DecodeError{};
  return RequestDecoder(payload, request, error).Decode(type);
}

}  // namespace popgate::sftp
