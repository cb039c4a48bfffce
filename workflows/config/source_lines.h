// Positions inside a scalar's text, mapped back to the file.
//
// A ConfigNode knows where its value starts, but lint wants to point at a "${" in the middle
// of it, and quotes, escapes and folded lines make the value's text differ from what the file
// says. So the position is found in the file itself: the n-th occurrence of the "${" after the
// node's mark.
#ifndef POPGATE_WORKFLOWS_CONFIG_SOURCE_LINES_H_
#define POPGATE_WORKFLOWS_CONFIG_SOURCE_LINES_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "workflows/engine/mark.h"

namespace popgate::workflows {

class SourceLines {
 public:
  explicit SourceLines(std::string_view text);

  // Where the (index+1)-th `needle` at or after `from` starts; `from` when there is no such
  // occurrence or `from` is unknown.
  Mark find(Mark from, std::string_view needle, std::size_t index) const;

 private:
  std::string_view text_;
  std::vector<std::size_t> line_starts_;  // byte offset of each line
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_SOURCE_LINES_H_
