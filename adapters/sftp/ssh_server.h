// popgate's SSH server: libssh in server mode, public-key authentication against keys
// supplied per client id, and the "sftp" subsystem only, served by SftpSession over the
// channel (not by libssh's own SFTP loop, see ../shared/notes/libraries.md).
//
// Threads: one accept thread, and one thread per session, because a libssh session and its
// channels may be used by one thread at a time. The accept thread only accepts and checks the
// ban list and the session limit; key exchange and authentication happen in the session's
// thread, so a slow or stuck client never blocks another. A session thread runs the login
// (SshLogin, ssh_login.h), then the SFTP packet pump (sftp_channel_pump.h).
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

#include "adapters/sftp/client_account.h"
#include "adapters/sftp/client_fs_context.h"
#include "adapters/sftp/defender.h"

// libssh's handle types, declared here so users of the server do not include libssh.
struct ssh_bind_struct;
struct ssh_session_struct;

namespace popgate::sftp {

class SftpSession;
class SshLogin;
struct SshLoginContext;

// Owners for the libssh handles the server keeps across calls (the rest live in the .cpp).
struct SshBindDeleter {
  void operator()(ssh_bind_struct* bind) const;
};
struct SshSessionDeleter {
  void operator()(ssh_session_struct* session) const;
};
using SshBindPtr = std::unique_ptr<ssh_bind_struct, SshBindDeleter>;
using SshSessionPtr = std::unique_ptr<ssh_session_struct, SshSessionDeleter>;

// What a reload may change without a restart (see SshServerOptions::current_limits).
struct SessionLimits {
  // A session with no channel traffic this long is closed (a client's account may say
  // otherwise).
  std::chrono::seconds idle_timeout{600};
  // Key exchange and authentication must finish within this.
  std::chrono::seconds login_timeout{60};
  // Concurrent connections in all; one over it is closed right after accept, before key
  // exchange. 0 = unlimited.
  std::size_t max_sessions = 0;
  // Concurrent connections from one source address, checked the same way. 0 = unlimited.
  std::size_t max_sessions_per_address = 0;
};

struct SshServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 2222;  // 0 picks a free port: see SshServer::port()
  // Holds ssh_host_ed25519_key, ssh_host_ecdsa_key and ssh_host_rsa_key (and their .pub),
  // generated on first start (directory 0700, private keys 0600).
  std::filesystem::path host_key_dir;
  // The client `user`, or nullopt for an unknown or disabled one; empty: every user is
  // unknown. Called from session threads once per authentication attempt (the account of the
  // successful one serves the session): it must be cheap and thread-safe. May throw: the
  // attempt is refused and logged.
  std::function<std::optional<ClientAccount>(const std::string& user)> account;
  // A completed upload: path relative to the client's root ("inbox/x.csv").
  std::function<void(const std::string& user, const std::string& path, std::uint64_t size,
                     const std::string& sha256_hex)>
      on_upload_complete;
  // A served file read whole and closed: path relative to the client's root ("outbox/x").
  std::function<void(const std::string& user, const std::string& path)> on_download_complete;
  std::function<void(const std::string& line)> log;
  // A line about a logged-in client's session (`client` is its user name); `log` when unset.
  std::function<void(const std::string& client, const std::string& line)> client_log;
  SessionLimits limits;
  // The limits as a reload left them, asked for at each connection (the connection keeps what
  // it got); null: `limits` holds for the server's life. Called from the accept thread: must
  // be cheap and thread-safe.
  std::function<SessionLimits()> current_limits;
  // Scores failures and bans addresses; null = no defender. May be shared with other
  // listeners and with the code that lists or lifts bans.
  std::shared_ptr<Defender> defender;
};

// What the server has done since it started, for metrics. Bytes are counted when a session ends.
struct SshServerStats {
  std::uint64_t logins = 0;         // sessions that logged in
  std::uint64_t failed_logins = 0;  // sessions refused authentication and never logged in
  std::uint64_t bytes_up = 0;       // from clients (SFTP stream, of ended sessions)
  std::uint64_t bytes_down = 0;     // to clients
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
  SshServerStats stats() const;
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

  // The accept thread: accepts connections and hands each to a session thread of its own.
  void accept_loop();
  // Accepts one waiting connection, unless its address is banned or admit() refuses it.
  void accept_connection();
  // True (and logged) if `peer` is banned.
  bool refuse_if_banned(const std::string& peer) const;
  // Starts a session thread serving `session` under `limits`, or says why not (a connection
  // limit, or no thread to be had). The caller logs the refusal.
  std::optional<std::string> admit(SshSessionPtr session, const std::string& peer,
                                   const SessionLimits& limits);
  // The global or per-address connection limit that `peer`'s connection would exceed.
  // Called with sessions_mu_ held.
  std::optional<std::string> connection_limit_refusal(const std::string& peer,
                                                      const SessionLimits& limits) const;
  SessionLimits current_limits() const;
  void reap_finished();

  // A session thread: the login, then SFTP if the login ended in an SFTP channel.
  void serve(SshSessionPtr session, const std::string& peer, const SessionLimits& limits);
  SshLoginContext login_context(const SessionLimits& limits);
  // Serves SFTP on the channel of `login` until the session ends; logs the login (it is
  // complete once the client's file system is open) and the disconnect. The channel's exit
  // status: 0 when the client ended the session, 1 otherwise.
  int serve_sftp(ssh_session_struct* session, const SshLogin& login, const std::string& peer,
                 std::chrono::seconds idle_timeout);
  // The SFTP session over `account`'s root, its events reported as `user`'s; null (logged)
  // when the account has no root or its file system cannot be opened.
  std::unique_ptr<SftpSession> open_sftp_session(const std::string& user,
                                                 const ClientAccount& account,
                                                 const std::string& peer);
  ClientFsCallbacks client_fs_callbacks(const std::string& user);

  // Takes one of `user`'s sessions if fewer than `max` (0 = unlimited) are open.
  bool acquire_client_session(const std::string& user, std::size_t max);
  void release_client_session(const std::string& user);
  void release_connection(const std::string& peer);
  // Every line the server logs, whatever the caller quoted: no client text can forge a line.
  void log(const std::string& line) const;
  void log_for(const std::string& user, const std::string& line) const;

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
  std::atomic<std::uint64_t> logins_{0};
  std::atomic<std::uint64_t> failed_logins_{0};
  std::atomic<std::uint64_t> bytes_up_{0};
  std::atomic<std::uint64_t> bytes_down_{0};
  std::vector<std::string> fingerprints_;
  bool started_ = false;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SSH_SERVER_H_
