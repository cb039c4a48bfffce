// The daemon's SFTP exchange: popgate's SSH server with clients/*.yaml as its accounts, and
// completed uploads turned into jobs of the workflows whose upload trigger matches.
//
// Accounts, limits and upload triggers are read from the daemon's LiveConfig as installed
// last, so a reload applies to the next login and the next upload; sessions already open keep
// running. A completed upload is acknowledged to
// the client (the reply to its CLOSE) only after its jobs are durably queued: if popgate dies
// in between, the client sees a failed upload and sends it again, so no upload is lost.
#ifndef POPGATE_DAEMON_SFTP_SERVICE_H_
#define POPGATE_DAEMON_SFTP_SERVICE_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "workflows/config/lint.h"

namespace popgate::workflows {
class Engine;
}
namespace popgate::sftp {
class SshServer;
class Defender;
struct ClientAccount;
}  // namespace popgate::sftp

namespace popgate::daemon {

class LiveConfig;

// What the SFTP service is doing and has done since the daemon started, for metrics, STATUS
// and readiness.
struct SftpActivity {
  bool listening = false;
  std::uint64_t sessions = 0;  // connections being served now
  std::uint64_t logins = 0;
  std::uint64_t failed_logins = 0;
  std::uint64_t bytes_up = 0;  // of ended sessions
  std::uint64_t bytes_down = 0;
  std::uint64_t bans_made = 0;
  std::uint64_t banned_addresses = 0;  // banned now
};

class SftpService {
 public:
  // `live` and `engine` must outlive the service.
  SftpService(std::filesystem::path data_dir, const LiveConfig& live, workflows::Engine& engine);
  ~SftpService();
  SftpService(const SftpService&) = delete;
  SftpService& operator=(const SftpService&) = delete;

  // Creates each active client's exchange/<id>/{inbox,outbox} that does not exist yet. Call
  // before `config` is installed, so that a new client never logs in to a missing root.
  void prepare_clients(const workflows::ConfigSet& config) const;
  // Removes upload leftovers of an earlier run, then listens. Throws std::runtime_error when
  // the server cannot start (port taken, unreadable host key).
  void start();
  void stop();
  // Called (from a session's thread) when a client has downloaded a file whole; set before
  // start(). path is relative to the client's root ("outbox/x").
  void on_download(
      std::function<void(const std::string& client, const std::string& path)> callback) {
    on_download_ = std::move(callback);
  }
  // The port listened on; valid after start().
  std::uint16_t port() const;
  // Follows the SFTP bans an operator lifted since the last call (popgate bans unban).
  void apply_ban_lifts();
  SftpActivity activity() const;

  std::filesystem::path client_root(const std::string& client) const;

 private:
  // The SFTP account of an active client, from the configuration installed last.
  std::optional<sftp::ClientAccount> account(const std::string& user) const;
  std::shared_ptr<sftp::Defender> make_defender(const workflows::DefenderConfig& config) const;
  void on_upload(const std::string& client, const std::string& path, std::uint64_t size,
                 const std::string& sha256);

  const std::filesystem::path data_dir_;
  const LiveConfig& live_;
  workflows::Engine& engine_;
  std::unique_ptr<sftp::SshServer> server_;
  std::shared_ptr<sftp::Defender> defender_;  // null when disabled
  std::function<void(const std::string&, const std::string&)> on_download_;
};

// Deletes the temporary files of uploads that a crash or kill interrupted (".<name>.*.part"
// under exchange/<client>/inbox). Returns how many. Call only while no session runs.
int remove_interrupted_uploads(const std::filesystem::path& exchange_dir);

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_SFTP_SERVICE_H_
