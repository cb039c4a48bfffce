// popgate's SSH server: libssh in server mode, public-key authentication against keys
// supplied per client id, and the "sftp" subsystem only, served by SftpSession over the
// channel (not by libssh's own SFTP loop, see ../shared/notes/libraries.md).
//
// Threads: one accept thread, and one thread per session, because a libssh session and its
// channels may be used by one thread at a time. The accept thread only accepts and checks the
// ban list and the session limit; key exchange and authentication happen in the session's
// thread, so a slow or stuck client never blocks another.
//
// Abuse protection (after SFTPGo): modern algorithms only (host keys Ed25519, ECDSA P-256 and
// RSA 3072 with SHA-2 signatures; no SHA-1 anywhere), per-client allowed source networks,
// global, per-address and per-client session limits, per-client idle timeouts, at most
// kMaxAuthAttempts key attempts per connection, and an optional Defender that bans addresses
// after repeated failures (bans persist through its BanStore).
#ifndef POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_
#define POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sftp/client_fs_context.h"
#include "adapters/sftp/defender.h"

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

// One client (user) as the server needs it; see SshServerOptions::account.
struct ClientAccount {
  std::vector<std::string> authorized_keys;   // OpenSSH public key lines
  std::vector<std::string> allowed_networks;  // "192.0.2.0/24", "2001:db8::/32",
                                              // "198.51.100.7"; empty = any address
  std::filesystem::path root;                 // holds inbox/ and outbox/
  ClientLimits limits;
  std::size_t max_sessions = 0;          // concurrent sessions of this client; 0 = unlimited
  std::chrono::seconds idle_timeout{0};  // 0 = the server's idle_timeout
};

struct SshServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 2222;  // 0 picks a free port: see SshServer::port()
  // Holds ssh_host_ed25519_key, ssh_host_ecdsa_key and ssh_host_rsa_key (and their .pub),
  // generated on first start (directory 0700, private keys 0600).
  std::filesystem::path host_key_dir;
  // The client `user`, or nullopt for an unknown or disabled one. When set, it supersedes
  // authorized_keys, client_root and limits below. Called from session threads once per
  // authentication attempt (the account of the successful one serves the session): it must
  // be cheap and thread-safe.
  std::function<std::optional<ClientAccount>(const std::string& user)> account;
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
  // A served file read whole and closed: path relative to the client's root ("outbox/x").
  std::function<void(const std::string& user, const std::string& path)> on_download_complete;
  std::function<void(const std::string& line)> log;
  // A session with no channel traffic this long is closed.
  std::chrono::seconds idle_timeout{600};
  // Key exchange and authentication must finish within this.
  std::chrono::seconds login_timeout{60};
  // Concurrent connections in all; one over it is closed right after accept, before key
  // exchange. 0 = unlimited.
  std::size_t max_sessions = 0;
  // Concurrent connections from one source address, checked the same way (and scored as
  // limit_exceeded). 0 = unlimited.
  std::size_t max_sessions_per_address = 0;
  // Scores failures and bans addresses; null = no defender. May be shared with other
  // listeners and with the code that lists or lifts bans.
  std::shared_ptr<Defender> defender;
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
  // Connections being served now (from accept until their thread ends).
  std::size_t active_sessions() const;
  // The host keys' SHA256 fingerprints as OpenSSH prints them ("ssh-ed25519 SHA256:..."), in
  // the order offered; valid after start(). Operators hand them to clients.
  std::vector<std::string> host_key_fingerprints() const { return fingerprints_; }

  // Authentication attempts allowed per connection (OpenSSH's MaxAuthTries is 6).
  static constexpr int kMaxAuthAttempts = 6;

 private:
  struct SessionThread {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  // Loads or generates host key `which` (an index into the .cpp's list); returns its path.
  std::filesystem::path ensure_host_key(std::size_t which);
  void accept_loop();
  void serve(SshSessionPtr session, std::string peer);
  void reap_finished();
  // Takes one of `user`'s sessions if fewer than `max` (0 = unlimited) are open.
  bool acquire_client_session(const std::string& user, std::size_t max);
  void release_client_session(const std::string& user);
  void release_connection(const std::string& peer);
  void log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  const SshServerOptions options_;
  std::atomic<bool> stopping_{false};
  std::uint16_t port_ = 0;
  SshBindPtr bind_;
  std::thread accept_thread_;
  mutable std::mutex sessions_mu_;
  std::list<SessionThread> sessions_;
  // Under sessions_mu_: connections per source address, sessions per client.
  std::map<std::string, std::size_t> connections_by_address_;
  std::map<std::string, std::size_t> sessions_by_user_;
  std::size_t active_ = 0;
  std::vector<std::string> fingerprints_;
  bool started_ = false;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_
