#include "adapters/sftp/sftp_session.h"

#include <algorithm>
#include <exception>
#include <span>
#include <utility>
#include <vector>

#include "adapters/sftp/sftp_protocol_replies.h"

namespace popgate::sftp {

namespace {

// A handle the client sent that we never issued (or already closed). OpenSSH's sftp-server
// answers FAILURE here too; it is the client's mistake, not a missing file.
[[noreturn]] void BadHandle() {
  throw FsException(Status::failure, "invalid handle");
}

void AppendOk(std::string* out, std::uint32_t id) {
  AppendStatus(out, id, Status::ok, "Success");
}

}  // namespace

SftpSession::SftpSession(std::unique_ptr<ClientFs> fs, std::function<void(const std::string&)> log)
    : fs_(std::move(fs)), log_(std::move(log)) {}

SftpSession::~SftpSession() {
  // FileHandle's destructor abandons too; saying it here keeps the rule visible where the
  // session ends.
  for (auto& [name, handle] : handles_)
    if (handle.file) handle.file->abandon();
  handles_.clear();
}

bool SftpSession::Feed(std::string_view bytes, std::string* out) {
  reader_.Feed(bytes);
  backlog_ = false;
  Packet packet;
  for (;;) {
    if (out->size() >= kReplyFlushBytes) {
      backlog_ = true;
      return true;
    }
    switch (reader_.Next(&packet)) {
      case PacketReader::Result::kNeedMore:
        return true;
      case PacketReader::Result::kError:
        Log("sftp framing error: " + reader_.error());
        return false;
      case PacketReader::Result::kPacket:
        if (!HandlePacket(packet, out)) return false;
        break;
    }
  }
}

bool SftpSession::HandlePacket(const Packet& packet, std::string* out) {
  Request request;
  DecodeError error;
  if (!DecodeRequest(packet.type, packet.payload, &request, &error)) {
    if (!error.id) {
      // Without an id there is nothing to answer to; a client this confused cannot go on.
      Log("sftp undecodable packet type " + std::to_string(packet.type) + ": " + error.message);
      return false;
    }
    Log("sftp bad request " + std::to_string(packet.type) + ": " + error.message);
    AppendStatus(out, *error.id, error.status, error.message);
    return true;
  }
  if (request.kind == RequestKind::kInit) {
    // Version 3 whatever the client asks for: every client we serve speaks it, and the
    // extensions we advertise are defined against it.
    initialized_ = true;
    AppendVersion(out);
    return true;
  }
  if (!initialized_) {
    Log("sftp request before INIT");
    return false;
  }
  try {
    Dispatch(request, out);
  } catch (const FsException& e) {
    AppendStatus(out, request.id, e.error().status, e.error().message);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // A server-side failure (I/O error, system_error): the text may name server paths, so it
    // goes to the log and the client gets a generic failure.
    Log(std::string("sftp internal error: ") + e.what());
    AppendStatus(out, request.id, Status::failure, "internal error");
  }
  return true;
}

void SftpSession::Dispatch(const Request& r, std::string* out) {
  switch (r.kind) {
    case RequestKind::kOpen: {
      auto file = fs_->open(r.path, r.pflags);
      AppendHandle(out, r.id, AddHandle(Handle{std::move(file), nullptr}));
      return;
    }
    case RequestKind::kOpendir: {
      auto dir = fs_->opendir(r.path);
      AppendHandle(out, r.id, AddHandle(Handle{nullptr, std::move(dir)}));
      return;
    }
    case RequestKind::kClose:
      return Close(r, out);
    case RequestKind::kRead:
      return Read(r, out);
    case RequestKind::kWrite:
      File(r.handle).write(r.offset, r.data);
      return AppendOk(out, r.id);
    case RequestKind::kReaddir:
      return Readdir(r, out);
    case RequestKind::kStat:
      return AppendAttrs(out, r.id, fs_->stat(r.path));
    case RequestKind::kLstat:
      return AppendAttrs(out, r.id, fs_->lstat(r.path));
    case RequestKind::kFstat:
      return AppendAttrs(out, r.id, File(r.handle).fstat());
    case RequestKind::kSetstat:
    case RequestKind::kLsetstat:
      fs_->setstat(r.path, r.attrs);
      return AppendOk(out, r.id);
    case RequestKind::kFsetstat:
      File(r.handle).fsetstat(r.attrs);
      return AppendOk(out, r.id);
    case RequestKind::kRemove:
      fs_->remove(r.path);
      return AppendOk(out, r.id);
    case RequestKind::kRename:
      fs_->rename(r.path, r.path2, /*overwrite=*/false);
      return AppendOk(out, r.id);
    case RequestKind::kPosixRename:
      fs_->rename(r.path, r.path2, /*overwrite=*/true);
      return AppendOk(out, r.id);
    case RequestKind::kMkdir:
      fs_->mkdir(r.path);
      return AppendOk(out, r.id);
    case RequestKind::kRmdir:
      fs_->rmdir(r.path);
      return AppendOk(out, r.id);
    case RequestKind::kRealpath: {
      const std::string path = fs_->realpath(r.path);
      // OpenSSH's sftp-server sends the path as the long name and no attributes.
      const NameEntry entry{path, path, {}};
      return AppendName(out, r.id, std::span<const NameEntry>(&entry, 1));
    }
    case RequestKind::kStatvfs:
    case RequestKind::kFstatvfs: {
      // fstatvfs: every handle lives on the client's one file system, so its path will do.
      std::string path(r.path);
      if (r.kind == RequestKind::kFstatvfs) {
        Handle& h = Find(r.handle);
        path = h.file ? h.file->client_path() : h.dir->client_path();
      }
      const FsStatVfs v = fs_->statvfs(path);
      StatvfsReply reply;
      reply.bsize = v.block_size;
      reply.frsize = v.fragment_size;
      reply.blocks = v.blocks;
      reply.bfree = v.blocks_free;
      reply.bavail = v.blocks_available;
      reply.files = v.files;
      reply.ffree = v.files_free;
      reply.favail = v.files_available;
      reply.flag = v.flags;
      reply.namemax = v.name_max;
      return AppendStatvfsReply(out, r.id, reply);
    }
    case RequestKind::kFsync:
      File(r.handle).fsync();
      return AppendOk(out, r.id);
    case RequestKind::kLimits: {
      LimitsReply reply;
      reply.max_packet_length = reader_.max_packet_length();
      reply.max_read_length = kMaxReadLength;
      reply.max_write_length = kMaxWriteLength;
      reply.max_open_handles = kMaxHandles;
      return AppendLimitsReply(out, r.id, reply);
    }
    case RequestKind::kSymlink:
    case RequestKind::kHardlink:
      fs_->link(r.path, r.path2);  // always throws PERMISSION_DENIED, and logs
    case RequestKind::kReadlink:
      // No link is ever visible to a client, so there is nothing to read; OpenSSH clients
      // treat OP_UNSUPPORTED as "not available here".
      return AppendStatus(out, r.id, Status::op_unsupported, "readlink is not supported");
    case RequestKind::kUnknownExtended:
      Log("sftp unsupported extension \"" + std::string(r.extension_name) + "\"");
      return AppendStatus(out, r.id, Status::op_unsupported, "unsupported extended request");
    case RequestKind::kUnsupported:
      Log("sftp unsupported packet type " + std::to_string(r.type));
      return AppendStatus(out, r.id, Status::op_unsupported, "unsupported request");
    case RequestKind::kInit:
      break;  // handled before dispatch
  }
  AppendStatus(out, r.id, Status::op_unsupported, "unsupported request");
}

std::string SftpSession::AddHandle(Handle handle) {
  if (handles_.size() >= kMaxHandles) {
    // The new handle is dropped here, which abandons an upload it may have started.
    if (handle.file) handle.file->abandon();
    throw FsException(Status::failure, "too many open handles");
  }
  std::string name = "h" + std::to_string(next_handle_++);
  handles_.emplace(name, std::move(handle));
  return name;
}

SftpSession::Handle& SftpSession::Find(std::string_view handle) {
  auto it = handles_.find(handle);
  if (it == handles_.end()) BadHandle();
  return it->second;
}

FileHandle& SftpSession::File(std::string_view handle) {
  Handle& h = Find(handle);
  if (!h.file) BadHandle();
  return *h.file;
}

DirHandle& SftpSession::Dir(std::string_view handle) {
  Handle& h = Find(handle);
  if (!h.dir) BadHandle();
  return *h.dir;
}

void SftpSession::Read(const Request& r, std::string* out) {
  FileHandle& file = File(r.handle);
  // A longer request gets a short read, as from OpenSSH; libssh 0.10 would end the session.
  const std::size_t want = std::min<std::uint64_t>(r.length, kMaxReadLength);
  const std::size_t begin = BeginData(out, r.id);
  const std::size_t tail = out->size();
  out->resize(tail + want);
  std::size_t got = 0;
  try {
    got = file.read(r.offset, std::span<char>(out->data() + tail, want));
  } catch (...) {
    out->resize(begin);  // drop the half-built DATA packet before the STATUS goes out
    throw;
  }
  if (got == 0 && want > 0) {
    out->resize(begin);
    return AppendStatus(out, r.id, Status::eof, "End of file");
  }
  out->resize(tail + got);
  FinishData(out, begin);
}

void SftpSession::Readdir(const Request& r, std::string* out) {
  std::vector<DirEntry> batch = Dir(r.handle).next_batch(kReaddirBatch);
  if (batch.empty()) return AppendStatus(out, r.id, Status::eof, "End of directory");
  std::vector<NameEntry> entries;
  entries.reserve(batch.size());
  for (const DirEntry& e : batch)
    entries.push_back(NameEntry{e.name, e.longname, e.attrs});
  AppendName(out, r.id, entries);
}

void SftpSession::Close(const Request& r, std::string* out) {
  auto it = handles_.find(r.handle);
  if (it == handles_.end()) BadHandle();
  // The handle is spent whether or not the commit works: take it out of the table first so a
  // failed upload cannot be closed (and committed) twice.
  Handle handle = std::move(it->second);
  handles_.erase(it);
  if (handle.file) handle.file->close();  // commits an upload; throws FsException on failure
  AppendOk(out, r.id);
}

}  // namespace popgate::sftp
