// popgate's SSH server: libssh in server mode, public-key authentication against keys
// supplied per client id, and the "sftp" subsystem only, served by SftpSession over the
// channel (not by libssh's own SFTP loop, see ../shared/notes/libraries.md).
//
// Threads: one accept thread, and one thread per session, because a libssh session and its
// channels may be used by one thread at a time. A slow client therefore never blocks another.
#ifndef POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_
#define POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sftp/client_fs_context.h"

// libssh's handle types, declared here so users of the server do not include libssh.
struct ssh_bind_struct;
struct ssh_session_struct;

namespace popgate::sftp {

// Owners for the libssh handles the server keeps across calls (the rest live in the .cpp).
struct SshBindDeleter {
  void operator()(ssh_bind_struct* bind) const;
};
struct SshSessionDeleter {
  void operator()(ssh_session_struct* session) const;
};
using SshBindPtr = std::unique_ptr<ssh_bind_struct, SshBindDeleter>;
using SshSessionPtr = std::unique_ptr<ssh_session_struct, SshSessionDeleter>;

struct SshServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 2222;  // 0 picks a free port: see SshServer::port()
  // Holds ssh_host_ed25519_key, generated (mode 0600) on first start.
  std::filesystem::path host_key_dir;
  // OpenSSH public key lines ("ssh-ed25519 AAAA... comment") allowed for a user (client id);
  // empty for an unknown user.
  std::function<std::vector<std::string>(const std::string& user)> authorized_keys;
  // The client's root (holding inbox/ and outbox/); nullopt refuses the session.
  std::function<std::optional<std::filesystem::path>(const std::string& user)> client_root;
  // Per-client limits; defaults (unlimited) when empty.
  std::function<ClientLimits(const std::string& user)> limits;
  // A completed upload: path relative to the client's root ("inbox/x.csv").
  std::function<void(const std::string& user, const std::string& path, std::uint64_t size,
                     const std::string& sha256_hex)>
      on_upload_complete;
  std::function<void(const std::string& line)> log;
  // A session with no channel traffic this long is closed.
  std::chrono::seconds idle_timeout{600};
  // Key exchange and authentication must finish within this.
  std::chrono::seconds login_timeout{60};
};

class SshServer {
 public:
  explicit SshServer(SshServerOptions options);
  ~SshServer();  // stop()

  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  // Loads or creates the host key, listens and starts the accept thread. Throws
  // std::runtime_error when the server cannot start.
  void start();
  // Closes the listener and every session, and joins all threads. Idempotent.
  void stop();

  // The port listened on (the chosen one when options.port was 0); valid after start().
  std::uint16_t port() const { return port_; }

 private:
  struct SessionThread {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  std::filesystem::path EnsureHostKey();
  void AcceptLoop();
  void Serve(SshSessionPtr session, std::string peer);
  void ReapFinished();
  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  const SshServerOptions options_;
  std::atomic<bool> stopping_{false};
  std::uint16_t port_ = 0;
  SshBindPtr bind_;
  std::thread accept_thread_;
  std::mutex sessions_mu_;
  std::list<SessionThread> sessions_;
  bool started_ = false;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_
