// `popgate serve`: the long-running daemon. It lints its configuration before anything else
// (and refuses to start on errors), runs the durable job engine, fires scheduled workflows,
// and reloads its configuration on SIGHUP by validating first and swapping only a valid set:
// an invalid edit is logged and the previous configuration keeps running. Jobs already
// started keep the workflow version they started with (the job stores it).
//
// The running configuration is a LiveConfig (live_config.h): the SFTP service and the steps of
// running jobs read it from their threads, a reload swaps it whole.
//
// Signals are taken synchronously (sigtimedwait in the main thread) rather than in handlers,
// so reload and shutdown run as ordinary code. Under systemd (Type=notify) it reports READY=1
// once the SFTP and admin listeners are up, RELOADING=1 and STOPPING=1, a STATUS= line (jobs
// running and queued, SFTP sessions) when it changes, and WATCHDOG=1 from the main loop every
// second, so that a main loop stuck for WatchdogSec gets the daemon restarted.
//
// The admin listener (listen.http, loopback by default) serves /healthz, /readyz and /metrics
// (daemon/admin_endpoints.h).
#ifndef POPGATE_DAEMON_SERVER_H_
#define POPGATE_DAEMON_SERVER_H_

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/unique_fd.h"
#include "daemon/live_config.h"
#include "workflows/config/daemon_config.h"
#include "workflows/config/lint.h"
#include "workflows/engine/step_registry.h"
#include "workflows/schedule/schedule_clock.h"

namespace popgate::workflows {
class Engine;
struct EngineOptions;
}  // namespace popgate::workflows
namespace popgate::store {
class AuditLog;
class SqliteDeliveryStore;
class SqliteJobStore;
}  // namespace popgate::store

namespace popgate::http {
class HttpListener;
}

namespace popgate::daemon {

class AuditWatch;
class Metrics;
class Retention;
class SftpService;
struct MetricsSnapshot;
struct ReadinessCheck;

struct ServeOptions {
  std::string config_dir = "/etc/popgate";
  std::string data_dir;  // overrides popgate.yaml's data_dir when set
};

class Server {
 public:
  explicit Server(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Runs until SIGTERM or SIGINT. Returns the process exit code.
  int run();

 private:
  // Lints the configuration; nullopt (diagnostics logged) when it has errors.
  std::optional<workflows::ConfigSet> load_config();
  // Creates the data dir's work/ and exchange/ and locks it for as long as the returned
  // descriptor lives: one daemon per data dir.
  base::UniqueFd take_data_dir(const workflows::DaemonConfig& settings);
  void open_stores();
  void make_exchange_identity();
  void build_step_environment();
  workflows::EngineOptions engine_options(const workflows::DaemonConfig& settings);
  void create_services(const workflows::DaemonConfig& settings);
  // Makes `config`, which lint accepted, the running configuration.
  void install(workflows::ConfigSet config);
  // Recovers interrupted jobs, starts the workers and the SFTP server; false (logged) when
  // the SFTP server cannot start.
  bool start_services();
  // Ticks the scheduler every second and takes SIGHUP, SIGTERM and SIGINT until a stop.
  void serve_until_stopped(const sigset_t& signals);
  void shut_down();
  // The admin listener on listen.http; false (logged) when it cannot listen.
  bool start_admin_listener();
  std::vector<ReadinessCheck> readiness() const;
  MetricsSnapshot metrics_snapshot() const;
  // Tells systemd the main loop is alive, and what the daemon is doing when that changed.
  void notify_systemd();

  void reload();
  void tick(std::chrono::system_clock::time_point now);
  void submit_scheduled(const workflows::Firing& firing);
  std::filesystem::path client_root(const std::string& client) const;
  // The client of a job, for its log lines' POPGATE_CLIENT (read once per job, then cached).
  std::string client_of_job(const std::string& job_id);

  ServeOptions options_;
  workflows::StepRegistry steps_;
  std::filesystem::path data_dir_;
  LiveConfig live_;
  // The snapshot installed last, as the main thread uses it: schedule_ points into its
  // workflows.
  std::shared_ptr<const ConfigSnapshot> config_;
  // Made first and gone last: the audit log, the engine and the listener report to it.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<workflows::ScheduleClock> schedule_;
  std::unique_ptr<store::AuditLog> audit_;
  std::unique_ptr<store::SqliteDeliveryStore> deliveries_;
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<workflows::Engine> engine_;
  std::unique_ptr<SftpService> sftp_;
  std::unique_ptr<Retention> retention_;
  std::unique_ptr<AuditWatch> audit_watch_;
  std::unique_ptr<http::HttpListener> admin_;
  std::string last_status_;
  std::mutex job_clients_mu_;
  std::unordered_map<std::string, std::string> job_clients_;
  std::chrono::steady_clock::time_point next_status_;
  std::atomic<bool> sweep_now_{true};  // a download may have made a file due
  std::chrono::steady_clock::time_point next_sweep_;
  std::chrono::system_clock::time_point last_tick_;
};

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_SERVER_H_
