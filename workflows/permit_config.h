// A data permit as configured in permits/*.yaml: which clients may receive which data groups
// under which services, and for how long. The rules that apply permits live in registry/
// (issue 5); this is what lint checks and what the daemon loads.
#ifndef POPGATE_WORKFLOWS_PERMIT_CONFIG_H_
#define POPGATE_WORKFLOWS_PERMIT_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "registry/data_group.h"
#include "registry/date.h"
#include "workflows/config_node.h"
#include "workflows/diagnostics.h"
#include "workflows/workflow.h"

namespace popgate::workflows {

struct PermitConfig {
  std::string id;                    // the diary number, e.g. "DVV/1234/2024"
  std::vector<std::string> holders;  // client ids
  std::string purpose;
  std::string legal_basis;
  std::vector<Service> services;  // never Service::none
  std::vector<registry::DataGroup> data_groups;
  std::vector<std::string> municipalities;  // 3-digit codes; empty: no restriction
  registry::Date valid_from;
  std::optional<registry::Date> valid_until;  // inclusive; nullopt: open-ended
  bool revoked = false;
  std::string source_file;
  Mark id_mark;                    // for cross-file messages
  std::vector<Mark> holder_marks;  // parallel to holders
};

// Loads one permit file; nullopt (and diagnostics) when it has errors.
std::optional<PermitConfig> load_permit_file(const std::string& path, Diagnostics& out);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_PERMIT_CONFIG_H_
