// A position in a configuration file, as an operator's editor shows it.
#ifndef POPGATE_WORKFLOWS_ENGINE_MARK_H_
#define POPGATE_WORKFLOWS_ENGINE_MARK_H_

#include <compare>

namespace popgate::workflows {

// Both fields count from 1; 0 means "no position" (a problem with the file as a whole).
// Columns count Unicode code points, not bytes, so that "ä" in a Finnish description does not
// shift every later column on the line.
struct Mark {
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }

  friend auto operator<=>(const Mark&, const Mark&) = default;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_MARK_H_
