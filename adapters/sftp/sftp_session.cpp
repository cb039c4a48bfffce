#include "adapters/sftp/sftp_session.h"

#include <algorithm>
#include <exception>
#include <span>
#include <utility>
#include <vector>

#include "adapters/sftp/sftp_protocol_replies.h"
#include "base/strings.h"

namespace popgate::sftp {

namespace {

// A handle the client sent that we never issued (or already closed). OpenSSH's sftp-server
// answers FAILURE here too; it is the client's mistake, not a missing file.
[[noreturn]] void bad_handle() {
  throw FsException(Status::failure, "invalid handle");
}

void append_ok(std::string* out, std::uint32_t id) {
  append_status(out, id, Status::ok, "Success");
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

bool SftpSession::feed(std::string_view bytes, std::string* out) {
  reader_.feed(bytes);
  backlog_ = false;
  Packet packet;
  for (;;) {
    if (out->size() >= kReplyFlushBytes) {
      backlog_ = true;
      return true;
    }
    switch (reader_.next(&packet)) {
      case PacketReader::Result::k_need_more:
        return true;
      case PacketReader::Result::k_error:
        log("sftp framing error: " + reader_.error());
        return false;
      case PacketReader::Result::k_packet:
        if (!handle_packet(packet, out)) return false;
        break;
    }
  }
}

bool SftpSession::handle_packet(const Packet& packet, std::string* out) {
  Request request;
  DecodeError error;
  if (!decode_request(packet.type, packet.payload, &request, &error)) {
    if (!error.id) {
      // Without an id there is nothing to answer to; a client this confused cannot go on.
      log("sftp undecodable packet type " + std::to_string(packet.type) + ": " + error.message);
      return false;
    }
    log("sftp bad request " + std::to_string(packet.type) + ": " + error.message);
    append_status(out, *error.id, error.status, error.message);
    return true;
  }
  if (request.kind == RequestKind::k_init) {
    // Version 3 whatever the client asks for: every client we serve speaks it, and the
    // extensions we advertise are defined against it.
    initialized_ = true;
    append_version(out);
    return true;
  }
  if (!initialized_) {
    log("sftp request before INIT");
    return false;
  }
  note_trailing_bytes(request);
  try {
    dispatch(request, out);
  } catch (const FsException& e) {
    append_status(out, request.id, e.error().status, e.error().message);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // A server-side failure (I/O error, system_error): the text may name server paths, so it
    // goes to the log and the client gets a generic failure.
    log(std::string("sftp internal error: ") + e.what());
    append_status(out, request.id, Status::failure, "internal error");
  }
  return true;
}

// Once per session: a client that pads its requests pads all of them (rclone every WRITE),
// and one line is enough to tell an operator why its packets are longer than their fields.
void SftpSession::note_trailing_bytes(const Request& request) {
  if (request.trailing_bytes == 0 || trailing_bytes_logged_) return;
  trailing_bytes_logged_ = true;
  log("sftp ignoring " + std::to_string(request.trailing_bytes) +
      " bytes after the fields of request type " + std::to_string(request.type) +
      " (logged once per session)");
}

void SftpSession::dispatch(const Request& r, std::string* out) {
  switch (r.kind) {
    case RequestKind::k_open: {
      auto file = fs_->open(r.path, r.pflags);
      append_handle(out, r.id, add_handle(Handle{std::move(file), nullptr}));
      return;
    }
    case RequestKind::k_opendir: {
      auto dir = fs_->opendir(r.path);
      append_handle(out, r.id, add_handle(Handle{nullptr, std::move(dir)}));
      return;
    }
    case RequestKind::k_close:
      return close(r, out);
    case RequestKind::k_read:
      return read(r, out);
    case RequestKind::k_write:
      file_for(r.handle).write(r.offset, r.data);
      return append_ok(out, r.id);
    case RequestKind::k_readdir:
      return readdir(r, out);
    case RequestKind::k_stat:
      return append_attrs(out, r.id, fs_->stat(r.path));
    case RequestKind::k_lstat:
      return append_attrs(out, r.id, fs_->lstat(r.path));
    case RequestKind::k_fstat:
      return append_attrs(out, r.id, file_for(r.handle).fstat());
    case RequestKind::k_setstat:
    case RequestKind::k_lsetstat:
      fs_->setstat(r.path, r.attrs);
      return append_ok(out, r.id);
    case RequestKind::k_fsetstat:
      file_for(r.handle).fsetstat(r.attrs);
      return append_ok(out, r.id);
    case RequestKind::k_remove:
      fs_->remove(r.path);
      return append_ok(out, r.id);
    case RequestKind::k_rename:
      fs_->rename(r.path, r.path2, /*overwrite=*/false);
      return append_ok(out, r.id);
    case RequestKind::k_posix_rename:
      fs_->rename(r.path, r.path2, /*overwrite=*/true);
      return append_ok(out, r.id);
    case RequestKind::k_mkdir:
      fs_->mkdir(r.path);
      return append_ok(out, r.id);
    case RequestKind::k_rmdir:
      fs_->rmdir(r.path);
      return append_ok(out, r.id);
    case RequestKind::k_realpath: {
      const std::string path = fs_->realpath(r.path);
      // OpenSSH's sftp-server sends the path as the long name and no attributes.
      const NameEntry entry{path, path, {}};
      return append_name(out, r.id, std::span<const NameEntry>(&entry, 1));
    }
    case RequestKind::k_statvfs:
    case RequestKind::k_fstatvfs: {
      // fstatvfs: every handle lives on the client's one file system, so its path will do.
      std::string path(r.path);
      if (r.kind == RequestKind::k_fstatvfs) {
        Handle& h = find(r.handle);
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
      return append_statvfs_reply(out, r.id, reply);
    }
    case RequestKind::k_fsync:
      file_for(r.handle).fsync();
      return append_ok(out, r.id);
    case RequestKind::k_limits: {
      LimitsReply reply;
      reply.max_packet_length = reader_.max_packet_length();
      reply.max_read_length = kMaxReadLength;
      reply.max_write_length = kMaxWriteLength;
      reply.max_open_handles = kMaxHandles;
      return append_limits_reply(out, r.id, reply);
    }
    case RequestKind::k_symlink:
    case RequestKind::k_hardlink:
      fs_->link(r.path, r.path2);  // always throws PERMISSION_DENIED, and logs
    case RequestKind::k_readlink:
      // No link is ever visible to a client, so there is nothing to read; OpenSSH clients
      // treat OP_UNSUPPORTED as "not available here".
      return append_status(out, r.id, Status::op_unsupported, "readlink is not supported");
    case RequestKind::k_unknown_extended:
      log("sftp unsupported extension " + base::quoted(r.extension_name));
      return append_status(out, r.id, Status::op_unsupported, "unsupported extended request");
    case RequestKind::k_unsupported:
      log("sftp unsupported packet type " + std::to_string(r.type));
      return append_status(out, r.id, Status::op_unsupported, "unsupported request");
    case RequestKind::k_init:
      break;  // handled before dispatch
  }
  append_status(out, r.id, Status::op_unsupported, "unsupported request");
}

std::string SftpSession::add_handle(Handle handle) {
  if (handles_.size() >= kMaxHandles) {
    // The new handle is dropped here, which abandons an upload it may have started.
    if (handle.file) handle.file->abandon();
    throw FsException(Status::failure, "too many open handles");
  }
  std::string name = "h" + std::to_string(next_handle_++);
  handles_.emplace(name, std::move(handle));
  return name;
}

SftpSession::Handle& SftpSession::find(std::string_view handle) {
  auto it = handles_.find(handle);
  if (it == handles_.end()) bad_handle();
  return it->second;
}

FileHandle& SftpSession::file_for(std::string_view handle) {
  Handle& h = find(handle);
  if (!h.file) bad_handle();
  return *h.file;
}

DirHandle& SftpSession::dir_for(std::string_view handle) {
  Handle& h = find(handle);
  if (!h.dir) bad_handle();
  return *h.dir;
}

void SftpSession::read(const Request& r, std::string* out) {
  FileHandle& file = file_for(r.handle);
  // A longer request gets a short read, as from OpenSSH; libssh 0.10 would end the session.
  const std::size_t want = std::min<std::uint64_t>(r.length, kMaxReadLength);
  const std::size_t begin = begin_data(out, r.id);
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
    return append_status(out, r.id, Status::eof, "End of file");
  }
  out->resize(tail + got);
  finish_data(out, begin);
}

void SftpSession::readdir(const Request& r, std::string* out) {
  std::vector<DirEntry> batch = dir_for(r.handle).next_batch(kReaddirBatch);
  if (batch.empty()) return append_status(out, r.id, Status::eof, "End of directory");
  std::vector<NameEntry> entries;
  entries.reserve(batch.size());
  for (const DirEntry& e : batch)
    entries.push_back(NameEntry{e.name, e.longname, e.attrs});
  append_name(out, r.id, entries);
}

void SftpSession::close(const Request& r, std::string* out) {
  auto it = handles_.find(r.handle);
  if (it == handles_.end()) bad_handle();
  // The handle is spent whether or not the commit works: take it out of the table first so a
  // failed upload cannot be closed (and committed) twice.
  Handle handle = std::move(it->second);
  handles_.erase(it);
  if (handle.file) handle.file->close();  // commits an upload; throws FsException on failure
  append_ok(out, r.id);
}

}  // namespace popgate::sftp
