#include "workflows/engine/path_glob.h"

namespace popgate::workflows {
namespace {

constexpr std::string_view kRoot = "inbox/";

GlobError fail(std::size_t offset, std::string message) {
  return {offset, std::move(message)};
}

// The end of the bracket expression opening at `open`, or npos when it is not closed. As in
// fnmatch, a ']' right after "[" or "[!" is a member, not the end.
std::size_t bracket_end(std::string_view glob, std::size_t open) {
  std::size_t i = open + 1;
  if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) ++i;
  if (i < glob.size() && glob[i] == ']') ++i;
  for (; i < glob.size(); ++i) {
    if (glob[i] == '/') return std::string_view::npos;  // a bracket never matches '/'
    if (glob[i] == ']') return i;
  }
  return std::string_view::npos;
}

// Checks one path component (between slashes) starting at `start`.
GlobError check_component(std::string_view glob, std::size_t start, std::size_t end) {
  const std::string_view part = glob.substr(start, end - start);
  if (part.empty()) return fail(start, "empty path component ('//') in glob");
  if (part == "..")
    return fail(start, "'..' is not allowed in a glob (it would leave the client's root)");
  if (part == ".") return fail(start, "'.' path components are not allowed in a glob");
  for (std::size_t i = start; i < end; ++i) {
    const char c = glob[i];
    if (c == '\\') {
      if (i + 1 >= end) return fail(i, "'\\' at the end of a glob escapes nothing");
      ++i;
    } else if (c == '[') {
      const std::size_t close = bracket_end(glob, i);
      if (close == std::string_view::npos || close >= end) {
        return fail(i, "'[' in glob has no closing ']'");
      }
      i = close;
    } else if (c == ']') {
      return fail(i, "']' in glob without an opening '['");
    }
  }
  return {};
}

}  // namespace

GlobError check_path_glob(std::string_view glob) {
  if (glob.empty()) return fail(0, "the glob is empty");
  if (glob.front() == '/') {
    return fail(0, "glob '" + std::string(glob) +
                       "' is absolute; write it relative to the "
                       "client's root, e.g. 'inbox/*.csv'");
  }
  if (!glob.starts_with(kRoot)) {
    return fail(0, "glob '" + std::string(glob) +
                       "' must start with 'inbox/' (clients upload "
                       "only into their inbox)");
  }
  if (glob.size() == kRoot.size())
    return fail(0, "glob 'inbox/' names no files; write e.g. 'inbox/*'");
  std::size_t start = 0;
  while (start <= glob.size()) {
    std::size_t end = glob.find('/', start);
    if (end == std::string_view::npos) end = glob.size();
    if (GlobError error = check_component(glob, start, end); !error.ok()) return error;
    start = end + 1;
  }
  return {};
}

}  // namespace popgate::workflows
