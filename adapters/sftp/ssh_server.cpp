#include "adapters/sftp/ssh_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "adapters/posix/unique_fd.h"
#include "adapters/sftp/client_fs.h"
#include "adapters/sftp/sftp_session.h"

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
struct KeyDeleter {
  void operator()(ssh_key_struct* key) const { ssh_key_free(key); }
};
// Strings libssh allocates for the caller (exported keys, fingerprints).
struct SshStringDeleter {
  void operator()(char* s) const { ssh_string_free_char(s); }
};
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;
using EventPtr = std::unique_ptr<ssh_event_struct, EventDeleter>;
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;
using SshCharPtr = std::unique_ptr<char, SshStringDeleter>;

constexpr const char* kHostKeyName = "ssh_host_ed25519_key";
// Modern algorithms only: no SHA-1, no CBC, no group1/group14-sha1 key exchange.
constexpr const char* kKeyExchange =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512";
constexpr const char* kCiphers =
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
    "aes192-ctr,aes128-ctr";
constexpr const char* kMacs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";
// A whole SFTP request of OpenSSH's largest size fits in one read.
constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr int kPollMillis = 200;

std::string Fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  std::size_t length = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) return "?";
  SshCharPtr text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length));
  ssh_clean_pubkey_hash(&hash);
  return text ? std::string(text.get()) : "?";
}

// True if one of the OpenSSH public key lines ("type base64 [comment]") is `key`. Lines that
// do not parse are skipped: one bad entry in a client's YAML must not lock out its other keys.
bool KeyListed(const std::vector<std::string>& lines, ssh_key key) {
  for (const std::string& line : lines) {
    const std::size_t type_end = line.find(' ');
    if (type_end == std::string::npos) continue;
    const std::size_t b64_begin = line.find_first_not_of(' ', type_end);
    if (b64_begin == std::string::npos) continue;
    const std::size_t b64_end = line.find(' ', b64_begin);
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

std::string PeerAddress(int fd) {
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
  return text;
}

// What the callbacks of one session share with its thread. Lives on that thread's stack
// for as long as the session is served.
struct SessionState {
  const SshServerOptions* options = nullptr;
  std::function<void(const std::string&)> log;
  std::string peer;
  std::string user;  // set once a signed public-key attempt succeeded
  bool authenticated = false;
  bool sftp = false;  // the channel asked for the "sftp" subsystem
  ChannelPtr channel;
  ssh_server_callbacks_struct server_callbacks{};
  ssh_channel_callbacks_struct channel_callbacks{};
};

int OnAuthPubkey(ssh_session, const char* user, ssh_key key, char signature_state, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  std::vector<std::string> keys;
  if (s->options->authorized_keys) keys = s->options->authorized_keys(user);
  if (!KeyListed(keys, key)) {
    // Clients offer each of their keys in turn; only the probe of an unlisted key gets here.
    s->log("login refused: user \"" + std::string(user) + "\" from " + s->peer + ": key " +
           Fingerprint(key) + " not authorized");
    return SSH_AUTH_DENIED;
  }
  // The probe (no signature yet) must succeed too, or OpenSSH never sends the signed attempt.
  if (signature_state == SSH_PUBLICKEY_STATE_NONE) return SSH_AUTH_SUCCESS;
  if (signature_state == SSH_PUBLICKEY_STATE_VALID) {
    s->user = user;
    s->authenticated = true;
    return SSH_AUTH_SUCCESS;
  }
  s->log("login refused: user \"" + std::string(user) + "\" from " + s->peer + ": bad signature");
  return SSH_AUTH_DENIED;
}

int OnSubsystem(ssh_session, ssh_channel channel, const char* subsystem, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  if (channel == s->channel.get() && std::string_view(subsystem) == "sftp" && !s->sftp) {
    s->sftp = true;
    return 0;
  }
  s->log("refused subsystem \"" + std::string(subsystem) + "\" for " + s->user + " from " +
         s->peer);
  return 1;
}

int OnPty(ssh_session, ssh_channel, const char*, int, int, int, int, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  s->log("refused pty for " + s->user + " from " + s->peer);
  return -1;
}

int OnShell(ssh_session, ssh_channel, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  s->log("refused shell for " + s->user + " from " + s->peer);
  return 1;
}

int OnExec(ssh_session, ssh_channel, const char*, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  s->log("refused exec for " + s->user + " from " + s->peer);
  return 1;
}

ssh_channel OnChannelOpen(ssh_session session, void* userdata) {
  auto* s = static_cast<SessionState*>(userdata);
  // One session channel per connection: SFTP needs no more, and more would need threads.
  if (!s->authenticated || s->channel) return nullptr;
  s->channel.reset(ssh_channel_new(session));
  if (!s->channel) return nullptr;
  ssh_callbacks_init(&s->channel_callbacks);
  s->channel_callbacks.userdata = s;
  s->channel_callbacks.channel_subsystem_request_function = OnSubsystem;
  s->channel_callbacks.channel_pty_request_function = OnPty;
  s->channel_callbacks.channel_shell_request_function = OnShell;
  s->channel_callbacks.channel_exec_request_function = OnExec;
  ssh_set_channel_callbacks(s->channel.get(), &s->channel_callbacks);
  return s->channel.get();
}

void WriteFileExclusive(const fs::path& path, std::string_view data, mode_t mode) {
  posix::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) throw std::system_error(errno, std::generic_category(), path.string());
  while (!data.empty()) {
    const ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), path.string());
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0 || fd.close() != 0)
    throw std::system_error(errno, std::generic_category(), path.string());
}

}  // namespace

SshServer::SshServer(SshServerOptions options) : options_(std::move(options)) {}

SshServer::~SshServer() {
  stop();
}

fs::path SshServer::EnsureHostKey() {
  const fs::path dir = options_.host_key_dir;
  if (!fs::exists(dir)) {
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
  }
  const fs::path path = dir / kHostKeyName;
  if (fs::exists(path)) {
    // Load it once here so a damaged key stops start() with a clear message.
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
      throw std::runtime_error("cannot load host key " + path.string());
    KeyPtr key(raw);
    return path;
  }
  ssh_key raw = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK)
    throw std::runtime_error("cannot generate an Ed25519 host key");
  KeyPtr key(raw);
  char* exported_raw = nullptr;
  if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &exported_raw) != SSH_OK)
    throw std::runtime_error("cannot export the host key");
  SshCharPtr exported(exported_raw);
  // Written under a temporary name with mode 0600 from the start, then renamed: the key is
  // never readable by others, and a crash never leaves half a key under the real name.
  const fs::path temporary = dir / (std::string(kHostKeyName) + ".tmp");
  fs::remove(temporary);
  WriteFileExclusive(temporary, exported.get(), 0600);
  fs::rename(temporary, path);
  Log("generated Ed25519 host key " + path.string() + " (" + Fingerprint(key.get()) + ")");
  return path;
}

void SshServer::start() {
  if (started_) return;
  ssh_init();
  started_ = true;  // from here stop() undoes ssh_init, even if the rest fails
  const fs::path host_key = EnsureHostKey();

  bind_.reset(ssh_bind_new());
  if (!bind_) throw std::runtime_error("ssh_bind_new failed");
  ssh_bind b = bind_.get();
  // Our configuration only: /etc/ssh/libssh_server_config must not change what we accept.
  bool process_config = false;
  int port = options_.port;
  const auto set = [&](ssh_bind_options_e option, const void* value, const char* what) {
    if (ssh_bind_options_set(b, option, value) != SSH_OK)
      throw std::runtime_error(std::string("ssh bind option ") + what + ": " + ssh_get_error(b));
  };
  set(SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config, "process config");
  set(SSH_BIND_OPTIONS_BINDADDR, options_.bind_address.c_str(), "bind address");
  set(SSH_BIND_OPTIONS_BINDPORT, &port, "port");
  set(SSH_BIND_OPTIONS_HOSTKEY, host_key.c_str(), "host key");
  set(SSH_BIND_OPTIONS_KEY_EXCHANGE, kKeyExchange, "key exchange");
  set(SSH_BIND_OPTIONS_CIPHERS_C_S, kCiphers, "ciphers");
  set(SSH_BIND_OPTIONS_CIPHERS_S_C, kCiphers, "ciphers");
  set(SSH_BIND_OPTIONS_HMAC_C_S, kMacs, "macs");
  set(SSH_BIND_OPTIONS_HMAC_S_C, kMacs, "macs");
  if (ssh_bind_listen(b) != SSH_OK)
    throw std::runtime_error("cannot listen on " + options_.bind_address + ":" +
                             std::to_string(options_.port) + ": " + ssh_get_error(b));

  // Port 0 lets the kernel choose; report what it chose.
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(ssh_bind_get_fd(b), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::system_error(errno, std::generic_category(), "getsockname");
  port_ = address.ss_family == AF_INET6
              ? ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port)
              : ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  Log("ssh server listening on " + options_.bind_address + ":" + std::to_string(port_));
  accept_thread_ = std::thread([this] { AcceptLoop(); });
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

void SshServer::ReapFinished() {
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

void SshServer::AcceptLoop() {
  const int fd = ssh_bind_get_fd(bind_.get());
  while (!stopping_) {
    // Polling the listener with a timeout, rather than blocking in ssh_bind_accept, lets
    // stop() end this loop without closing the socket under it.
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMillis);
    ReapFinished();
    if (ready <= 0) continue;
    SshSessionPtr session(ssh_new());
    if (!session) continue;
    if (ssh_bind_accept(bind_.get(), session.get()) != SSH_OK) {
      Log(std::string("ssh accept failed: ") + ssh_get_error(bind_.get()));
      continue;
    }
    long timeout = options_.login_timeout.count();
    ssh_options_set(session.get(), SSH_OPTIONS_TIMEOUT, &timeout);
    std::string peer = PeerAddress(ssh_get_fd(session.get()));
    std::lock_guard<std::mutex> lock(sessions_mu_);
    SessionThread& slot = sessions_.emplace_back();
    slot.thread = std::thread([this, &slot, s = std::move(session), peer]() mutable {
      Serve(std::move(s), std::move(peer));
      slot.done = true;
    });
  }
}

void SshServer::Serve(SshSessionPtr session_owner, std::string peer) {
  ssh_session session = session_owner.get();
  SessionState state;
  state.options = &options_;
  state.log = [this](const std::string& line) { Log(line); };
  state.peer = peer;
  ssh_callbacks_init(&state.server_callbacks);
  state.server_callbacks.userdata = &state;
  state.server_callbacks.auth_pubkey_function = OnAuthPubkey;
  state.server_callbacks.channel_open_request_session_function = OnChannelOpen;
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

  if (ssh_handle_key_exchange(session) != SSH_OK) {
    Log("ssh key exchange failed from " + peer + ": " + ssh_get_error(session));
    return finish();
  }

  {
    EventPtr event(ssh_event_new());
    if (!event || ssh_event_add_session(event.get(), session) != SSH_OK) return finish();
    const auto deadline = std::chrono::steady_clock::now() + options_.login_timeout;
    while (!state.sftp && !stopping_) {
      if (ssh_event_dopoll(event.get(), kPollMillis) == SSH_ERROR) break;
      if (std::chrono::steady_clock::now() > deadline) {
        Log("login timeout from " + peer);
        break;
      }
    }
    ssh_event_remove_session(event.get(), session);
  }
  if (!state.sftp) {
    if (!state.authenticated) Log("login failed from " + peer + ": disconnected");
    return finish();
  }

  const std::string user = state.user;
  std::optional<fs::path> root;
  if (options_.client_root) root = options_.client_root(user);
  if (!root) {
    Log("login refused: user \"" + user + "\" from " + peer + ": no client root");
    return finish();
  }
  std::unique_ptr<SftpSession> sftp;
  try {
    ClientFsCallbacks callbacks;
    callbacks.log = [this, user](const std::string& line) { Log(user + ": " + line); };
    callbacks.on_upload_complete = [this, user](const std::string& path, std::uint64_t size,
                                                const std::string& sha256) {
      Log(user + ": upload complete " + path + " (" + std::to_string(size) + " bytes)");
      if (options_.on_upload_complete) options_.on_upload_complete(user, path, size, sha256);
    };
    const ClientLimits limits = options_.limits ? options_.limits(user) : ClientLimits{};
    sftp = std::make_unique<SftpSession>(
        std::make_unique<ClientFs>(*root, limits, std::move(callbacks)),
        [this, user](const std::string& line) { Log(user + ": " + line); });
  } catch (const std::exception& e) {
    Log("session for " + user + " from " + peer + " failed: " + e.what());
    return finish();
  }
  Log("login: user \"" + user + "\" from " + peer);

  // Pump channel -> SftpSession -> channel. The read timeout is what lets the idle timeout
  // and stop() reach a session that is waiting for its client.
  std::string reason = "client closed";
  std::string in(kReadBuffer, '\0');
  std::string out;
  auto last_activity = std::chrono::steady_clock::now();
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
      if (std::chrono::steady_clock::now() - last_activity > options_.idle_timeout) {
        reason = "idle timeout";
        break;
      }
      continue;
    }
    last_activity = std::chrono::steady_clock::now();
    std::string_view bytes(in.data(), static_cast<std::size_t>(n));
    bool keep = true, written = true;
    do {
      out.clear();
      keep = sftp->Feed(bytes, &out);
      bytes = {};
      written = out.empty() ||
                ssh_channel_write(channel, out.data(), static_cast<uint32_t>(out.size())) ==
                    static_cast<int>(out.size());
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
  Log("disconnect: user \"" + user + "\" from " + peer + " (" + reason + ")");
  finish();
}

}  // namespace popgate::sftp
