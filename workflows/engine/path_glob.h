// Validation of the path globs upload triggers match against ("inbox/*.csv").
//
// A glob names files in a client's SFTP root, so it must stay inside that root: relative, no
// ".." and under inbox/ (the only place a client can upload to). The syntax is the usual one
// of fnmatch(3) without FNM_PERIOD: '*' (any run of characters except '/'), '?' (one
// character) and bracket expressions "[abc]", "[a-z]", "[!0-9]"; '\' escapes the next one.
#ifndef POPGATE_WORKFLOWS_ENGINE_PATH_GLOB_H_
#define POPGATE_WORKFLOWS_ENGINE_PATH_GLOB_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace popgate::workflows {

struct GlobError {
  std::size_t offset = 0;  // byte offset into the glob of the offending character
  std::string message;     // empty when the glob is valid
  bool ok() const { return message.empty(); }
};

GlobError check_path_glob(std::string_view glob);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_PATH_GLOB_H_
