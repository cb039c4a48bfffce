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
#include "adapters/http/http_listener.h"
#include "adapters/store/audit_log.h"
#include "adapters/store/sqlite_delivery_store.h"
#include "adapters/store/sqlite_job_store.h"
#include "adapters/store/sqlite_register_store.h"
#include "base/atomic_file.h"
#include "base/time_text.h"
#include "base/unique_fd.h"
#include "daemon/admin_endpoints.h"
#include "daemon/audit_setup.h"
#include "daemon/audit_watch.h"
#include "daemon/config_checks.h"
#include "daemon/data_dir_lock.h"
#include "daemon/job_status.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
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
    : options_(std::move(options)),
      steps_(workflows::steps::builtin_steps()),
      metrics_(std::make_unique<Metrics>()) {}

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
  audit_ = open_audit_log(data_dir_,
                          [metrics = metrics_.get()](std::int64_t) { metrics->audit_recorded(); });
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
    registry::PermitDecision decision = live_.decide_permit(request);
    if (!decision.allowed()) metrics_->permit_denied(decision.reason);
    return decision;
  };
  environment.permit = [this](const std::string& id) { return live_.permit(id); };
  environment.package = [this](std::string_view name) { return live_.package(name); };
  environment.client = [this](const std::string& id) { return live_.client(id); };
  environment.keys_dir = data_dir_ / "keys";
  environment.audit = audit_.get();
  environment.record_deliveries = [this](const std::vector<workflows::DeliveredFile>& files) {
    deliveries_->record(files);
    metrics_->delivered(files);
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
  options.log = [this](const std::string& job_id, const std::string& line) {
    const std::string client = client_of_job(job_id);
    log(LogLevel::info, LogFields{job_id, client}, line);
  };
  // While a job waits for disk space its client's status file says so.
  options.on_wait = note_job_waiting;
  options.on_finished = [metrics = metrics_.get()](const workflows::Job& job) {
    clear_delayed_status(job);
    metrics->job_finished(job);
  };
  options.on_step_done = [metrics = metrics_.get()](const workflows::StepTiming& timing) {
    metrics->step_done(timing);
  };
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
  audit_watch_ = std::make_unique<AuditWatch>(data_dir_, std::chrono::hours(1));
  audit_watch_->start();
  if (!start_admin_listener()) {
    sftp_->stop();
    engine_->stop();
    return false;
  }
  log_info("ready: " + summary(config_->config) + "; sftp port " + std::to_string(sftp_->port()) +
           "; admin port " + std::to_string(admin_->port()) + "; data dir " + data_dir_.string() +
           (recovered > 0 ? "; resumed " + std::to_string(recovered) + " interrupted jobs" : ""));
  sd_notify(0, "READY=1");
  return true;
}

void Server::serve_until_stopped(const sigset_t& signals) {
  while (true) {
    tick(Clock::now());
    sftp_->apply_ban_lifts();  // `popgate bans unban` takes effect within a second
    notify_systemd();
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
  sd_notify(0, "STOPPING=1\nSTATUS=stopping: letting running steps reach a safe point");
  admin_->stop();
  sftp_->stop();  // before the engine: no new uploads while it winds down
  audit_watch_->stop();
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
          log(LogLevel::info, LogFields{submitted.job.id, client},
              std::string(submitted.created ? "submitted" : "already submitted") + ": " + w.name +
                  " for " + client + " (slot " + base::iso_utc(firing.due) +
                  (firing.coalesced > 1 ? ", " + std::to_string(firing.coalesced) + " slots missed"
                                        : "") +
                  ")");
        });
  }
}

bool Server::start_admin_listener() {
  const workflows::DaemonConfig settings =
      config_->config.daemon.value_or(workflows::DaemonConfig{});
  http::HttpListenerOptions options;
  options.name = "admin";
  options.address = settings.http.address;
  options.port = settings.http.port;
  options.threads = 2;
  options.max_queued = 16;
  // Probes and scrapes arrive every few seconds: answered quietly unless something is wrong.
  options.on_request = [](const http::HttpAccess& access) {
    const bool routine = access.status < 400;
    log(routine ? LogLevel::debug : LogLevel::warning, {},
        "admin http: " + access.method + " " + access.path + " from " + access.peer + ": " +
            std::to_string(access.status) + " (" + std::to_string(access.elapsed.count() / 1000) +
            " ms)" + (access.error.empty() ? "" : ": " + access.error));
  };
  admin_ = std::make_unique<http::HttpListener>(std::move(options));
  add_admin_routes(*admin_, *metrics_,
                   {[this] { return readiness(); }, [this] { return metrics_snapshot(); }});
  try {
    admin_->start();
  } catch (const std::exception& e) {
    log_error(std::string("refusing to start: ") + e.what());
    return false;
  }
  log_info("admin listener on " + settings.http.address + ":" + std::to_string(admin_->port()) +
           " (/healthz, /readyz, /metrics)");
  return true;
}

std::vector<ReadinessCheck> Server::readiness() const {
  std::vector<ReadinessCheck> checks;
  const auto check = [&checks](const std::string& name, const std::function<std::string()>& read) {
    try {
      checks.push_back({name, true, read()});
    } catch (const std::exception& e) {
      checks.push_back({name, false, e.what()});
    }
  };
  check("state", [this] {
    std::int64_t jobs = 0;
    for (const workflows::JobCount& count : store_->count_by_workflow_and_state())
      jobs += count.count;
    return "state.db readable, " + std::to_string(jobs) + " jobs";
  });
  check("register", [this] {
    const fs::path path = data_dir_ / "register.db";
    if (!fs::exists(path))
      throw std::runtime_error("no register.db in " + data_dir_.string() +
                               ": popgate import (or popgate synth, for tests) makes one");
    const registry::RegisterHead head =
        store::SqliteRegisterStore::open(path.string(), store::SqliteRegisterStore::Mode::read_only)
            ->head();
    return "register.db readable, change " + std::to_string(head.last_change_seq) +
           (head.current_to ? ", current to " + head.current_to->iso() : "");
  });
  check("audit", [this] {
    // Ready when the head can be read: a failed verification is an alert (metrics), not a
    // reason to stop recording the disclosures still to come.
    const std::optional<store::AuditHead> head = audit_->head();
    std::string detail =
        head ? "chain of " + std::to_string(head->seq) + " records, head " + head->hash
             : std::string("chain empty");
    if (const std::optional<AuditCheck> verified = audit_watch_->last()) {
      detail += verified->ok ? "; verified " + base::iso_utc(verified->when)
                             : "; VERIFICATION FAILED " + base::iso_utc(verified->when) + ": " +
                                   verified->problem;
    }
    return detail;
  });
  check("sftp", [this] {
    if (!sftp_->activity().listening) throw std::runtime_error("SFTP server not listening");
    return "listening on port " + std::to_string(sftp_->port());
  });
  return checks;
}

MetricsSnapshot Server::metrics_snapshot() const {
  MetricsSnapshot snapshot;
  try {
    snapshot.jobs = store_->count_by_workflow_and_state();
  } catch (const std::exception& e) {
    log(LogLevel::warning, {}, std::string("metrics: jobs: ") + e.what());
  }
  snapshot.sftp = sftp_->activity();
  snapshot.audit_check = audit_watch_->last();
  try {
    const std::optional<store::AuditHead> head = audit_->head();
    snapshot.audit_chain_length = head ? head->seq : 0;
  } catch (const std::exception& e) {
    log(LogLevel::warning, {}, std::string("metrics: audit: ") + e.what());
  }
  const fs::path register_db = data_dir_ / "register.db";
  try {
    if (fs::exists(register_db))
      snapshot.register_head =
          store::SqliteRegisterStore::open(register_db.string(),
                                           store::SqliteRegisterStore::Mode::read_only)
              ->head();
  } catch (const std::exception& e) {
    log(LogLevel::warning, {}, std::string("metrics: register: ") + e.what());
  }
  return snapshot;
}

void Server::notify_systemd() {
  // The status reads state.db: every 5 s is often enough for `systemctl status`.
  const auto now = std::chrono::steady_clock::now();
  if (now < next_status_) {
    sd_notify(0, "WATCHDOG=1");
    return;
  }
  next_status_ = now + std::chrono::seconds(5);
  std::string status;
  try {
    std::int64_t running = 0, queued = 0;
    for (const workflows::JobCount& count : store_->count_by_workflow_and_state()) {
      if (count.state == workflows::JobState::running) running += count.count;
      if (count.state == workflows::JobState::queued) queued += count.count;
    }
    status = std::to_string(running) + " jobs running, " + std::to_string(queued) + " queued; " +
             std::to_string(sftp_->activity().sessions) + " SFTP sessions";
  } catch (const std::exception& e) {
    status = std::string("cannot read state.db: ") + e.what();
  }
  if (status == last_status_) {
    sd_notify(0, "WATCHDOG=1");
    return;
  }
  last_status_ = status;
  sd_notify(0, ("WATCHDOG=1\nSTATUS=" + status).c_str());
}

std::string Server::client_of_job(const std::string& job_id) {
  if (job_id.empty() || job_id == "-") return {};
  std::lock_guard lock(job_clients_mu_);
  if (const auto known = job_clients_.find(job_id); known != job_clients_.end())
    return known->second;
  std::string client;
  try {
    if (const std::optional<workflows::Job> job = store_->get(job_id)) client = job->client_id;
  } catch (const std::exception&) {
    return {};  // the line is logged without the field; state.db's trouble is logged elsewhere
  }
  if (job_clients_.size() >= 4096) job_clients_.clear();  // bounded; jobs come and go
  job_clients_.emplace(job_id, client);
  return client;
}

fs::path Server::client_root(const std::string& client) const {
  return sftp_->client_root(client);
}

}  // namespace popgate::daemon
