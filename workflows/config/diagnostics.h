// Problems found in configuration files, collected so that `popgate lint` can report all of
// them at once instead of stopping at the first.
#ifndef POPGATE_WORKFLOWS_CONFIG_DIAGNOSTICS_H_
#define POPGATE_WORKFLOWS_CONFIG_DIAGNOSTICS_H_

#include <compare>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/engine/mark.h"

namespace popgate::workflows {

enum class Severity { error, warning };

std::string_view severity_name(Severity severity);  // "error", "warning"

struct Diagnostic {
  // Members in report order: the defaulted comparison sorts by file, then position.
  std::string file;
  int line = 0;    // 1-based; 0 when the problem concerns the file as a whole
  int column = 0;  // 1-based, in code points; 0 when unknown
  Severity severity = Severity::error;
  std::string message;

  friend auto operator<=>(const Diagnostic&, const Diagnostic&) = default;
};

class Diagnostics {
 public:
  void add(Diagnostic diagnostic);
  void error(std::string_view file, Mark mark, std::string message);
  void warning(std::string_view file, Mark mark, std::string message);
  void merge(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  bool empty() const { return items_.empty(); }

  // Everything added, sorted by file, line and column, without exact duplicates (two checks
  // may well notice the same problem; the operator needs to read it once).
  std::vector<Diagnostic> sorted() const;

 private:
  std::vector<Diagnostic> items_;
};

// "file:line:column: error: message", or "file: error: message" without a position. Control
// characters in the message are escaped, so that every diagnostic stays on one line even when
// it quotes a key that holds a newline.
std::string format_text(const Diagnostic& diagnostic);
// One diagnostic per line, each ending in '\n'.
std::string format_text(const std::vector<Diagnostic>& diagnostics);

// A JSON array of {"file", "line", "column", "severity", "message"} objects, one per line,
// for editors and CI tools. Always valid JSON: bytes that are not UTF-8 become U+FFFD.
std::string format_json(const std::vector<Diagnostic>& diagnostics);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_DIAGNOSTICS_H_
