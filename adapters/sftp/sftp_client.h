// popgate as an SFTP client: pushes result files to a client's own SFTP server (libssh 0.10).
//
// The server is trusted only if its host key is exactly the key pinned in the client's
// configuration (no known_hosts, no ~/.ssh/config, no agent); popgate logs in with its own
// Ed25519 key, which operators hand to the client as a public key line. An upload is atomic
// for the reader: the data goes to "<dir>/.<name>.popgate-part", its size is checked, then it
// is renamed over "<dir>/<name>", so a re-run replaces the same file.
//
// Threads: one SftpClient per thread at a time (a libssh session is single-threaded).
#ifndef POPGATE_ADAPTERS_SFTP_SFTP_CLIENT_H_
#define POPGATE_ADAPTERS_SFTP_SFTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace popgate::sftp {

// Every failure of the client. `retryable`: trying again later may succeed (connection
// refused, timeouts, a dropped connection, a full disk); otherwise an operator or the client
// must change something first (host key mismatch, authentication refused, permission denied,
// no such directory).
class SftpClientError : public std::runtime_error {
 public:
  SftpClientError(const std::string& message, bool retryable)
      : std::runtime_error(message), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

// The appliance's own client key: `keys_dir`/ssh_client_ed25519_key (mode 0600) with
// ssh_client_ed25519_key.pub beside it. Created on first use (temporary file, then a link
// under the real name, so concurrent first uses agree on one key). Returns the private key's
// path. Throws SftpClientError (not retryable) when it cannot be read or created.
std::filesystem::path ensure_client_key(const std::filesystem::path& keys_dir);

// The appliance key's OpenSSH public key line ("ssh-ed25519 AAAA... popgate"), created if
// missing: what operators give to clients for their authorized_keys.
std::string client_public_key_line(const std::filesystem::path& keys_dir);

// "SHA256:..." of an OpenSSH public key line; throws SftpClientError (not retryable) when the
// line does not parse.
std::string public_key_fingerprint(std::string_view key_line);

struct SftpClientOptions {
  std::string host;
  std::uint16_t port = 22;
  std::string user;
  // The server's pinned OpenSSH public key line: "ssh-ed25519 AAAA... [comment]".
  std::string host_key;
  // The appliance's private key (see ensure_client_key).
  std::filesystem::path identity;
  // Connecting (TCP, key exchange, authentication) and then each SFTP request.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Polled between chunks and, from a watchdog thread, every 100 ms while connected (so it
  // must be thread-safe, e.g. read an atomic): true aborts the current operation with a
  // retryable SftpClientError. Not consulted during ssh_connect (bounded by `timeout`).
  std::function<bool()> should_stop;
};

struct UploadOptions {
  // true: write "<dir>/.<name>.popgate-part", then rename it over "<dir>/<name>". false:
  // write "<dir>/<name>" directly, for servers that reserve hidden names and make every
  // upload atomic themselves (popgate's own SFTP server does both).
  bool via_temporary = true;
};

struct UploadResult {
  std::string remote_path;  // "<dir>/<name>" as sent to the server
  std::uint64_t bytes = 0;
  std::string sha256;  // of the bytes sent, lowercase hex
};

class SftpClient {
 public:
  // Connects, checks the host key against the pinned one, authenticates and starts SFTP.
  // Throws SftpClientError.
  explicit SftpClient(SftpClientOptions options);
  ~SftpClient();
  SftpClient(const SftpClient&) = delete;
  SftpClient& operator=(const SftpClient&) = delete;

  // Uploads `local` as `remote_dir`/`name` (`remote_dir` empty: the login directory; `name`
  // a plain file name). On failure or stop the connection is dropped without closing the
  // remote file, so a server that commits uploads on close (popgate's) never commits a
  // partial one; the client is then unusable. Throws SftpClientError.
  UploadResult upload(const std::filesystem::path& local, const std::string& remote_dir,
                      const std::string& name, const UploadOptions& options = {});

  // The server's host key fingerprint ("SHA256:..."), for log lines.
  const std::string& server_fingerprint() const { return server_fingerprint_; }

  // Bytes per SFTP write request. libssh 0.10's sftp_write sends all it is given as one
  // SSH_FXP_WRITE (no splitting, no limits@openssh.com) and waits for its status, so the
  // chunk must fit every server's packet limit: OpenSSH's sftp-server takes messages up to
  // 256 KiB, popgate's 255 KiB of data; 64 KiB is the common safe size.
  static constexpr std::size_t kChunkBytes = 64 * 1024;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::string server_fingerprint_;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SFTP_CLIENT_H_
