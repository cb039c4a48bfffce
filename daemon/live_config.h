// The configuration `popgate serve` runs, shared by every thread: SFTP logins and uploads,
// the steps of running jobs (permit checks, client settings), and the main thread's scheduler.
//
// What is shared is one immutable snapshot: the ConfigSet that lint accepted and the permits
// built from it, once, when it was installed. A reader takes the snapshot (a shared_ptr copy
// under a short lock) and uses it as long as it likes; a reload builds the next snapshot aside
// and swaps it in whole. So no reader sees half of one configuration and half of the next, and
// a permit check never rebuilds the permit set.
//
// Validation is the installer's part: install only a set that lint accepted (Server::reload
// keeps the running snapshot when the edited files have errors).
#ifndef POPGATE_DAEMON_LIVE_CONFIG_H_
#define POPGATE_DAEMON_LIVE_CONFIG_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "registry/permit.h"
#include "registry/permit_decision.h"
#include "workflows/config/client_config.h"
#include "workflows/config/lint.h"
#include "workflows/config/permit_config.h"

namespace popgate::daemon {

// One installed configuration; shared only as const.
struct ConfigSnapshot {
  explicit ConfigSnapshot(workflows::ConfigSet set)
      : config(std::move(set)), permits(config.permits, config.clients) {}

  workflows::ConfigSet config;
  workflows::ConfiguredPermits permits;  // built from `config` (declared first) at install
};

class LiveConfig {
 public:
  // Starts with an empty configuration (no clients, no permits: every request is denied), so
  // that there is always a snapshot to read.
  LiveConfig();
  LiveConfig(const LiveConfig&) = delete;
  LiveConfig& operator=(const LiveConfig&) = delete;

  // Replaces the running configuration with `next` and returns its snapshot. Readers holding
  // the previous snapshot keep it until they let go.
  std::shared_ptr<const ConfigSnapshot> install(workflows::ConfigSet next);

  // The snapshot installed last; any thread.
  std::shared_ptr<const ConfigSnapshot> snapshot() const;

  // Shorthands on the snapshot installed last, for the step environment; any thread.
  registry::PermitDecision decide_permit(const registry::PermitRequest& request) const;
  std::optional<registry::Permit> permit(const std::string& id) const;
  std::optional<registry::DataPackage> package(std::string_view name) const;
  std::optional<workflows::ClientConfig> client(const std::string& id) const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ConfigSnapshot> current_;
};

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_LIVE_CONFIG_H_
