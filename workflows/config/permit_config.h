// A data permit as configured in permits/*.yaml: the registry's Permit (registry/permit.h),
// plus where it was read from, for lint's cross-file messages. The rules that apply permits
// live in registry/permit_decision.h and registry/disclosure.h.
#ifndef POPGATE_WORKFLOWS_CONFIG_PERMIT_CONFIG_H_
#define POPGATE_WORKFLOWS_CONFIG_PERMIT_CONFIG_H_

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

// A permit decision in plain values, for CLI output and steps.
struct PermitVerdict {
  bool allowed = false;
  std::string permit;       // the allowing permit's id
  std::string explanation;  // "allowed by permit ..." or "denied: ..."; client-safe
};

// Decides `request` against the configured permits; an unknown or disabled client is denied.
PermitVerdict decide_permit(const std::vector<PermitConfig>& permits,
                            const std::vector<ClientConfig>& clients,
                            const registry::PermitRequest& request);

// The permits as the registry decides with them: each client's umbrella memberships come
// from its own file (joins:).
registry::PermitSet make_permit_set(const std::vector<PermitConfig>& permits,
                                    const std::vector<ClientConfig>& clients);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_PERMIT_CONFIG_H_
