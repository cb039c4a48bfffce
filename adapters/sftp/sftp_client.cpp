#include "adapters/sftp/sftp_client.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/libssh_common.h"
#include "base/atomic_file.h"
#include "base/unique_fd.h"

namespace popgate::sftp {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct SessionDeleter {
  void operator()(ssh_session_struct* session) const { ssh_free(session); }
};
struct SftpDeleter {
  void operator()(sftp_session_struct* sftp) const { sftp_free(sftp); }
};
struct FileDeleter {
  void operator()(sftp_file_struct* file) const { sftp_close(file); }
};
struct AttributesDeleter {
  void operator()(sftp_attributes_struct* attributes) const { sftp_attributes_free(attributes); }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionDeleter>;
using SftpPtr = std::unique_ptr<sftp_session_struct, SftpDeleter>;
using FilePtr = std::unique_ptr<sftp_file_struct, FileDeleter>;
using AttributesPtr = std::unique_ptr<sftp_attributes_struct, AttributesDeleter>;

constexpr const char* kKeyName = "ssh_client_ed25519_key";
constexpr const char* kKeyComment = "popgate";
constexpr const char* kTemporarySuffix = ".popgate-part";
constexpr auto kWatchInterval = std::chrono::milliseconds(100);

[[noreturn]] void fail(const std::string& message, bool retryable) {
  throw SftpClientError(message, retryable);
}

std::string type_name(ssh_key key) {
  const char* name = ssh_key_type_to_char(ssh_key_type(key));
  return name != nullptr ? name : "unknown";
}

// "TYPE BASE64 [comment]" -> the key. Only the public part is involved: nothing secret.
KeyPtr parse_public_key_line(std::string_view line) {
  const auto bad = [&](const std::string& why) -> KeyPtr {
    fail("pinned host key is not an OpenSSH public key line (" + why + ")", false);
  };
  const std::size_t type_begin = line.find_first_not_of(" \t");
  if (type_begin == std::string_view::npos) return bad("empty");
  const std::size_t type_end = line.find_first_of(" \t", type_begin);
  if (type_end == std::string_view::npos) return bad("no key data");
  const std::size_t data_begin = line.find_first_not_of(" \t", type_end);
  if (data_begin == std::string_view::npos) return bad("no key data");
  const std::size_t data_end = std::min(line.find_first_of(" \t\r\n", data_begin), line.size());
  const std::string type(line.substr(type_begin, type_end - type_begin));
  const std::string data(line.substr(data_begin, data_end - data_begin));
  const enum ssh_keytypes_e key_type = ssh_key_type_from_name(type.c_str());
  if (key_type == SSH_KEYTYPE_UNKNOWN) return bad("unknown key type \"" + type + "\"");
  ssh_key raw = nullptr;
  if (ssh_pki_import_pubkey_base64(data.c_str(), key_type, &raw) != SSH_OK)
    return bad("the key data does not decode as " + type);
  return KeyPtr(raw);
}

// The host key algorithms to offer: only those of the pinned key, so the server cannot
// present a different key of its own (which would be a spurious mismatch).
const char* host_key_algorithms(ssh_key pinned) {
  switch (ssh_key_type(pinned)) {
    case SSH_KEYTYPE_ED25519:
      return "ssh-ed25519";
    case SSH_KEYTYPE_ECDSA_P256:
      return "ecdsa-sha2-nistp256";
    case SSH_KEYTYPE_ECDSA_P384:
      return "ecdsa-sha2-nistp384";
    case SSH_KEYTYPE_ECDSA_P521:
      return "ecdsa-sha2-nistp521";
    case SSH_KEYTYPE_RSA:
      return "rsa-sha2-512,rsa-sha2-256";
    default:
      fail("pinned host key type " + type_name(pinned) +
               " is not supported (use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)",
           false);
  }
}

[[noreturn]] void file_error(const std::string& what, const fs::path& path) {
  fail(what + " " + path.string() + ": " + std::strerror(errno), false);
}

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

KeyPtr load_private_key(const fs::path& path) {
  ssh_key raw = nullptr;
  if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
    fail("cannot load the appliance SSH key " + path.string(), false);
  return KeyPtr(raw);
}

std::string public_line(ssh_key private_key) {
  ssh_key public_raw = nullptr;
  if (ssh_pki_export_privkey_to_pubkey(private_key, &public_raw) != SSH_OK)
    fail("cannot derive the appliance public key", false);
  KeyPtr public_key(public_raw);
  char* base64_raw = nullptr;
  if (ssh_pki_export_pubkey_base64(public_key.get(), &base64_raw) != SSH_OK)
    fail("cannot export the appliance public key", false);
  SshCharPtr base64(base64_raw);
  return type_name(public_key.get()) + " " + base64.get() + " " + kKeyComment;
}

// The .pub file is a convenience for operators; the private key is the truth, so the .pub
// is rewritten (temporary file, rename) whenever it is missing or says something else.
void ensure_public_file(const fs::path& private_path, ssh_key private_key) {
  const fs::path pub = private_path.string() + ".pub";
  const std::string line = public_line(private_key) + "\n";
  std::error_code ec;
  if (fs::exists(pub, ec) && read_small_file(pub) == line) return;
  try {
    // Another popgate process may be rewriting it at the same moment: unique temporary names.
    base::write_file_atomically(pub, line, 0644, base::TempName::unique);
  } catch (const std::system_error& e) {
    fail(e.what(), false);
  }
}

std::mutex key_mutex;

// libssh's global state is reference counted: every user holds a reference while it works
// (SshServer::stop drops its own with ssh_finalize, which must not pull it from under us).
struct LibsshReference {
  LibsshReference() { ssh_init(); }
  ~LibsshReference() { ssh_finalize(); }
  LibsshReference(const LibsshReference&) = delete;
  LibsshReference& operator=(const LibsshReference&) = delete;
};

// Errors of a remote file operation, by the SFTP status the server sent.
struct Classified {
  std::string text;
  bool retryable;
};
Classified classify_status(int status) {
  switch (status) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH:
      return {"no such file or directory", false};
    case SSH_FX_PERMISSION_DENIED:
      return {"permission denied", false};
    case SSH_FX_WRITE_PROTECT:
      return {"write protected", false};
    case SSH_FX_OP_UNSUPPORTED:
      return {"operation not supported by the server", false};
    case SSH_FX_FILE_ALREADY_EXISTS:
      return {"file already exists", false};
    case SSH_FX_BAD_MESSAGE:
      return {"the server did not understand the request", false};
    case SSH_FX_INVALID_HANDLE:
      return {"invalid handle", true};
    case SSH_FX_NO_MEDIA:
      return {"no media", true};
    case SSH_FX_NO_CONNECTION:
    case SSH_FX_CONNECTION_LOST:
      return {"connection lost", true};
    default:
      // SSH_FX_FAILURE is what OpenSSH sends for most errno values (a full disk among them):
      // worth another attempt.
      return {"the server reported a failure", true};
  }
}

}  // namespace

// Everything libssh, and the watchdog thread that enforces per-request timeouts and stop
// requests: libssh 0.10's blocking SFTP reads loop on a channel read that times out, so a
// silent server would hang them for ever. The watchdog shuts the socket down instead (the
// fd stays open, so it is never reused under libssh), which fails the pending call.
struct SftpClient::State {
  enum Fired { kNone = 0, kTimeout = 1, kStopped = 2 };

  explicit State(SftpClientOptions o) : options(std::move(o)) {
    // Reference counted by libssh (SshServer::stop calls ssh_finalize for its own ssh_init).
    ssh_init();
    watchdog = std::thread([this] { watch(); });
  }
  ~State() {
    // Closing the channel may wait for the server: still under the watchdog's deadline.
    arm();
    sftp.reset();
    {
      // ssh_disconnect closes the socket: its number must not be shut down after that (it
      // may already belong to someone else).
      std::lock_guard<std::mutex> lock(mu);
      fd = -1;
      quit = true;
    }
    if (session) ssh_disconnect(session.get());
    cv.notify_all();
    watchdog.join();
    session.reset();
    ssh_finalize();
  }

  void watch() {
    std::unique_lock<std::mutex> lock(mu);
    while (!quit) {
      cv.wait_for(lock, kWatchInterval);
      if (quit || fd < 0 || fired != kNone) continue;
      if (options.should_stop && options.should_stop()) {
        fired = kStopped;
      } else if (armed && Clock::now() > deadline) {
        fired = kTimeout;
      } else {
        continue;
      }
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  void attach(int socket_fd) {
    std::lock_guard<std::mutex> lock(mu);
    fd = socket_fd;
  }
  void arm() {
    std::lock_guard<std::mutex> lock(mu);
    armed = true;
    deadline = Clock::now() + options.timeout;
  }
  void disarm() {
    std::lock_guard<std::mutex> lock(mu);
    armed = false;
  }
  bool stop_requested() {
    return fired == kStopped || (options.should_stop && options.should_stop());
  }
  // Drops the connection without another word to the server: an open remote file is then
  // never closed, which popgate's server (and others that commit on close) treat as aborted.
  // The socket is shut down rather than ssh_disconnect()ed: ssh_disconnect frees the channels,
  // which the sftp session and its files still point to.
  void drop() {
    std::lock_guard<std::mutex> lock(mu);
    dropped = true;
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

  std::string where() const {
    return options.user + "@" + options.host + ":" + std::to_string(options.port);
  }

  // The exception for a failed libssh or SFTP call `what`.
  [[noreturn]] void failed(const std::string& what) {
    if (fired == kStopped) fail(what + ": stopped", true);
    if (fired == kTimeout)
      fail(what + ": no answer from " + where() + " within " +
               std::to_string(options.timeout.count()) + " ms",
           true);
    const std::string detail = session ? ssh_get_error(session.get()) : "";
    if (!session || !ssh_is_connected(session.get()) || !sftp)
      fail(what + ": " + (detail.empty() ? "connection lost" : detail), true);
    const Classified c = classify_status(sftp_get_error(sftp.get()));
    fail(what + ": " + c.text + (detail.empty() ? "" : " (" + detail + ")"), c.retryable);
  }

  const SftpClientOptions options;
  SessionPtr session;
  SftpPtr sftp;

  std::mutex mu;
  std::condition_variable cv;
  bool quit = false;
  bool armed = false;
  bool dropped = false;
  Clock::time_point deadline;
  int fd = -1;
  std::atomic<int> fired{kNone};
  std::thread watchdog;
};

fs::path ensure_client_key(const fs::path& keys_dir) {
  const LibsshReference libssh;
  std::lock_guard<std::mutex> lock(key_mutex);
  if (keys_dir.empty()) fail("no directory for the appliance SSH key is configured", false);
  const fs::path path = keys_dir / kKeyName;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    ensure_public_file(path, load_private_key(path).get());
    return path;
  }
  if (!fs::exists(keys_dir, ec)) {
    fs::create_directories(keys_dir, ec);
    if (ec) fail("cannot create " + keys_dir.string() + ": " + ec.message(), false);
    fs::permissions(keys_dir, fs::perms::owner_all, ec);
  }
  ssh_key raw = nullptr;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK)
    fail("cannot generate an Ed25519 key", false);
  KeyPtr key(raw);
  char* exported_raw = nullptr;
  if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &exported_raw) != SSH_OK)
    fail("cannot export the appliance SSH key", false);
  SshCharPtr exported(exported_raw);
  // 0600 from the first byte; published only if absent: if another process got there first,
  // its key is the one everybody uses.
  try {
    base::AtomicFile file(path, 0600, base::TempName::unique);
    file.write(exported.get());
    file.commit_if_absent();
  } catch (const std::system_error& e) {
    fail(e.what(), false);
  }
  ensure_public_file(path, load_private_key(path).get());
  return path;
}

std::string client_public_key_line(const fs::path& keys_dir) {
  const fs::path path = ensure_client_key(keys_dir);
  const LibsshReference libssh;
  return public_line(load_private_key(path).get());
}

std::string public_key_fingerprint(std::string_view key_line) {
  const LibsshReference libssh;
  return fingerprint(parse_public_key_line(key_line).get());
}

SftpClient::SftpClient(SftpClientOptions options)
    : state_(std::make_unique<State>(std::move(options))) {
  State& s = *state_;
  const SftpClientOptions& o = s.options;
  const KeyPtr pinned = parse_public_key_line(o.host_key);
  const KeyPtr identity = load_private_key(o.identity);

  s.session.reset(ssh_new());
  if (!s.session) fail("ssh_new failed", true);
  ssh_session session = s.session.get();
  const auto set = [&](ssh_options_e option, const void* value, const char* what) {
    if (ssh_options_set(session, option, value) != SSH_OK)
      fail(std::string("ssh option ") + what + ": " + ssh_get_error(session), false);
  };
  // Our settings only: neither ~/.ssh/config nor /etc/ssh/ssh_config, and no known_hosts
  // (libssh would read them to order the host key algorithms).
  const bool process_config = false;
  set(SSH_OPTIONS_PROCESS_CONFIG, &process_config, "process config");
  set(SSH_OPTIONS_KNOWNHOSTS, "/dev/null", "known hosts");
  set(SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", "global known hosts");
  set(SSH_OPTIONS_HOST, o.host.c_str(), "host");
  const int port = o.port;
  set(SSH_OPTIONS_PORT, &port, "port");
  set(SSH_OPTIONS_USER, o.user.c_str(), "user");
  const long seconds = static_cast<long>(o.timeout.count() / 1000);
  const long microseconds = static_cast<long>(o.timeout.count() % 1000) * 1000;
  set(SSH_OPTIONS_TIMEOUT, &seconds, "timeout");
  set(SSH_OPTIONS_TIMEOUT_USEC, &microseconds, "timeout");
  set(SSH_OPTIONS_KEY_EXCHANGE, kKeyExchange, "key exchange");
  set(SSH_OPTIONS_HOSTKEYS, host_key_algorithms(pinned.get()), "host key algorithms");
  set(SSH_OPTIONS_CIPHERS_C_S, kCiphers, "ciphers");
  set(SSH_OPTIONS_CIPHERS_S_C, kCiphers, "ciphers");
  set(SSH_OPTIONS_HMAC_C_S, kMacs, "macs");
  set(SSH_OPTIONS_HMAC_S_C, kMacs, "macs");
  set(SSH_OPTIONS_COMPRESSION, "no", "compression");
  set(SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, "ssh-ed25519", "public key types");

  if (ssh_connect(session) != SSH_OK) {
    const std::string detail = ssh_get_error(session);
    // No common algorithm will not change by waiting; anything else (refused, timed out,
    // unreachable, unresolvable, reset) may.
    const bool retryable = detail.find("no match for method") == std::string::npos;
    fail("cannot connect to " + s.where() + ": " + detail, retryable);
  }
  s.attach(ssh_get_fd(session));

  ssh_key server_raw = nullptr;
  if (ssh_get_server_publickey(session, &server_raw) != SSH_OK) s.failed("no host key from server");
  const KeyPtr server_key(server_raw);
  server_fingerprint_ = fingerprint(server_key.get());
  if (ssh_key_type(server_key.get()) != ssh_key_type(pinned.get()) ||
      ssh_key_cmp(server_key.get(), pinned.get(), SSH_KEY_CMP_PUBLIC) != 0) {
    fail("host key mismatch for " + s.where() + ": the server presented " +
             type_name(server_key.get()) + " " + server_fingerprint_ + ", the configuration pins " +
             type_name(pinned.get()) + " " + fingerprint(pinned.get()) +
             " (nothing was sent; if the client changed its server key, update push.host_key)",
         false);
  }

  s.arm();
  const int auth = ssh_userauth_publickey(session, nullptr, identity.get());
  s.disarm();
  if (auth == SSH_AUTH_DENIED || auth == SSH_AUTH_PARTIAL) {
    fail("authentication refused by " + s.where() + " for popgate's key " +
             fingerprint(identity.get()) +
             (auth == SSH_AUTH_PARTIAL ? " (more methods required)" : "") +
             ": the client must add popgate's public key to the account",
         false);
  }
  if (auth != SSH_AUTH_SUCCESS) s.failed("authentication with " + s.where());

  s.arm();
  s.sftp.reset(sftp_new(session));
  if (!s.sftp) s.failed("cannot open an SFTP channel to " + s.where());
  if (sftp_init(s.sftp.get()) != SSH_OK) s.failed("cannot start SFTP with " + s.where());
  s.disarm();
}

SftpClient::~SftpClient() = default;

UploadResult SftpClient::upload(const fs::path& local, const std::string& remote_dir,
                                const std::string& name, const UploadOptions& options) {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!s.sftp || s.dropped) fail("SFTP connection to " + s.where() + " is closed", true);
  }
  if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos)
    fail("remote name '" + name + "' must be a plain file name", false);
  const std::string prefix =
      remote_dir.empty() || remote_dir.back() == '/' ? remote_dir : remote_dir + "/";
  const std::string target = prefix + name;
  const std::string written =
      options.via_temporary ? prefix + "." + name + kTemporarySuffix : target;

  base::UniqueFd in(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) file_error("cannot open", local);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) file_error("cannot stat", local);

  // Declared before the guard, so the guard's Drop() comes first and this sftp_close only
  // frees the handle (its CLOSE request fails on the dead socket).
  FilePtr file;
  struct DropUnlessDone {
    State& state;
    bool done = false;
    ~DropUnlessDone() {
      if (!done) state.drop();
    }
  } guard{s};

  s.arm();
  file.reset(sftp_open(s.sftp.get(), written.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640));
  s.disarm();
  if (!file) s.failed("cannot create " + written + " on " + s.where());

  crypto::Sha256 digest;
  std::vector<char> buffer(kChunkBytes);
  std::uint64_t sent = 0;
  for (;;) {
    if (s.stop_requested()) fail("upload of " + target + " to " + s.where() + ": stopped", true);
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) file_error("cannot read", local);
    if (n == 0) break;
    digest.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    s.arm();
    const ssize_t w = sftp_write(file.get(), buffer.data(), static_cast<std::size_t>(n));
    s.disarm();
    if (w != n) s.failed("cannot write " + written + " on " + s.where());
    sent += static_cast<std::uint64_t>(n);
  }
  if (sent != static_cast<std::uint64_t>(st.st_size))
    fail(local.string() + " changed while it was sent", true);
  s.arm();
  if (sftp_extension_supported(s.sftp.get(), "fsync@openssh.com", "1") &&
      sftp_fsync(file.get()) != 0)
    s.failed("cannot sync " + written + " on " + s.where());
  const int closed = sftp_close(file.release());
  s.disarm();
  if (closed != SSH_NO_ERROR) s.failed("cannot close " + written + " on " + s.where());

  s.arm();
  AttributesPtr attributes(sftp_stat(s.sftp.get(), written.c_str()));
  s.disarm();
  if (!attributes) s.failed("cannot stat " + written + " on " + s.where());
  if ((attributes->flags & SSH_FILEXFER_ATTR_SIZE) == 0 || attributes->size != sent)
    fail(written + " on " + s.where() + " has " + std::to_string(attributes->size) +
             " bytes after the upload, not " + std::to_string(sent),
         true);

  if (options.via_temporary) {
    // libssh 0.10 has no call for posix-rename@openssh.com, and a plain SSH_FXP_RENAME
    // refuses an existing target: remove the old file first. A crash in between leaves no
    // target and the complete temporary file; the re-run uploads and renames again.
    s.arm();
    if (sftp_unlink(s.sftp.get(), target.c_str()) != SSH_NO_ERROR &&
        sftp_get_error(s.sftp.get()) != SSH_FX_NO_SUCH_FILE)
      s.failed("cannot replace " + target + " on " + s.where());
    if (sftp_rename(s.sftp.get(), written.c_str(), target.c_str()) != SSH_NO_ERROR)
      s.failed("cannot rename " + written + " to " + target + " on " + s.where());
    s.disarm();
  }
  guard.done = true;
  return UploadResult{target, sent, digest.finish_hex()};
}

}  // namespace popgate::sftp
