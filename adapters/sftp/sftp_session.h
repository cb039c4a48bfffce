// The SFTP v3 request loop for one client, independent of libssh: bytes read from the SSH
// channel go in, reply bytes for the channel come out. Keeping the transport out lets the
// protocol be tested with hand-built packets and keeps libssh's own SFTP server (which ends
// the session on packets it does not parse) out of the path.
//
// The session owns the client's ClientFs and its handle table. Handles are opaque strings
// ("h" + a counter) that never repeat within a session, so a stale handle sent after CLOSE
// cannot reach a newer file. Not thread-safe: one session thread drives one SftpSession.
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_SESSION_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/sftp/client_fs.h"
#include "adapters/sftp/sftp_protocol.h"
#include "adapters/sftp/sftp_protocol_framing.h"

namespace popgate::sftp {

class SftpSession {
 public:
  // What we advertise in limits@openssh.com. OpenSSH's client sizes its requests from these;
  // 255 KiB matches OpenSSH's sftp-server and stays under PacketReader's packet bound.
  static constexpr std::uint64_t kMaxReadLength = 255 * 1024;
  static constexpr std::uint64_t kMaxWriteLength = 255 * 1024;
  // libssh and OpenSSH both cap handles at a few hundred; a client needs a handful.
  static constexpr std::size_t kMaxHandles = 256;
  // Entries per SSH_FXP_NAME reply to READDIR: keeps every reply well under a packet's size.
  static constexpr std::size_t kReaddirBatch = 100;

  // `log` receives one line per protocol problem (the ClientFs logs its own refusals).
  SftpSession(std::unique_ptr<ClientFs> fs, std::function<void(const std::string&)> log);
  // Abandons uploads still open: an interrupted upload never reports completion.
  ~SftpSession();

  SftpSession(const SftpSession&) = delete;
  SftpSession& operator=(const SftpSession&) = delete;

  // Replies are handed back once this much has been produced, even if more requests are
  // waiting: a few hundred bytes of pipelined READs would otherwise buy gigabytes of replies.
  static constexpr std::size_t kReplyFlushBytes = 1024 * 1024;

  // Consumes `bytes` and appends the replies to complete requests to *out. Returns false when
  // the session must end (the stream cannot be parsed any further); *out may still hold
  // replies worth sending. When backlog() is true afterwards, requests are still waiting:
  // send *out, then call Feed with no new bytes.
  bool feed(std::string_view bytes, std::string* out);
  bool backlog() const { return backlog_; }

  std::size_t open_handles() const { return handles_.size(); }

 private:
  struct Handle {
    std::unique_ptr<FileHandle> file;
    std::unique_ptr<DirHandle> dir;
  };

  // Returns false to end the session.
  bool handle_packet(const Packet& packet, std::string* out);
  // Runs one request; FsException escapes to HandlePacket, which turns it into a STATUS.
  void dispatch(const Request& request, std::string* out);

  std::string add_handle(Handle handle);
  FileHandle& file_for(std::string_view handle);
  DirHandle& dir_for(std::string_view handle);
  Handle& find(std::string_view handle);

  void read(const Request& request, std::string* out);
  void readdir(const Request& request, std::string* out);
  void close(const Request& request, std::string* out);
  void note_trailing_bytes(const Request& request);

  void log(const std::string& line) const {
    if (log_) log_(line);
  }

  std::unique_ptr<ClientFs> fs_;
  std::function<void(const std::string&)> log_;
  PacketReader reader_;
  bool initialized_ = false;
  bool backlog_ = false;
  bool trailing_bytes_logged_ = false;  // the first request with ignored bytes is logged
  std::uint64_t next_handle_ = 1;
  // Declared last so handles go before the ClientFs they came from.
  std::map<std::string, Handle, std::less<>> handles_;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_SESSION_H_
