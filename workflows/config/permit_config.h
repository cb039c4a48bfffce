// A data permit as configured in permits/*.yaml: the registry's Permit (registry/permit.h),
// plus where it was read from, for lint's cross-file messages. The rules that apply permits
// live in registry/permit_decision.h and registry/disclosure.h.
#ifndef POPGATE_WORKFLOWS_CONFIG_PERMIT_CONFIG_H_
#define POPGATE_WORKFLOWS_CONFIG_PERMIT_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/permit.h"
#include "registry/permit_decision.h"
#include "workflows/config/client_config.h"
#include "workflows/config/config_node.h"
#include "workflows/config/diagnostics.h"

namespace popgate::workflows {

struct PermitConfig : registry::Permit {
  std::string source_file;
  Mark id_mark;                    // for cross-file messages
  std::vector<Mark> holder_marks;  // parallel to holders
};

// Loads one permit file; nullopt (and diagnostics) when it has errors.
std::optional<PermitConfig> load_permit_file(const std::string& path, Diagnostics& out);

// The permits of one configuration, ready to decide with: sorted once, with each active
// client's umbrella memberships from its own file (joins:). Build it once per configuration
// load and keep it with the configuration (the daemon's LiveConfig does; `popgate permit
// check` and `popgate client show` build one from the files they read), so that a decision
// never rebuilds the permit set.
class ConfiguredPermits {
 public:
  ConfiguredPermits(const std::vector<PermitConfig>& permits,
                    const std::vector<ClientConfig>& clients);

  // Decides `request`; an unknown or disabled client is denied whatever the permits say.
  registry::PermitDecision decide(const registry::PermitRequest& request) const;
  // The permit with this id; null when there is none.
  const registry::Permit* find(const std::string& id) const { return set_.find(id); }
  // The permits a client holds or has joined, in id order.
  std::vector<const registry::Permit*> permits_of(const std::string& client) const {
    return set_.permits_of(client);
  }

 private:
  registry::PermitSet set_;
  std::map<std::string, bool> disabled_;  // every configured client's id -> disabled
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_PERMIT_CONFIG_H_
