// The login of one SSH connection, run in its session thread: key exchange, public-key
// authentication against the client's ClientAccount, and the one session channel that asks
// for the "sftp" subsystem. Everything else a client may ask for (passwords, a pty, a shell,
// exec, other subsystems, a second channel) is refused and logged.
//
// A login that does not end in an SFTP channel is logged once with its reason, and scored with
// the defender when the client had its key exchange but did not authenticate (a connection
// that never finished key exchange is not scored: a load balancer's TCP check looks the same).
// A client whose max_sessions are all open is refused with a message saying so, and never
// scored: it authenticated. Internal to adapters/sftp.
#ifndef POPGATE_ADAPTERS_SFTP_SSH_LOGIN_H_
#define POPGATE_ADAPTERS_SFTP_SSH_LOGIN_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/sftp/client_account.h"
#include "adapters/sftp/defender.h"

// libssh's handle types, declared here so that this header does not pull in libssh.
struct ssh_session_struct;
struct ssh_channel_struct;

namespace popgate::sftp {

struct SshLoginState;  // what the libssh callbacks share, in the .cpp

// What a login needs from its server. Called from the session's thread only, but every
// session's thread calls them: each must be thread-safe.
struct SshLoginContext {
  // The client `user`, or nullopt for an unknown or disabled one; once per authentication
  // attempt. May throw: the attempt is refused and logged.
  std::function<std::optional<ClientAccount>(const std::string& user)> account;
  // Checked before each attempt and told of failed logins; null = no defender.
  std::shared_ptr<Defender> defender;
  // Key exchange and authentication must finish within this.
  std::chrono::seconds login_timeout{60};
  // Attempts allowed per connection (passwords included); later ones are not heard.
  int max_auth_attempts = 6;
  // Takes one of `user`'s sessions if fewer than `max` (0 = unlimited) are open.
  std::function<bool(const std::string& user, std::size_t max)> acquire_client_session;
  // Gives back a session that acquire_client_session took.
  std::function<void(const std::string& user)> release_client_session;
  std::function<void(const std::string& line)> log;
};

class SshLogin {
 public:
  // Installs the server and channel callbacks on `session` (accepted, key exchange not yet
  // done); `peer` is the client's address as logged and scored. libssh calls back into this
  // object whenever the session is polled, during SFTP too: it must outlive every use of the
  // session, and cannot be copied or moved.
  SshLogin(ssh_session_struct* session, std::string peer, SshLoginContext context);
  // Gives back the client's session (see SshLoginContext::acquire_client_session) if the
  // login took one.
  ~SshLogin();

  SshLogin(const SshLogin&) = delete;
  SshLogin& operator=(const SshLogin&) = delete;

  // Runs key exchange and authentication until the client's channel asks for "sftp": true
  // then, and user(), account(), key() and channel() describe the login. False when the login
  // failed, timed out or `stopping` was set: logged and scored already (only a session that
  // libssh cannot poll at all ends without a word).
  bool run(const std::atomic<bool>& stopping);

  // Authentication attempts refused so far (keys not authorized, bad signatures, passwords,
  // unknown users).
  int refused_attempts() const;

  // Valid after run() returned true.
  const std::string& user() const;
  const ClientAccount& account() const;
  const std::string& key() const;  // the key that logged in: "ssh-ed25519 SHA256:..."
  ssh_channel_struct* channel() const;

  // Ends the session as OpenSSH's sshd does: the channel's exit-status (when given), EOF and
  // CLOSE; then the client has a few seconds to close the channel and the connection itself;
  // then the session is disconnected. How every session ends, logged in or not, unless an
  // exception ended it first.
  void disconnect(std::optional<int> exit_status = std::nullopt);

 private:
  // Polls the session until the login ends one way or another. The failure to log if it did
  // not end in an SFTP channel ("disconnected", "login timeout", "server stopping"), or
  // nullopt when the session could not be polled at all.
  std::optional<std::string> poll_until_sftp(const std::atomic<bool>& stopping);
  // True if the login ended in an SFTP channel; otherwise logs why not, and scores it.
  bool conclude(const std::string& failure);
  // Polls the session until the client has disconnected, or a few seconds have passed.
  void await_client_goodbye();

  ssh_session_struct* session_;
  std::unique_ptr<SshLoginState> state_;
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_SSH_LOGIN_H_
