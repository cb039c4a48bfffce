// Which workflows a completed upload starts: those whose upload trigger's glob matches the
// file's path under the client's root ("inbox/customers-2026.csv" against "inbox/*.csv").
// `*` and `?` never match '/', so "inbox/*" does not reach into subdirectories, and a leading
// dot must be matched explicitly, so a hidden temporary upload name never triggers anything.
#ifndef POPGATE_WORKFLOWS_ENGINE_UPLOAD_ROUTER_H_
#define POPGATE_WORKFLOWS_ENGINE_UPLOAD_ROUTER_H_

#include <string_view>
#include <vector>

#include "workflows/engine/workflow.h"

namespace popgate::workflows {

bool upload_glob_matches(std::string_view glob, std::string_view path);

// The workflows (in order) whose upload trigger matches `path`.
std::vector<const Workflow*> workflows_for_upload(const std::vector<Workflow>& workflows,
                                                  std::string_view path);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_UPLOAD_ROUTER_H_
