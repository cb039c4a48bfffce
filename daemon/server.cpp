#include "daemon/server.h"

#include <fcntl.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "adapters/crypto/exchange_identity.h"
#include "adapters/crypto/sha256.h"
#include "adapters/store/audit_log.h"
#include "adapters/store/sqlite_delivery_store.h"
#include "adapters/store/sqlite_job_store.h"
#include "base/atomic_file.h"
#include "base/time_text.h"
#include "base/unique_fd.h"
#include "daemon/audit_setup.h"
#include "daemon/config_checks.h"
#include "daemon/data_dir_lock.h"
#include "daemon/job_status.h"
#include "daemon/log.h"
#include "daemon/retention.h"
#include "daemon/sftp_service.h"
#include "registry/date.h"
#include "steps/builtin_steps.h"
#include "workflows/config/diagnostics.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/engine/engine.h"
#include "workflows/engine/job_intake.h"

namespace popgate::daemon {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

std::string summary(const workflows::ConfigSet& config) {
  return std::to_string(config.workflows.size()) + " workflows, " +
         std::to_string(config.clients.size()) + " clients, " +
         std::to_string(config.permits.size()) + " permits";
}

// The scheduler remembers the last instant it looked at, so that a restart neither repeats
// nor loses a firing. Published atomically: a crash leaves the old value or the new one.
class TickFile {
 public:
  explicit TickFile(fs::path path) : path_(std::move(path)) {}

  std::optional<Clock::time_point> read() const {
    std::ifstream in(path_);
    long long seconds = 0;
    if (!(in >> seconds)) return std::nullopt;
    return Clock::time_point(std::chrono::seconds(seconds));
  }

  void write(Clock::time_point t) const {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
    try {
      base::write_file_atomically(path_, std::to_string(seconds.count()) + "\n");
    } catch (const std::system_error& e) {
      log_error(std::string("scheduler: ") + e.what());
    }
  }

 private:
  fs::path path_;
};

// Blocks the signals the main thread waits for. Call before any thread starts, so that every
// thread inherits the mask and the signals wait for sigtimedwait.
sigset_t block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

Server::Server(ServeOptions options)
    : options_(std::move(options)), steps_(workflows::steps::builtin_steps()) {}

Server::~Server() = default;

int Server::run() {
  std::optional<workflows::ConfigSet> config = load_config();
  if (!config) {
    log_error("refusing to start: fix the errors above (popgate lint " + options_.config_dir + ")");
    return 1;
  }
  const workflows::DaemonConfig settings = config->daemon.value_or(workflows::DaemonConfig{});
  set_log_level(settings.log_level);
  const base::UniqueFd lock = take_data_dir(settings);
  const sigset_t signals = block_signals();
  open_stores();
  make_exchange_identity();
  build_step_environment();
  create_services(settings);
  install(std::move(*config));
  if (!start_services()) return 1;
  serve_until_stopped(signals);
  shut_down();
  return 0;
}

std::optional<workflows::ConfigSet> Server::load_config() {
  workflows::Diagnostics diagnostics;
  workflows::ConfigSet config = cli::lint_with_adapters({options_.config_dir}, steps_, diagnostics);
  for (const workflows::Diagnostic& d : diagnostics.sorted()) {
    log(d.severity == workflows::Severity::error ? LogLevel::error : LogLevel::warning, {},
        workflows::format_text(d));
  }
  if (diagnostics.has_errors()) {
    log_error("configuration " + options_.config_dir + " has " +
              std::to_string(diagnostics.error_count()) + " errors");
    return std::nullopt;
  }
  return config;
}

base::UniqueFd Server::take_data_dir(const workflows::DaemonConfig& settings) {
  data_dir_ = fs::absolute(options_.data_dir.empty() ? settings.data_dir : options_.data_dir);
  fs::create_directories(data_dir_ / "work");
  fs::create_directories(data_dir_ / "exchange");
  return lock_data_dir(data_dir_);
}

void Server::open_stores() {
  audit_ = open_audit_log(data_dir_);
  deliveries_ = std::make_unique<store::SqliteDeliveryStore>((data_dir_ / "state.db").string());
  store_ = std::make_unique<store::SqliteJobStore>((data_dir_ / "state.db").string());
}

// The exchange certificate clients verify results with and encrypt uploads to: made on first
// start, so that an operator can hand it out before the first job.
void Server::make_exchange_identity() {
  const crypto::ExchangeIdentity identity =
      crypto::ExchangeKeys(data_dir_ / "keys").load_or_create();
  log_info("exchange certificate: " + identity.description().subject + ", SHA-256 " +
           identity.description().sha256 + ", valid until " + identity.description().not_after);
}

// Steps run on worker threads and read the configuration installed last, which a reload may
// swap at any moment: they ask live_ each time rather than keep what they saw.
void Server::build_step_environment() {
  workflows::steps::StepEnvironment environment;
  environment.check_permit = [this](const registry::PermitRequest& request) {
    return live_.decide_permit(request);
  };
  environment.permit = [this](const std::string& id) { return live_.permit(id); };
  environment.client = [this](const std::string& id) { return live_.client(id); };
  environment.keys_dir = data_dir_ / "keys";
  environment.audit = audit_.get();
  environment.record_deliveries = [this](const std::vector<workflows::DeliveredFile>& files) {
    deliveries_->record(files);
  };
  environment.register_db = data_dir_ / "register.db";
  steps_ = workflows::steps::builtin_steps(environment);
}

workflows::EngineOptions Server::engine_options(const workflows::DaemonConfig& settings) {
  workflows::EngineOptions options;
  options.workers = settings.max_running_jobs;
  options.limits.max_running = settings.max_running_jobs;
  options.limits.max_running_per_client = settings.max_running_jobs_per_client;
  options.work_root = data_dir_ / "work";
  options.log = [](const std::string& job_id, const std::string& line) {
    log(LogLevel::info, job_id, line);
  };
  // While a job waits for disk space its client's status file says so.
  options.on_wait = note_job_waiting;
  options.on_finished = clear_delayed_status;
  // A job started before a reload runs the workflow version stored with it.
  options.load_workflow = [this](const workflows::Job& job) {
    workflows::Diagnostics ignored;
    return workflows::load_workflow(job.workflow_text, job.workflow + " (as stored)", steps_,
                                    ignored);
  };
  return options;
}

void Server::create_services(const workflows::DaemonConfig& settings) {
  retention_ = std::make_unique<Retention>(data_dir_, *deliveries_, *store_);
  engine_ = std::make_unique<workflows::Engine>(*store_, steps_, engine_options(settings));
  sftp_ = std::make_unique<SftpService>(data_dir_, live_, *engine_);
  sftp_->on_download([this](const std::string& client, const std::string& path) {
    deliveries_->mark_downloaded(client, path, workflows::now_ms());
    sweep_now_ = true;
  });
}

void Server::install(workflows::ConfigSet config) {
  for (const workflows::Workflow& w : config.workflows) {
    engine_->add_workflow(w, crypto::sha256_hex(w.source_text));
  }
  sftp_->prepare_clients(config);
  config_ = live_.install(std::move(config));
  retention_->set_failed_jobs(
      config_->config.daemon.value_or(workflows::DaemonConfig{}).retention.failed_jobs);
  schedule_ = std::make_unique<workflows::ScheduleClock>(config_->config.workflows);
  for (const std::string& error : schedule_->errors())
    log_error("scheduler: " + error);
}

bool Server::start_services() {
  last_tick_ = TickFile(data_dir_ / "scheduler.tick").read().value_or(Clock::now());
  const int recovered = engine_->recover();
  engine_->start();
  try {
    sftp_->start();
  } catch (const std::exception& e) {
    log_error(std::string("refusing to start: SFTP server: ") + e.what());
    engine_->stop();
    return false;
  }
  log_info("ready: " + summary(config_->config) + "; sftp port " + std::to_string(sftp_->port()) +
           "; data dir " + data_dir_.string() +
           (recovered > 0 ? "; resumed " + std::to_string(recovered) + " interrupted jobs" : ""));
  sd_notify(0, "READY=1");
  return true;
}

void Server::serve_until_stopped(const sigset_t& signals) {
  while (true) {
    tick(Clock::now());
    sftp_->apply_ban_lifts();  // `popgate bans unban` takes effect within a second
    timespec wait{1, 0};
    siginfo_t info{};
    const int signal = sigtimedwait(&signals, &info, &wait);
    if (signal == SIGHUP) {
      reload();
    } else if (signal == SIGTERM || signal == SIGINT) {
      log_info(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
      return;
    }
  }
}

void Server::shut_down() {
  sd_notify(0, "STOPPING=1");
  sftp_->stop();  // first: no new uploads while the engine winds down
  engine_->stop();
  log_info("stopped");
}

void Server::reload() {
  sd_notify(0, "RELOADING=1");
  log_info("reloading " + options_.config_dir);
  std::optional<workflows::ConfigSet> config = load_config();
  if (!config) {
    log_error("reload refused: keeping the running configuration (" + summary(config_->config) +
              ")");
  } else {
    const workflows::DaemonConfig running =
        config_->config.daemon.value_or(workflows::DaemonConfig{});
    if (config->daemon && config->daemon->data_dir != running.data_dir &&
        options_.data_dir.empty()) {
      log(LogLevel::warning, {}, "data_dir changed: it takes effect when popgate restarts");
    }
    install(std::move(*config));
    log_info("reloaded: " + summary(config_->config));
  }
  sd_notify(0, "READY=1");
}

void Server::tick(Clock::time_point now) {
  TickFile file(data_dir_ / "scheduler.tick");
  for (const workflows::Firing& firing : schedule_->due(last_tick_, now))
    submit_scheduled(firing);
  last_tick_ = now;
  file.write(now);
  // Expiry is measured in days: a sweep a minute is plenty, and one right after a download
  // removes a delete-after-download file within a second.
  if (sweep_now_.exchange(false)) retention_->sweep_outbox(workflows::now_ms());
  if (std::chrono::steady_clock::now() >= next_sweep_) {
    retention_->sweep_outbox(workflows::now_ms());
    retention_->sweep_jobs(workflows::now_ms());
    next_sweep_ = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  }
}

void Server::submit_scheduled(const workflows::Firing& firing) {
  const workflows::Workflow& w = *firing.workflow;
  const auto& trigger = std::get<workflows::ScheduleTrigger>(w.trigger);
  if (trigger.for_each_subscription) {
    log(LogLevel::warning, {},
        "scheduler: " + w.name + " is due, but change subscriptions do not exist yet");
  }
  for (const std::string& client : trigger.clients) {
    const workflows::ClientConfig* c = config_->config.client(client);
    if (c == nullptr || c->disabled) {
      log(LogLevel::warning, {}, "scheduler: " + w.name + ": client " + client + " is not active");
      continue;
    }
    engine_->submit(
        workflows::job_for_schedule(w, client, client_root(client), firing.due, crypto::sha256_hex),
        [&](const workflows::SubmitResult& submitted) {
          log(LogLevel::info, submitted.job.id,
              std::string(submitted.created ? "submitted" : "already submitted") + ": " + w.name +
                  " for " + client + " (slot " + base::iso_utc(firing.due) +
                  (firing.coalesced > 1 ? ", " + std::to_string(firing.coalesced) + " slots missed"
                                        : "") +
                  ")");
        });
  }
}

fs::path Server::client_root(const std::string& client) const {
  return sftp_->client_root(client);
}

}  // namespace popgate::daemon
