#include "adapters/sftp/ssh_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "adapters/sftp/client_fs.h"
#include "adapters/sftp/libssh_common.h"
#include "adapters/sftp/sftp_session.h"
#include "base/atomic_file.h"
#include "base/ip_network.h"
#include "base/time_text.h"
#include "base/unique_fd.h"

namespace popgate::sftp {

void SshBindDeleter::operator()(ssh_bind_struct* bind) const {
  ssh_bind_free(bind);
}
void SshSessionDeleter::operator()(ssh_session_struct* session) const {
  ssh_free(session);
}

namespace {

namespace fs = std::filesystem;

struct ChannelDeleter {
  void operator()(ssh_channel_struct* channel) const { ssh_channel_free(channel); }
};
struct EventDeleter {
  void operator()(ssh_event_struct* event) const { ssh_event_free(event); }
};
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;
using EventPtr = std::unique_ptr<ssh_event_struct, EventDeleter>;

// The host keys, in the order offered: name, libssh key type, bits (0 = fixed by the type).
struct HostKeySpec {
  const char* name;
  ssh_keytypes_e type;
  int bits;
  const char* label;
};
constexpr HostKeySpec kHostKeys[] = {
    {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0, "Ed25519"},
    {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256, "ECDSA P-256"},
    {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072, "RSA 3072"},
};
// Host key signatures: no "ssh-rsa" (RSA with SHA-1).
constexpr const char* kHostKeyAlgorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256";
// Client keys: the same families plus the larger curves and security keys; no SHA-1, no DSA.
constexpr const char* kPubkeyAlgorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
    "sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
// Smaller RSA client keys are refused.
constexpr int kRsaMinBits = 2048;
// A whole SFTP request of OpenSSH's largest size fits in one read.
constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr int kPollMillis = 200;

// "ssh-ed25519 SHA256:..." for log lines.
std::string key_description(ssh_key key) {
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  return std::string(type ? type : "unknown") + " " + fingerprint(key);
}

// True if one of the OpenSSH public key lines ("type base64 [comment]") is `key`. Lines that
// do not parse are skipped: one bad entry in a client's YAML must not lock out its other keys.
bool key_listed(const std::vector<std::string>& lines, ssh_key key) {
  for (const std::string& line : lines) {
    const std::size_t type_end = line.find(' ');
    if (type_end == std::string::npos) continue;
    const std::size_t b64_begin = line.find_first_not_of(' ', type_end);
    if (b64_begin == std::string::npos) continue;
    const std::size_t b64_end = line.find_first_of(" \r\n", b64_begin);
    const std::string type = line.substr(0, type_end);
    const std::string b64 = line.substr(b64_begin, b64_end - b64_begin);
    const enum ssh_keytypes_e key_type = ssh_key_type_from_name(type.c_str());
    if (key_type == SSH_KEYTYPE_UNKNOWN) continue;
    ssh_key parsed_raw = nullptr;
    if (ssh_pki_import_pubkey_base64(b64.c_str(), key_type, &parsed_raw) != SSH_OK) continue;
    KeyPtr parsed(parsed_raw);
    if (ssh_key_cmp(parsed.get(), key, SSH_KEY_CMP_PUBLIC) == 0) return true;
  }
  return false;
}

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

// The account of `user`: from options.account, or assembled from the older per-field
// callbacks (where a user without keys is unknown). nullopt for an unknown user.
std::optional<ClientAccount> resolve_account(const SshServerOptions& options,
                                             const std::string& user) {
  if (options.account) return options.account(user);
  ClientAccount account;
  if (options.authorized_keys) account.authorized_keys = options.authorized_keys(user);
  if (account.authorized_keys.empty()) return std::nullopt;
  if (options.client_root) {
    if (std::optional<fs::path> root = options.client_root(user)) account.root = *root;
  }
  if (options.limits) account.limits = options.limits(user);
  return account;
}

// Scores `event` for `peer` and logs the ban it caused, if any.
void score_event(const std::shared_ptr<Defender>& defender, const std::string& peer,
                 DefenderEvent event, const std::function<void(const std::string&)>& log) {
  if (!defender) return;
  if (const std::optional<Ban> ban = defender->add_event(peer, event)) {
    log("ban: " + ban->address + " until " +
        base::iso_utc(std::chrono::system_clock::from_time_t(ban->banned_until)) + " (ban " +
        std::to_string(ban->ban_count) + ", " + ban->reason + ")");
  }
}

// What the callbacks of one session share with its thread. Lives on that thread's stack
// for as long as the session is served.
struct SessionState {
  const SshServerOptions* options = nullptr;
  std::function<void(const std::string&)> log;
  // Takes one of the client's sessions; false when its max_sessions are all open.
  std::function<bool(const std::string& user, std::size_t max)> acquire_session;
  std::string peer;
  std::string user;                      // set once a signed public-key attempt succeeded
  std::optional<ClientAccount> account;  // the authenticated user's
  std::string key;                       // the authenticated key: "ssh-ed25519 SHA256:..."
  bool authenticated = false;
  bool sftp = false;             // the channel asked for the "sftp" subsystem
  bool unknown_user = false;     // an attempt named a user that does not exist
  bool give_up = false;          // too many attempts, or the address got banned meanwhile
  bool session_taken = false;    // holds one of the client's max_sessions
  bool limit_hit = false;        // the client's max_sessions were all open
  int failures = 0;              // refused authentication attempts
  std::set<std::string> logged;  // refusals already logged (clients retry each key)
  ChannelPtr channel;
  ssh_server_callbacks_struct server_callbacks{};
  ssh_channel_callbacks_struct channel_callbacks{};

  void log_once(const std::string& line) {
    if (logged.insert(line).second) log(line);
  }
};

// The checks every authentication attempt goes through before its credentials: attempts
// left, the ban list, the user, the source address. The account when they pass.
std::optional<ClientAccount> pre_auth(SessionState* s, const std::string& user) {
  const std::string refused = "login refused: user \"" + user + "\" from " + s->peer + ": ";
  if (s->give_up) return std::nullopt;
  if (s->failures >= SshServer::kMaxAuthAttempts) {
    s->log_once(refused + "too many authentication attempts");
    s->give_up = true;
    return std::nullopt;
  }
  if (s->options->defender && s->options->defender->is_banned(s->peer)) {
    s->log_once(refused + "address banned");
    s->give_up = true;
    return std::nullopt;
  }
  std::optional<ClientAccount> account;
  try {
    account = resolve_account(*s->options, user);
  } catch (const std::exception& e) {
    s->log_once(refused + "account lookup failed: " + e.what());
    ++s->failures;
    return std::nullopt;
  }
  if (!account) {
    s->unknown_user = true;
    s->log_once(refused + "unknown user");
    ++s->failures;
    return std::nullopt;
  }
  if (!base::address_allowed(account->allowed_networks, s->peer)) {
    s->log_once(refused + "address not allowed");
    ++s->failures;
    return std::nullopt;
  }
  return account;
}

int on_auth_pubkey(ssh_session, const char* user_text, ssh_key key, char signature_state,
                   void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  const std::string user(user_text);
  std::optional<ClientAccount> account = pre_auth(s, user);
  if (!account) return SSH_AUTH_DENIED;
  if (!key_listed(account->authorized_keys, key)) {
    // Clients offer each of their keys in turn; only the probe of an unlisted key gets here.
    s->log("login refused: user \"" + user + "\" from " + s->peer + ": key " +
           key_description(key) + " not authorized");
    ++s->failures;
    return SSH_AUTH_DENIED;
  }
  // The probe (no signature yet) must succeed too, or OpenSSH never sends the signed attempt.
  if (signature_state == SSH_PUBLICKEY_STATE_NONE) return SSH_AUTH_SUCCESS;
  if (signature_state == SSH_PUBLICKEY_STATE_VALID) {
    s->user = user;
    s->account = std::move(account);
    s->key = key_description(key);
    s->authenticated = true;
    return SSH_AUTH_SUCCESS;
  }
  s->log("login refused: user \"" + user + "\" from " + s->peer + ": bad signature");
  ++s->failures;
  return SSH_AUTH_DENIED;
}

// Password logins are not offered, but scanners try them anyway: count them as failures and
// note unknown users, so that the defender sees them.
int on_auth_password(ssh_session, const char* user_text, const char*, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  const std::string user(user_text);
  if (pre_auth(s, user)) {
    s->log_once("login refused: user \"" + user + "\" from " + s->peer +
                ": password authentication is not supported");
    ++s->failures;
  }
  return SSH_AUTH_DENIED;
}

int on_subsystem(ssh_session, ssh_channel channel, const char* subsystem, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  if (channel == s->channel.get() && std::string_view(subsystem) == "sftp" && !s->sftp) {
    s->sftp = true;
    return 0;
  }
  s->log("refused subsystem \"" + std::string(subsystem) + "\" for " + s->user + " from " +
         s->peer);
  return 1;
}

int on_pty(ssh_session, ssh_channel, const char*, int, int, int, int, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  s->log("refused pty for " + s->user + " from " + s->peer);
  return -1;
}

int on_shell(ssh_session, ssh_channel, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  s->log("refused shell for " + s->user + " from " + s->peer);
  return 1;
}

int on_exec(ssh_session, ssh_channel, const char*, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  s->log("refused exec for " + s->user + " from " + s->peer);
  return 1;
}

ssh_channel on_channel_open(ssh_session session, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  // One session channel per connection: SFTP needs no more, and more would need threads.
  if (!s->authenticated || s->channel || s->limit_hit) return nullptr;
  if (!s->session_taken) {
    if (!s->acquire_session(s->user, s->account->max_sessions)) {
      s->limit_hit = true;
      return nullptr;
    }
    s->session_taken = true;
  }
  s->channel.reset(ssh_channel_new(session));
  if (!s->channel) return nullptr;
  ssh_callbacks_init(&s->channel_callbacks);
  s->channel_callbacks.userdata = s;
  s->channel_callbacks.channel_subsystem_request_function = on_subsystem;
  s->channel_callbacks.channel_pty_request_function = on_pty;
  s->channel_callbacks.channel_shell_request_function = on_shell;
  s->channel_callbacks.channel_exec_request_function = on_exec;
  ssh_set_channel_callbacks(s->channel.get(), &s->channel_callbacks);
  return s->channel.get();
}

}  // namespace

SshServer::SshServer(SshServerOptions options) : options_(std::move(options)) {}

SshServer::~SshServer() {
  stop();
}

std::size_t SshServer::active_sessions() const {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  return active_;
}

fs::path SshServer::ensure_host_key(std::size_t which) {
  const HostKeySpec& spec = kHostKeys[which];
  const fs::path dir = options_.host_key_dir;
  if (!fs::exists(dir)) {
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
  }
  const fs::path path = dir / spec.name;
  KeyPtr key;
  if (fs::exists(path)) {
    // Load it once here so a damaged key stops start() with a clear message.
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
      throw std::runtime_error("cannot load host key " + path.string());
    key.reset(raw);
    if (ssh_key_type(key.get()) != spec.type)
      throw std::runtime_error("host key " + path.string() + " is not an " + spec.label + " key");
  } else {
    ssh_key raw = nullptr;
    if (ssh_pki_generate(spec.type, spec.bits, &raw) != SSH_OK)
      throw std::runtime_error(std::string("cannot generate an ") + spec.label + " host key");
    key.reset(raw);
    char* exported_raw = nullptr;
    if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &exported_raw) !=
        SSH_OK)
      throw std::runtime_error("cannot export the host key");
    SshCharPtr exported(exported_raw);
    // Mode 0600 from the start: the key is never readable by others.
    base::write_file_atomically(path, exported.get(), 0600);
    // The public half beside it, for operators (ssh-keygen -l -f ...pub).
    char* public_raw = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &public_raw) == SSH_OK) {
      SshCharPtr public_b64(public_raw);
      const char* type = ssh_key_type_to_char(ssh_key_type(key.get()));
      base::write_file_atomically(
          path.string() + ".pub",
          std::string(type ? type : "") + " " + public_b64.get() + " popgate\n", 0644);
    }
    log(std::string("generated ") + spec.label + " host key " + path.string());
  }
  const std::string fingerprint = key_description(key.get());
  fingerprints_.push_back(fingerprint);
  log("host key " + fingerprint + " (" + path.string() + ")");
  return path;
}

void SshServer::start() {
  if (started_) return;
  ssh_init();
  started_ = true;  // from here stop() undoes ssh_init, even if the rest fails
  fingerprints_.clear();
  std::vector<fs::path> host_keys;
  for (std::size_t i = 0; i < std::size(kHostKeys); ++i)
    host_keys.push_back(ensure_host_key(i));

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
  if (ssh_bind_listen(b) != SSH_OK)
    throw std::runtime_error("cannot listen on " + options_.bind_address + ":" +
                             std::to_string(options_.port) + ": " + ssh_get_error(b));
  // A connection reset between poll() and accept() must not block the accept thread.
  const int listen_fd = ssh_bind_get_fd(b);
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
    if (ready <= 0) continue;
    SshSessionPtr session(ssh_new());
    if (!session) continue;
    // Only accept(2) and copying the host keys: no network I/O, which is the session
    // thread's (key exchange included), so a slow client cannot hold up this loop.
    if (ssh_bind_accept(bind_.get(), session.get()) != SSH_OK) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
        log(std::string("ssh accept failed: ") + ssh_get_error(bind_.get()));
      continue;
    }
    std::string peer = peer_address(ssh_get_fd(session.get()));
    // SFTP replies and window adjusts are small writes: with Nagle's algorithm they wait for
    // the client's delayed ACK, and an upload crawls at ~40 MB/s instead of ~190.
    const int nodelay = 1;
    ::setsockopt(ssh_get_fd(session.get()), IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
    // Refusals close the socket (freeing the session) before any byte is sent.
    if (options_.defender) {
      if (const std::optional<Ban> ban = options_.defender->ban_of(peer)) {
        log("connection refused: " + peer + " is banned until " +
            base::iso_utc(std::chrono::system_clock::from_time_t(ban->banned_until)));
        continue;
      }
    }
    std::string refusal;
    bool scored = false;
    {
      std::lock_guard<std::mutex> lock(sessions_mu_);
      const std::size_t from_peer =
          connections_by_address_.count(peer) ? connections_by_address_[peer] : 0;
      if (options_.max_sessions != 0 && active_ >= options_.max_sessions) {
        refusal = std::to_string(active_) + " sessions open (max_sessions " +
                  std::to_string(options_.max_sessions) + ")";
      } else if (options_.max_sessions_per_address != 0 &&
                 from_peer >= options_.max_sessions_per_address) {
        refusal = std::to_string(from_peer) + " sessions open from this address " +
                  "(max_sessions_per_address " + std::to_string(options_.max_sessions_per_address) +
                  ")";
        scored = true;
      } else {
        ++active_;
        ++connections_by_address_[peer];
        long timeout = options_.login_timeout.count();
        ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &timeout);
        SessionThread& slot = sessions_.emplace_back();
        try {
          slot.thread = std::thread([this, &slot, s = std::move(session), peer]() mutable {
            try {
              serve(std::move(s), peer);
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
          refusal = std::string("cannot start a session thread: ") + e.what();
        }
      }
    }
    if (!refusal.empty()) {
      log("connection refused: " + peer + ": " + refusal);
      if (scored)
        score_event(options_.defender, peer, DefenderEvent::limit_exceeded,
                    [this](const std::string& line) { log(line); });
    }
  }
}

void SshServer::serve(SshSessionPtr session_owner, std::string peer) {
  ssh_session session = session_owner.get();
  const auto log_line = [this](const std::string& line) { log(line); };
  SessionState state;
  state.options = &options_;
  state.log = log_line;
  state.acquire_session = [this](const std::string& user, std::size_t max) {
    return acquire_client_session(user, max);
  };
  state.peer = peer;
  ssh_callbacks_init(&state.server_callbacks);
  state.server_callbacks.userdata = &state;
  state.server_callbacks.auth_pubkey_function = on_auth_pubkey;
  state.server_callbacks.auth_password_function = on_auth_password;
  state.server_callbacks.channel_open_request_session_function = on_channel_open;
  ssh_set_server_callbacks(session, &state.server_callbacks);
  ssh_set_auth_methods(session, SSH_AUTH_METHOD_PUBLICKEY);

  // Ends the session; the channel goes before the session that owns it.
  const auto finish = [&] {
    if (state.channel) {
      ssh_channel_send_eof(state.channel.get());
      ssh_channel_close(state.channel.get());
      state.channel.reset();
    }
    ssh_disconnect(session);
  };
  // The client's session slot is given back on every way out, exceptions included.
  struct SlotRelease {
    SshServer* server;
    SessionState* state;
    ~SlotRelease() {
      if (state->session_taken) server->release_client_session(state->user);
    }
  } slot_release{this, &state};

  if (ssh_handle_key_exchange(session) != SSH_OK) {
    log("ssh key exchange failed from " + peer + ": " + ssh_get_error(session));
    return finish();
  }

  std::string failure = "disconnected";
  {
    EventPtr event(ssh_event_new());
    if (!event || ssh_event_add_session(event.get(), session) != SSH_OK) return finish();
    const auto deadline = std::chrono::steady_clock::now() + options_.login_timeout;
    while (!state.sftp && !state.give_up && !state.limit_hit) {
      if (stopping_) {
        failure = "server stopping";
        break;
      }
      if (ssh_event_dopoll(event.get(), kPollMillis) == SSH_ERROR) break;
      if (std::chrono::steady_clock::now() > deadline) {
        failure = "login timeout";
        break;
      }
    }
    ssh_event_remove_session(event.get(), session);
  }
  if (state.limit_hit) {
    log("session limit: user \"" + state.user + "\" from " + peer + ": max_sessions " +
        std::to_string(state.account->max_sessions) + " reached");
    score_event(options_.defender, peer, DefenderEvent::limit_exceeded, log_line);
    return finish();
  }
  if (!state.sftp) {
    if (!state.authenticated) {
      if (state.give_up) failure = "too many attempts or banned";
      log("login failed from " + peer + ": " + failure);
      // An authentication that never completed counts, once per connection: the client had
      // its key exchange, so this is no mere port probe.
      if (failure != "server stopping")
        score_event(options_.defender, peer,
                    state.unknown_user ? DefenderEvent::invalid_user : DefenderEvent::invalid_auth,
                    log_line);
    } else {
      log("session not started: user \"" + state.user + "\" from " + peer + ": " + failure);
    }
    return finish();
  }

  const std::string user = state.user;
  const ClientAccount& account = *state.account;
  if (account.root.empty()) {
    log("login refused: user \"" + user + "\" from " + peer + ": no client root");
    return finish();
  }
  const std::chrono::seconds idle_timeout =
      account.idle_timeout.count() > 0 ? account.idle_timeout : options_.idle_timeout;
  std::unique_ptr<SftpSession> sftp;
  try {
    ClientFsCallbacks callbacks;
    callbacks.log = [this, user](const std::string& line) { log(user + ": " + line); };
    callbacks.on_upload_complete = [this, user](const std::string& path, std::uint64_t size,
                                                const std::string& sha256) {
      log(user + ": upload complete " + path + " (" + std::to_string(size) + " bytes)");
      if (options_.on_upload_complete) options_.on_upload_complete(user, path, size, sha256);
    };
    callbacks.on_download_complete = [this, user](const std::string& path) {
      log(user + ": download complete " + path);
      if (options_.on_download_complete) options_.on_download_complete(user, path);
    };
    sftp = std::make_unique<SftpSession>(
        std::make_unique<ClientFs>(account.root, account.limits, std::move(callbacks)),
        [this, user](const std::string& line) { log(user + ": " + line); });
  } catch (const std::exception& e) {
    log("session for " + user + " from " + peer + " failed: " + e.what());
    return finish();
  }
  log("login: user \"" + user + "\" from " + peer + " with " + state.key);

  // Pump channel -> SftpSession -> channel. The read timeout is what lets the idle timeout
  // and stop() reach a session that is waiting for its client.
  std::string reason = "client closed";
  std::string in(kReadBuffer, '\0');
  std::string out;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  const auto started = std::chrono::steady_clock::now();
  auto last_activity = started;
  ssh_channel channel = state.channel.get();
  for (;;) {
    if (stopping_) {
      reason = "server stopping";
      break;
    }
    const int n = ssh_channel_read_timeout(channel, in.data(), static_cast<uint32_t>(in.size()), 0,
                                           kPollMillis);
    if (n == SSH_ERROR) {
      reason = std::string("channel error: ") + ssh_get_error(session);
      break;
    }
    if (n == 0) {
      if (ssh_channel_is_eof(channel) || !ssh_channel_is_open(channel)) break;
      if (std::chrono::steady_clock::now() - last_activity > idle_timeout) {
        reason = "idle timeout";
        break;
      }
      continue;
    }
    last_activity = std::chrono::steady_clock::now();
    bytes_in += static_cast<std::uint64_t>(n);
    std::string_view bytes(in.data(), static_cast<std::size_t>(n));
    bool keep = true, written = true;
    do {
      out.clear();
      keep = sftp->feed(bytes, &out);
      bytes = {};
      written = out.empty() ||
                ssh_channel_write(channel, out.data(), static_cast<uint32_t>(out.size())) ==
                    static_cast<int>(out.size());
      if (written) bytes_out += out.size();
    } while (keep && written && sftp->backlog());
    if (!written) {
      reason = std::string("write error: ") + ssh_get_error(session);
      break;
    }
    if (!keep) {
      reason = "protocol error";
      break;
    }
  }
  sftp.reset();  // abandons open uploads before the disconnect is logged
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  log("disconnect: user \"" + user + "\" from " + peer + " (" + reason + "; " +
      std::to_string(bytes_in) + " bytes up, " + std::to_string(bytes_out) + " bytes down, " +
      std::to_string(seconds) + " s)");
  finish();
}

}  // namespace popgate::sftp
