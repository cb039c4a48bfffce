#include "adapters/sftp/ssh_login.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/sftp/libssh_common.h"
#include "base/ip_network.h"
#include "base/strings.h"

namespace popgate::sftp {

namespace {

struct ChannelDeleter {
  void operator()(ssh_channel_struct* channel) const { ssh_channel_free(channel); }
};
struct EventDeleter {
  void operator()(ssh_event_struct* event) const { ssh_event_free(event); }
};
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;
using EventPtr = std::unique_ptr<ssh_event_struct, EventDeleter>;

// How long one poll of the session waits: how soon a login notices stop() and its timeout.
constexpr int kPollMillis = 200;
// How long a session, once we closed its channel, waits for the client to disconnect.
constexpr int kGoodbyeMillis = 3000;

}  // namespace

// What the callbacks of one session share with its thread. Lives as long as its SshLogin.
struct SshLoginState {
  SshLoginContext context;
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

  void log(const std::string& line) const {
    if (context.log) context.log(line);
  }
  void log_once(const std::string& line) {
    if (logged.insert(line).second) log(line);
  }
};

namespace {

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

// The checks every authentication attempt goes through before its credentials: attempts
// left, the ban list, the user, the source address. The account when they pass.
std::optional<ClientAccount> pre_auth(SshLoginState* s, const std::string& user) {
  const std::string refused =
      "login refused: user " + base::quoted(user) + " from " + s->peer + ": ";
  if (s->give_up) return std::nullopt;
  if (s->failures >= s->context.max_auth_attempts) {
    s->log_once(refused + "too many authentication attempts");
    s->give_up = true;
    return std::nullopt;
  }
  if (s->context.defender && s->context.defender->is_banned(s->peer)) {
    s->log_once(refused + "address banned");
    s->give_up = true;
    return std::nullopt;
  }
  std::optional<ClientAccount> account;
  try {
    account = s->context.account(user);
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
  auto* s = static_cast<SshLoginState*>(userdata);
  const std::string user(user_text);
  std::optional<ClientAccount> account = pre_auth(s, user);
  if (!account) return SSH_AUTH_DENIED;
  if (!key_listed(account->authorized_keys, key)) {
    // Clients offer each of their keys in turn; only the probe of an unlisted key gets here.
    s->log("login refused: user " + base::quoted(user) + " from " + s->peer + ": key " +
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
  s->log("login refused: user " + base::quoted(user) + " from " + s->peer + ": bad signature");
  ++s->failures;
  return SSH_AUTH_DENIED;
}

// Password logins are not offered, but scanners try them anyway: count them as failures and
// note unknown users, so that the defender sees them.
int on_auth_password(ssh_session, const char* user_text, const char*, void* userdata) {
  auto* s = static_cast<SshLoginState*>(userdata);
  const std::string user(user_text);
  if (pre_auth(s, user)) {
    s->log_once("login refused: user " + base::quoted(user) + " from " + s->peer +
                ": password authentication is not supported");
    ++s->failures;
  }
  return SSH_AUTH_DENIED;
}

// What a client over its max_sessions is told, on the channel's stderr after its subsystem
// request was granted, so that OpenSSH's sftp, psftp and WinSCP show it: a channel-open
// failure carries no text in libssh, a refused subsystem request makes OpenSSH's ssh exit
// before it prints what came on stderr, and a DISCONNECT message arrives after it gave up.
std::string session_limit_message(const SshLoginState& s) {
  return "popgate: too many sessions: client " + s.user + " has its " +
         std::to_string(s.account->max_sessions) +
         " sessions (max_sessions) open; try again when one has ended\n";
}

int on_subsystem(ssh_session, ssh_channel channel, const char* subsystem, void* userdata) {
  auto* s = static_cast<SshLoginState*>(userdata);
  if (channel == s->channel.get() && std::string_view(subsystem) == "sftp" && !s->sftp &&
      !s->limit_hit) {
    // Over the limit, the request is granted all the same, so that the client hears why the
    // session then ends at once (see session_limit_message).
    if (!s->session_taken &&
        !s->context.acquire_client_session(s->user, s->account->max_sessions)) {
      s->limit_hit = true;
      return 0;
    }
    s->session_taken = true;
    s->sftp = true;
    return 0;
  }
  s->log("refused subsystem " + base::quoted(subsystem) + " for " + s->user + " from " + s->peer);
  return 1;
}

int on_pty(ssh_session, ssh_channel, const char*, int, int, int, int, void* userdata) {
  auto* s = static_cast<SshLoginState*>(userdata);
  s->log("refused pty for " + s->user + " from " + s->peer);
  return -1;
}

int on_shell(ssh_session, ssh_channel, void* userdata) {
  auto* s = static_cast<SshLoginState*>(userdata);
  s->log("refused shell for " + s->user + " from " + s->peer);
  return 1;
}

int on_exec(ssh_session, ssh_channel, const char*, void* userdata) {
  auto* s = static_cast<SshLoginState*>(userdata);
  s->log("refused exec for " + s->user + " from " + s->peer);
  return 1;
}

ssh_channel on_channel_open(ssh_session session, void* userdata) {
  auto* s = static_cast<SshLoginState*>(userdata);
  // One session channel per connection: SFTP needs no more, and more would need threads.
  if (!s->authenticated || s->channel) return nullptr;
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

SshLogin::SshLogin(ssh_session session, std::string peer, SshLoginContext context)
    : session_(session), state_(std::make_unique<SshLoginState>()) {
  SshLoginState& s = *state_;
  s.context = std::move(context);
  s.peer = std::move(peer);
  ssh_callbacks_init(&s.server_callbacks);
  s.server_callbacks.userdata = &s;
  s.server_callbacks.auth_pubkey_function = on_auth_pubkey;
  s.server_callbacks.auth_password_function = on_auth_password;
  s.server_callbacks.channel_open_request_session_function = on_channel_open;
  ssh_set_server_callbacks(session_, &s.server_callbacks);
  ssh_set_auth_methods(session_, SSH_AUTH_METHOD_PUBLICKEY);
}

SshLogin::~SshLogin() {
  if (state_->session_taken) state_->context.release_client_session(state_->user);
}

int SshLogin::refused_attempts() const {
  return state_->failures;
}

const std::string& SshLogin::user() const {
  return state_->user;
}
const ClientAccount& SshLogin::account() const {
  return *state_->account;
}
const std::string& SshLogin::key() const {
  return state_->key;
}
ssh_channel SshLogin::channel() const {
  return state_->channel.get();
}

bool SshLogin::run(const std::atomic<bool>& stopping) {
  if (ssh_handle_key_exchange(session_) != SSH_OK) {
    state_->log("ssh key exchange failed from " + state_->peer + ": " + ssh_get_error(session_));
    return false;
  }
  const std::optional<std::string> failure = poll_until_sftp(stopping);
  return failure && conclude(*failure);
}

std::optional<std::string> SshLogin::poll_until_sftp(const std::atomic<bool>& stopping) {
  const SshLoginState& s = *state_;
  EventPtr event(ssh_event_new());
  if (!event || ssh_event_add_session(event.get(), session_) != SSH_OK) return std::nullopt;
  std::string failure = "disconnected";
  const auto deadline = std::chrono::steady_clock::now() + s.context.login_timeout;
  while (!s.sftp && !s.give_up && !s.limit_hit) {
    if (stopping) {
      failure = "server stopping";
      break;
    }
    if (ssh_event_dopoll(event.get(), kPollMillis) == SSH_ERROR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      failure = "login timeout";
      break;
    }
  }
  ssh_event_remove_session(event.get(), session_);
  return failure;
}

bool SshLogin::conclude(const std::string& failure) {
  const SshLoginState& s = *state_;
  if (s.limit_hit) {
    // The client authenticated: it is told why and never scored, so that a client that opens
    // more parallel sessions than it may does not ban its own address.
    s.log("session refused: user " + base::quoted(s.user) + " from " + s.peer + ": its " +
          std::to_string(s.account->max_sessions) + " sessions (max_sessions) are open");
    std::string message = session_limit_message(s);
    ssh_channel_write_stderr(s.channel.get(), message.data(),
                             static_cast<uint32_t>(message.size()));
    message.pop_back();  // the newline
    ssh_session_set_disconnect_message(session_, message.c_str());
    return false;
  }
  if (s.sftp) return true;
  if (s.authenticated) {
    s.log("session not started: user \"" + s.user + "\" from " + s.peer + ": " + failure);
    return false;
  }
  const std::string reason = s.give_up ? "too many attempts or banned" : failure;
  s.log("login failed from " + s.peer + ": " + reason);
  // An authentication that never completed counts, once per connection: the client had its
  // key exchange, so this is no mere port probe.
  if (reason != "server stopping")
    score_and_log_ban(s.context.defender.get(), s.peer,
                      s.unknown_user ? DefenderEvent::invalid_user : DefenderEvent::invalid_auth,
                      s.context.log);
  return false;
}

void SshLogin::disconnect(std::optional<int> exit_status) {
  // The channel goes before the session that owns it.
  if (state_->channel) {
    ssh_channel channel = state_->channel.get();
    if (exit_status && ssh_channel_is_open(channel))
      ssh_channel_request_send_exit_status(channel, *exit_status);
    ssh_channel_send_eof(channel);
    ssh_channel_close(channel);
    await_client_goodbye();
    state_->channel.reset();
  }
  ssh_disconnect(session_);
}

// After our CLOSE, OpenSSH's client, PuTTY and libssh2 answer with their CLOSE and then end the
// connection themselves (SSH_MSG_DISCONNECT, or just a FIN). Closing the socket before that
// made 9 of 20 psftp sessions fail with "Remote side unexpectedly closed network connection"
// or "Connection reset by peer" (our close, with the client's last packets unread, sends a
// RST). So the client gets kGoodbyeMillis to go first, as sshd waits for it; a client that
// stays is disconnected after that.
void SshLogin::await_client_goodbye() {
  EventPtr event(ssh_event_new());
  if (!event || ssh_event_add_session(event.get(), session_) != SSH_OK) return;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kGoodbyeMillis);
  while (ssh_is_connected(session_) && std::chrono::steady_clock::now() < deadline) {
    if (ssh_event_dopoll(event.get(), kPollMillis) == SSH_ERROR) break;
  }
  ssh_event_remove_session(event.get(), session_);
}

}  // namespace popgate::sftp
