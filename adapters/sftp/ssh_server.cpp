#include "adapters/sftp/ssh_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "adapters/sftp/client_fs.h"
#include "adapters/sftp/host_keys.h"
#include "adapters/sftp/libssh_common.h"
#include "adapters/sftp/sftp_channel_pump.h"
#include "adapters/sftp/sftp_session.h"
#include "adapters/sftp/ssh_login.h"
#include "base/atomic_file.h"
#include "base/ip_network.h"
#include "base/strings.h"
#include "base/time_text.h"

namespace popgate::sftp {

void SshBindDeleter::operator()(ssh_bind_struct* bind) const {
  ssh_bind_free(bind);
}
void SshSessionDeleter::operator()(ssh_session_struct* session) const {
  ssh_free(session);
}

namespace {

namespace fs = std::filesystem;

// Host key signatures: no "ssh-rsa" (RSA with SHA-1).
constexpr const char* kHostKeyAlgorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256";
// Client keys: the same families plus the larger curves and security keys; no SHA-1, no DSA.
constexpr const char* kPubkeyAlgorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
    "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
// Smaller RSA client keys are refused: docs/client-exchange.md and lint ask for 3072 bits
// (NIST SP 800-57's 128-bit security level), and the server agrees.
constexpr int kRsaMinBits = 3072;
// What the server calls itself in its SSH version line: "SSH-2.0-popgate", not the library
// and its version, which would tell a scanner which advisories to try.
constexpr const char* kSoftwareVersion = "popgate";
// Connections waiting for accept(). libssh listens with a backlog of 10, which refused part of
// 200 clients connecting at once; the kernel caps this at net.core.somaxconn.
constexpr int kListenBacklog = 1024;
// Reasons a pump ends with (SftpPumpResult::reason, sftp_channel_pump.h) that decide the
// channel's exit status and the defender's score.
constexpr std::string_view kPumpClientClosed = "client closed";
constexpr std::string_view kPumpProtocolError = "protocol error";
// How long the accept thread waits for a connection at a time: how soon it notices stop().
constexpr int kPollMillis = 200;

std::string peer_address(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return "unknown";
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
  }
  // "::ffff:192.0.2.1" from a dual-stack listener is logged, matched and banned as IPv4.
  return base::canonical_address(text);
}

}  // namespace

SshServer::SshServer(SshServerOptions options) : options_(std::move(options)) {}

SshServer::~SshServer() {
  stop();
}

SshServerStats SshServer::stats() const {
  return {logins_.load(), failed_logins_.load(), bytes_up_.load(), bytes_down_.load()};
}

std::size_t SshServer::active_sessions() const {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  return active_;
}

void SshServer::start() {
  if (started_) return;
  ssh_init();
  started_ = true;  // from here stop() undoes ssh_init, even if the rest fails
  fingerprints_.clear();
  std::vector<fs::path> host_keys;
  for (const HostKeyFile& file : ensure_host_keys(options_.host_key_dir)) {
    if (file.made) log("generated " + file.label + " host key " + file.path.string());
    log("host key " + file.fingerprint + " (" + file.path.string() + ")");
    fingerprints_.push_back(file.fingerprint);
    host_keys.push_back(file.path);
  }

  bind_.reset(ssh_bind_new());
  if (!bind_) throw std::runtime_error("ssh_bind_new failed");
  ssh_bind b = bind_.get();
  // Our configuration only: /etc/ssh/libssh_server_config must not change what we accept.
  bool process_config = false;
  int port = options_.port;
  int rsa_min_bits = kRsaMinBits;
  const auto set = [&](ssh_bind_options_e option, const void* value, const char* what) {
    if (ssh_bind_options_set(b, option, value) != SSH_OK)
      throw std::runtime_error(std::string("ssh bind option ") + what + ": " + ssh_get_error(b));
  };
  set(SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config, "process config");
  set(SSH_BIND_OPTIONS_BINDADDR, options_.bind_address.c_str(), "bind address");
  set(SSH_BIND_OPTIONS_BINDPORT, &port, "port");
  for (const fs::path& host_key : host_keys)
    set(SSH_BIND_OPTIONS_HOSTKEY, host_key.c_str(), "host key");
  set(SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, kHostKeyAlgorithms, "host key algorithms");
  set(SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, kPubkeyAlgorithms, "public key algorithms");
  set(SSH_BIND_OPTIONS_RSA_MIN_SIZE, &rsa_min_bits, "RSA minimum size");
  set(SSH_BIND_OPTIONS_KEY_EXCHANGE, kKeyExchange, "key exchange");
  set(SSH_BIND_OPTIONS_CIPHERS_C_S, kCiphers, "ciphers");
  set(SSH_BIND_OPTIONS_CIPHERS_S_C, kCiphers, "ciphers");
  set(SSH_BIND_OPTIONS_HMAC_C_S, kMacs, "macs");
  set(SSH_BIND_OPTIONS_HMAC_S_C, kMacs, "macs");
  set(SSH_BIND_OPTIONS_BANNER, kSoftwareVersion, "banner");
  if (ssh_bind_listen(b) != SSH_OK)
    throw std::runtime_error("cannot listen on " + options_.bind_address + ":" +
                             std::to_string(options_.port) + ": " + ssh_get_error(b));
  const int listen_fd = ssh_bind_get_fd(b);
  // listen() again on a listening socket changes its backlog (Linux).
  if (::listen(listen_fd, kListenBacklog) != 0)
    throw std::system_error(errno, std::generic_category(), "listen backlog");
  // A connection reset between poll() and accept() must not block the accept thread.
  const int flags = ::fcntl(listen_fd, F_GETFL);
  if (flags < 0 || ::fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::generic_category(), "fcntl O_NONBLOCK");

  // Port 0 lets the kernel choose; report what it chose.
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::system_error(errno, std::generic_category(), "getsockname");
  port_ = address.ss_family == AF_INET6
              ? ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port)
              : ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  log("ssh server listening on " + options_.bind_address + ":" + std::to_string(port_));
  accept_thread_ = std::thread([this] { accept_loop(); });
}

void SshServer::stop() {
  if (!started_) return;
  stopping_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  bind_.reset();
  // Sessions see stopping_ within one poll interval and close themselves.
  std::list<SessionThread> sessions;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions.swap(sessions_);
  }
  for (SessionThread& s : sessions)
    s.thread.join();
  ssh_finalize();
  started_ = false;
  stopping_ = false;
}

void SshServer::reap_finished() {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->done) {
      it->thread.join();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

bool SshServer::acquire_client_session(const std::string& user, std::size_t max) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  std::size_t& open = sessions_by_user_[user];
  if (max != 0 && open >= max) {
    if (open == 0) sessions_by_user_.erase(user);
    return false;
  }
  ++open;
  return true;
}

void SshServer::release_client_session(const std::string& user) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  const auto it = sessions_by_user_.find(user);
  if (it != sessions_by_user_.end() && --it->second == 0) sessions_by_user_.erase(it);
}

void SshServer::release_connection(const std::string& peer) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  --active_;
  const auto it = connections_by_address_.find(peer);
  if (it != connections_by_address_.end() && --it->second == 0) connections_by_address_.erase(it);
}

void SshServer::accept_loop() {
  const int fd = ssh_bind_get_fd(bind_.get());
  while (!stopping_) {
    // Polling the listener with a timeout, rather than blocking in ssh_bind_accept, lets
    // stop() end this loop without closing the socket under it.
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMillis);
    reap_finished();
    if (ready > 0) accept_connection();
  }
}

void SshServer::accept_connection() {
  SshSessionPtr session(ssh_new());
  if (!session) return;
  // Only accept(2) and copying the host keys: no network I/O, which is the session
  // thread's (key exchange included), so a slow client cannot hold up this loop.
  if (ssh_bind_accept(bind_.get(), session.get()) != SSH_OK) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
      log(std::string("ssh accept failed: ") + ssh_get_error(bind_.get()));
    return;
  }
  const int fd = ssh_get_fd(session.get());
  const std::string peer = peer_address(fd);
  // SFTP replies and window adjusts are small writes: with Nagle's algorithm they wait for
  // the client's delayed ACK, and an upload crawls at ~40 MB/s instead of ~190.
  const int nodelay = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
  // Refusals close the socket (freeing the session) before any byte is sent.
  if (refuse_if_banned(peer)) return;
  // Over a limit is not scored: the defender scores failed logins and protocol abuse, and an
  // allowed client's burst of connections must not get its own address banned.
  if (const std::optional<std::string> refusal = admit(std::move(session), peer, current_limits()))
    log("connection refused: " + peer + ": " + *refusal);
}

SessionLimits SshServer::current_limits() const {
  return options_.current_limits ? options_.current_limits() : options_.limits;
}

bool SshServer::refuse_if_banned(const std::string& peer) const {
  if (!options_.defender) return false;
  const std::optional<Ban> ban = options_.defender->ban_of(peer);
  if (!ban) return false;
  log("connection refused: " + peer + " is banned until " +
      base::iso_utc(std::chrono::system_clock::from_time_t(ban->banned_until)));
  return true;
}

std::optional<std::string> SshServer::admit(SshSessionPtr session, const std::string& peer,
                                            const SessionLimits& limits) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  if (std::optional<std::string> refusal = connection_limit_refusal(peer, limits)) return refusal;
  ++active_;
  ++connections_by_address_[peer];
  long timeout = limits.login_timeout.count();
  ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &timeout);
  SessionThread& slot = sessions_.emplace_back();
  try {
    slot.thread = std::thread([this, &slot, s = std::move(session), peer, limits]() mutable {
      try {
        serve(std::move(s), peer, limits);
      } catch (const std::exception& e) {
        log("session from " + peer + " failed: " + e.what());
      }
      release_connection(peer);
      slot.done = true;
    });
  } catch (const std::system_error& e) {  // out of threads: refuse this one
    sessions_.pop_back();
    --active_;
    if (--connections_by_address_[peer] == 0) connections_by_address_.erase(peer);
    return std::string("cannot start a session thread: ") + e.what();
  }
  return std::nullopt;
}

std::optional<std::string> SshServer::connection_limit_refusal(const std::string& peer,
                                                               const SessionLimits& limits) const {
  if (limits.max_sessions != 0 && active_ >= limits.max_sessions)
    return std::to_string(active_) + " sessions open (max_sessions " +
           std::to_string(limits.max_sessions) + ")";
  const auto it = connections_by_address_.find(peer);
  const std::size_t from_peer = it == connections_by_address_.end() ? 0 : it->second;
  if (limits.max_sessions_per_address != 0 && from_peer >= limits.max_sessions_per_address)
    return std::to_string(from_peer) + " sessions open from this address " +
           "(max_sessions_per_address " + std::to_string(limits.max_sessions_per_address) + ")";
  return std::nullopt;
}

void SshServer::serve(SshSessionPtr session, const std::string& peer, const SessionLimits& limits) {
  SshLogin login(session.get(), peer, login_context(limits));
  int exit_status = 1;  // sent only if the login got as far as a channel
  if (login.run(stopping_)) {
    exit_status = serve_sftp(session.get(), login, peer, limits.idle_timeout);
  } else if (login.refused_attempts() > 0) {
    ++failed_logins_;
  }
  login.disconnect(exit_status);
}

SshLoginContext SshServer::login_context(const SessionLimits& limits) {
  SshLoginContext context;
  context.account = [this](const std::string& user) -> std::optional<ClientAccount> {
    if (!options_.account) return std::nullopt;
    return options_.account(user);
  };
  context.defender = options_.defender;
  context.login_timeout = limits.login_timeout;
  context.max_auth_attempts = kMaxAuthAttempts;
  context.acquire_client_session = [this](const std::string& user, std::size_t max) {
    return acquire_client_session(user, max);
  };
  context.release_client_session = [this](const std::string& user) {
    release_client_session(user);
  };
  context.log = [this](const std::string& line) { log(line); };
  return context;
}

int SshServer::serve_sftp(ssh_session session, const SshLogin& login, const std::string& peer,
                          std::chrono::seconds idle_timeout) {
  const std::string& user = login.user();
  const ClientAccount& account = login.account();
  std::unique_ptr<SftpSession> sftp = open_sftp_session(user, account, peer);
  if (!sftp) return 1;
  ++logins_;
  const char* client_version = ssh_get_clientbanner(session);
  log_for(user, "login: user \"" + user + "\" from " + peer + " with " + login.key() + ", client " +
                    base::quoted(client_version ? client_version : ""));
  if (account.idle_timeout.count() > 0) idle_timeout = account.idle_timeout;
  const auto started = std::chrono::steady_clock::now();
  const SftpPumpResult pumped =
      pump_sftp_channel(session, login.channel(), *sftp, idle_timeout, stopping_);
  sftp.reset();  // abandons open uploads before the disconnect is logged
  bytes_up_ += pumped.bytes_in;
  bytes_down_ += pumped.bytes_out;
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  log_for(user, "disconnect: user \"" + user + "\" from " + peer + " (" + pumped.reason + "; " +
                    std::to_string(pumped.bytes_in) + " bytes up, " +
                    std::to_string(pumped.bytes_out) + " bytes down, " + std::to_string(seconds) +
                    " s)");
  // A stream that is not SFTP, from a client that holds a key: abuse or a broken client,
  // scored either way (sftp.defender.score_protocol_error).
  if (pumped.reason == kPumpProtocolError)
    score_and_log_ban(options_.defender.get(), peer, DefenderEvent::protocol_error,
                      [this](const std::string& line) { log(line); });
  return pumped.reason == kPumpClientClosed ? 0 : 1;
}

std::unique_ptr<SftpSession> SshServer::open_sftp_session(const std::string& user,
                                                          const ClientAccount& account,
                                                          const std::string& peer) {
  if (account.root.empty()) {
    log_for(user, "login refused: user \"" + user + "\" from " + peer + ": no client root");
    return nullptr;
  }
  try {
    return std::make_unique<SftpSession>(
        std::make_unique<ClientFs>(account.root, account.limits, client_fs_callbacks(user)),
        [this, user](const std::string& line) { log_for(user, user + ": " + line); });
  } catch (const std::exception& e) {
    log_for(user, "session for " + user + " from " + peer + " failed: " + e.what());
    return nullptr;
  }
}

ClientFsCallbacks SshServer::client_fs_callbacks(const std::string& user) {
  ClientFsCallbacks callbacks;
  callbacks.log = [this, user](const std::string& line) { log_for(user, user + ": " + line); };
  callbacks.on_upload_complete = [this, user](const std::string& path, std::uint64_t size,
                                              const std::string& sha256) {
    log_for(user, user + ": upload complete " + path + " (" + std::to_string(size) + " bytes)");
    if (options_.on_upload_complete) options_.on_upload_complete(user, path, size, sha256);
  };
  callbacks.on_download_complete = [this, user](const std::string& path) {
    log_for(user, user + ": download complete " + path);
    if (options_.on_download_complete) options_.on_download_complete(user, path);
  };
  return callbacks;
}

void SshServer::log_for(const std::string& user, const std::string& line) const {
  if (options_.client_log) {
    options_.client_log(base::printable(user), base::printable(line));
  } else {
    log(line);
  }
}

void SshServer::log(const std::string& line) const {
  if (options_.log) options_.log(base::printable(line));
}

}  // namespace popgate::sftp
