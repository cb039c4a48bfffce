#include "daemon/live_config.h"

namespace popgate::daemon {

LiveConfig::LiveConfig()
    : current_(std::make_shared<const ConfigSnapshot>(workflows::ConfigSet{})) {}

std::shared_ptr<const ConfigSnapshot> LiveConfig::install(workflows::ConfigSet next) {
  // Built outside the lock: readers wait only for the pointer swap.
  auto snapshot = std::make_shared<const ConfigSnapshot>(std::move(next));
  std::lock_guard lock(mutex_);
  current_ = snapshot;
  return snapshot;
}

std::shared_ptr<const ConfigSnapshot> LiveConfig::snapshot() const {
  std::lock_guard lock(mutex_);
  return current_;
}

registry::PermitDecision LiveConfig::decide_permit(const registry::PermitRequest& request) const {
  return snapshot()->permits.decide(request);
}

std::optional<registry::Permit> LiveConfig::permit(const std::string& id) const {
  const std::shared_ptr<const ConfigSnapshot> now = snapshot();
  const registry::Permit* permit = now->permits.find(id);
  if (permit == nullptr) return std::nullopt;
  return *permit;
}

std::optional<registry::DataPackage> LiveConfig::package(std::string_view name) const {
  const std::shared_ptr<const ConfigSnapshot> now = snapshot();
  const workflows::PackageConfig* package = now->config.package(name);
  if (package == nullptr) return std::nullopt;
  return package->package;
}

std::optional<workflows::ClientConfig> LiveConfig::client(const std::string& id) const {
  const std::shared_ptr<const ConfigSnapshot> now = snapshot();
  const workflows::ClientConfig* client = now->config.client(id);
  if (client == nullptr) return std::nullopt;
  return *client;
}

}  // namespace popgate::daemon
