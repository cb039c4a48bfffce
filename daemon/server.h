// `popgate serve`: the long-running daemon. It lints its configuration before anything else
// (and refuses to start on errors), runs the durable job engine, fires scheduled workflows,
// and reloads its configuration on SIGHUP by validating first and swapping only a valid set:
// an invalid edit is logged and the previous configuration keeps running. Jobs already
// started keep the workflow version they started with (the job stores it).
//
// Signals are taken synchronously (sigtimedwait in the main thread) rather than in handlers,
// so reload and shutdown run as ordinary code. Under systemd (Type=notify) it reports READY,
// RELOADING and STOPPING.
#ifndef POPGATE_DAEMON_SERVER_H_
#define POPGATE_DAEMON_SERVER_H_

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "workflows/config/lint.h"
#include "workflows/engine/step_registry.h"
#include "workflows/schedule/schedule_clock.h"

namespace popgate::workflows {
class Engine;
}
namespace popgate::store {
class AuditLog;
class SqliteDeliveryStore;
class SqliteJobStore;
}  // namespace popgate::store

namespace popgate::daemon {

class Retention;
class SftpService;

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
  void install(workflows::ConfigSet config);
  void reload();
  void tick(std::chrono::system_clock::time_point now);
  void submit_scheduled(const workflows::Firing& firing);
  std::filesystem::path client_root(const std::string& client) const;

  ServeOptions options_;
  workflows::StepRegistry steps_;
  std::filesystem::path data_dir_;
  workflows::ConfigSet config_;
  std::unique_ptr<workflows::ScheduleClock> schedule_;
  std::unique_ptr<store::SqliteJobStore> store_;
  std::unique_ptr<workflows::Engine> engine_;
  std::unique_ptr<SftpService> sftp_;
  std::unique_ptr<store::AuditLog> audit_;
  std::unique_ptr<store::SqliteDeliveryStore> deliveries_;
  std::unique_ptr<Retention> retention_;
  std::atomic<bool> sweep_now_{true};  // a download may have made a file due
  std::chrono::steady_clock::time_point next_sweep_;
  std::chrono::system_clock::time_point last_tick_;
};

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_SERVER_H_
