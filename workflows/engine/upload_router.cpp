#include "workflows/engine/upload_router.h"

#include <fnmatch.h>

#include <string>
#include <variant>

namespace popgate::workflows {

bool upload_glob_matches(std::string_view glob, std::string_view path) {
  // fnmatch(3) needs NUL-terminated strings; paths with an embedded NUL never match.
  if (glob.find('\0') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string g(glob), p(path);
  return fnmatch(g.c_str(), p.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

std::vector<const Workflow*> workflows_for_upload(const std::vector<Workflow>& workflows,
                                                  std::string_view path) {
  std::vector<const Workflow*> matches;
  for (const Workflow& w : workflows) {
    const auto* trigger = std::get_if<UploadTrigger>(&w.trigger);
    if (trigger != nullptr && upload_glob_matches(trigger->path_glob, path)) matches.push_back(&w);
  }
  return matches;
}

}  // namespace popgate::workflows
