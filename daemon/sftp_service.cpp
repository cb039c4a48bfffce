#include "daemon/sftp_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "adapters/crypto/sha256.h"
#include "adapters/sftp/client_fs_error.h"
#include "adapters/sftp/defender.h"
#include "adapters/sftp/ssh_server.h"
#include "adapters/store/sqlite_ban_store.h"
#include "base/atomic_file.h"
#include "base/unique_fd.h"
#include "daemon/live_config.h"
#include "daemon/log.h"
#include "workflows/engine/engine.h"
#include "workflows/engine/job_intake.h"
#include "workflows/engine/upload_router.h"

namespace popgate::daemon {
namespace {

namespace fs = std::filesystem;

// Where a job's input is kept: a copy of the uploaded file, so that the job reads what was
// uploaded even if the client replaces or deletes the file in its inbox while the job runs. A
// hard link would cost nothing, but the SFTP file system refuses to serve files with more than
// one link (that is how it keeps planted links out), so the client would lose its own file.
fs::path input_snapshot(const fs::path& data_dir, const std::string& key, const std::string& path) {
  return data_dir / "inputs" / key.substr(0, 24) / fs::path(path).filename();
}

struct UploadedFile {
  base::UniqueFd fd;
  struct stat info {};
};

// Opens the upload under its final name without following links, and checks that it is still
// the file just completed (same size): a concurrent upload to the same name may have replaced
// it, and that upload reports itself. The session's CLOSE is still waiting for us, so this
// client's own next upload cannot have replaced it.
std::optional<UploadedFile> open_completed(const fs::path& file, std::uint64_t size) {
  UploadedFile uploaded;
  uploaded.fd = base::UniqueFd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!uploaded.fd.valid()) return std::nullopt;
  if (::fstat(uploaded.fd.get(), &uploaded.info) != 0 || !S_ISREG(uploaded.info.st_mode) ||
      static_cast<std::uint64_t>(uploaded.info.st_size) != size)
    return std::nullopt;
  return uploaded;
}

// Copies the open file to `target` (in-kernel; file systems that can share extents do so),
// durably and atomically. An existing target is the same snapshot from an earlier event.
void copy_snapshot(const UploadedFile& file, const fs::path& target) {
  if (fs::exists(target)) return;
  fs::create_directories(target.parent_path());
  base::AtomicFile out(target);
  out.copy_from(file.fd.get(), target, static_cast<std::uint64_t>(file.info.st_size));
  out.commit();
}

workflows::CompletedUpload completed_upload(const std::string& client, const fs::path& client_root,
                                            const std::string& path, const std::string& sha256,
                                            const UploadedFile& file) {
  workflows::CompletedUpload upload;
  upload.client = client;
  upload.client_root = client_root;
  upload.path = path;
  upload.sha256 = sha256;
  upload.inode = file.info.st_ino;
  upload.mtime_seconds = file.info.st_mtim.tv_sec;
  upload.mtime_nanoseconds = file.info.st_mtim.tv_nsec;
  return upload;
}

bool is_interrupted_upload(const fs::path& file) {
  const std::string name = file.filename().string();
  return name.size() > 6 && name.front() == '.' && name.ends_with(".part");
}

// The SFTP settings that apply to the next connection after a reload.
sftp::SessionLimits session_limits(const workflows::SftpServerConfig& server) {
  sftp::SessionLimits limits;
  limits.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(server.idle_timeout);
  limits.login_timeout = std::chrono::duration_cast<std::chrono::seconds>(server.login_timeout);
  limits.max_sessions = static_cast<std::size_t>(server.max_sessions);
  limits.max_sessions_per_address = static_cast<std::size_t>(server.max_sessions_per_address);
  return limits;
}

}  // namespace

int remove_interrupted_uploads(const fs::path& exchange_dir) {
  int removed = 0;
  std::error_code ec;
  for (const fs::directory_entry& client : fs::directory_iterator(exchange_dir, ec)) {
    const fs::path inbox = client.path() / "inbox";
    if (!fs::is_directory(fs::symlink_status(inbox))) continue;
    for (auto it = fs::recursive_directory_iterator(inbox, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && !it->is_symlink(ec) && is_interrupted_upload(it->path())) {
        if (fs::remove(it->path(), ec)) ++removed;
      }
    }
  }
  return removed;
}

SftpService::SftpService(fs::path data_dir, const LiveConfig& live, workflows::Engine& engine)
    : data_dir_(std::move(data_dir)), live_(live), engine_(engine) {}

SftpService::~SftpService() {
  stop();
}

fs::path SftpService::client_root(const std::string& client) const {
  return data_dir_ / "exchange" / client;
}

namespace {

// The directories clients upload into: inbox/, and each upload trigger's own directory below
// it ("inbox/extraction" of "inbox/extraction/*"), when that part has no wildcard.
std::vector<std::string> upload_directories(const workflows::ConfigSet& config) {
  std::vector<std::string> dirs = {"inbox", "outbox"};
  for (const workflows::Workflow& w : config.workflows) {
    const auto* upload = std::get_if<workflows::UploadTrigger>(&w.trigger);
    if (upload == nullptr) continue;
    const std::size_t slash = upload->path_glob.rfind('/');
    if (slash == std::string::npos) continue;
    const std::string dir = upload->path_glob.substr(0, slash);
    if (dir.find_first_of("*?[\\") != std::string::npos) continue;
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  return dirs;
}

}  // namespace

void SftpService::prepare_clients(const workflows::ConfigSet& config) const {
  const std::vector<std::string> areas = upload_directories(config);
  for (const workflows::ClientConfig& client : config.clients) {
    if (client.disabled) continue;
    for (const std::string& area : areas) {
      const fs::path dir = client_root(client.id) / area;
      if (fs::exists(dir)) continue;
      fs::create_directories(dir);
      fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    }
  }
}

void SftpService::start() {
  const workflows::DaemonConfig settings =
      live_.snapshot()->config.daemon.value_or(workflows::DaemonConfig{});
  const int removed = remove_interrupted_uploads(data_dir_ / "exchange");
  if (removed > 0) {
    log_info("sftp: removed " + std::to_string(removed) + " interrupted uploads of an earlier run");
  }

  sftp::SshServerOptions options;
  options.bind_address = settings.sftp.address;
  options.port = static_cast<std::uint16_t>(settings.sftp.port);
  options.host_key_dir = data_dir_ / "keys";
  options.limits = session_limits(settings.sftp_server);
  options.current_limits = [this] {
    return session_limits(
        live_.snapshot()->config.daemon.value_or(workflows::DaemonConfig{}).sftp_server);
  };
  options.account = [this](const std::string& user) { return account(user); };
  defender_ = make_defender(settings.sftp_server.defender);
  options.defender = defender_;
  options.on_upload_complete = [this](const std::string& user, const std::string& path,
                                      std::uint64_t size, const std::string& sha256) {
    on_upload(user, path, size, sha256);
  };
  options.on_download_complete = [this](const std::string& user, const std::string& path) {
    if (on_download_) on_download_(user, path);
  };
  options.log = [](const std::string& line) { log_info("sftp: " + line); };
  options.client_log = [](const std::string& client, const std::string& line) {
    log(LogLevel::info, LogFields{{}, client}, "sftp: " + line);
  };
  server_ = std::make_unique<sftp::SshServer>(std::move(options));
  server_->start();
}

std::optional<sftp::ClientAccount> SftpService::account(const std::string& user) const {
  const std::shared_ptr<const ConfigSnapshot> now = live_.snapshot();
  const workflows::ClientConfig* client = now->config.client(user);
  if (client == nullptr || client->disabled) return std::nullopt;
  const workflows::SftpServerConfig server =
      now->config.daemon.value_or(workflows::DaemonConfig{}).sftp_server;
  sftp::ClientAccount account;
  account.authorized_keys = client->ssh_keys;
  account.allowed_networks = client->sftp.allowed_addresses;
  account.root = client_root(user);
  account.limits.max_file_size = client->sftp.max_file_size.value_or(server.max_file_size);
  account.limits.quota_bytes = client->sftp.quota.value_or(server.quota);
  account.limits.min_free_bytes = server.min_free_space;
  account.max_sessions =
      static_cast<std::size_t>(client->sftp.max_sessions.value_or(server.max_sessions_per_client));
  account.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(
      client->sftp.idle_timeout.value_or(server.idle_timeout));
  return account;
}

std::shared_ptr<sftp::Defender> SftpService::make_defender(
    const workflows::DefenderConfig& config) const {
  if (!config.enabled) {
    log(LogLevel::warning, {}, "sftp: the defender is disabled: failed logins are not banned");
    return nullptr;
  }
  sftp::DefenderOptions options;
  options.threshold = config.threshold;
  options.score_invalid_user = config.score_invalid_user;
  options.score_invalid_auth = config.score_invalid_auth;
  options.score_protocol_error = config.score_protocol_error;
  options.observation_time =
      std::chrono::duration_cast<std::chrono::seconds>(config.observation_time);
  options.ban_time = std::chrono::duration_cast<std::chrono::seconds>(config.ban_time);
  options.ban_time_increment_percent = config.ban_time_increment_percent;
  options.safelist = config.safelist;
  options.log = [](const std::string& line) { log(LogLevel::warning, {}, "sftp: " + line); };
  // Bans live in state.db, so that a restart does not pardon an attacker.
  auto bans = std::make_shared<store::SqliteBanStore>((data_dir_ / "state.db").string());
  return std::make_shared<sftp::Defender>(std::move(options), std::move(bans));
}

void SftpService::stop() {
  if (server_) server_->stop();
  server_.reset();
}

void SftpService::apply_ban_lifts() {
  if (defender_) defender_->apply_lifts();
}

SftpActivity SftpService::activity() const {
  SftpActivity activity;
  if (server_) {
    activity.listening = server_->port() != 0;
    activity.sessions = server_->active_sessions();
    const sftp::SshServerStats stats = server_->stats();
    activity.logins = stats.logins;
    activity.failed_logins = stats.failed_logins;
    activity.bytes_up = stats.bytes_up;
    activity.bytes_down = stats.bytes_down;
  }
  if (defender_) {
    activity.bans_made = defender_->bans_made();
    activity.banned_addresses = defender_->bans().size();
  }
  return activity;
}

std::uint16_t SftpService::port() const {
  return server_ ? server_->port() : 0;
}

void SftpService::on_upload(const std::string& client, const std::string& path, std::uint64_t size,
                            const std::string& sha256) {
  const std::shared_ptr<const ConfigSnapshot> now = live_.snapshot();
  const std::vector<const workflows::Workflow*> matches =
      workflows::workflows_for_upload(now->config.workflows, path);
  if (matches.empty()) {
    log_info("sftp: " + client + ": " + path + " (sha256 " + sha256 +
             ") matches no workflow's upload trigger; it stays in the inbox");
    return;
  }
  const std::optional<UploadedFile> file = open_completed(client_root(client) / path, size);
  if (!file) {
    log_info("sftp: " + client + ": " + path +
             " was replaced before it was queued; the newer upload is queued instead");
    return;
  }
  const workflows::CompletedUpload upload =
      completed_upload(client, client_root(client), path, sha256, *file);
  const std::string key = workflows::upload_key(upload, crypto::sha256_hex);
  try {
    const fs::path input = input_snapshot(data_dir_, key, path);
    copy_snapshot(*file, input);
    for (const workflows::Workflow* w : matches) {
      engine_.submit(workflows::job_for_upload(*w, upload, input, crypto::sha256_hex),
                     [&](const workflows::SubmitResult& submitted) {
                       log(LogLevel::info, LogFields{submitted.job.id, client},
                           std::string(submitted.created ? "submitted" : "already submitted") +
                               ": " + w->name + " for " + client + " on upload " + path + " (" +
                               std::to_string(size) + " bytes, sha256 " + sha256 + ")");
                     });
    }
  } catch (const std::exception& e) {
    log_error("sftp: " + client + ": " + path + " could not be queued: " + e.what());
    // The client's CLOSE fails: it knows to upload again.
    throw sftp::FsException(sftp::Status::failure,
                            "the file was received but could not be queued for processing; "
                            "upload it again");
  }
}

}  // namespace popgate::daemon
