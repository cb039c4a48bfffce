#include "workflows/config/diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "base/json_text.h"
#include "base/strings.h"

namespace popgate::workflows {
namespace {}  // namespace

std::string_view severity_name(Severity severity) {
  return severity == Severity::error ? "error" : "warning";
}

void Diagnostics::add(Diagnostic diagnostic) {
  items_.push_back(std::move(diagnostic));
}

void Diagnostics::error(std::string_view file, Mark mark, std::string message) {
  add({std::string(file), mark.line, mark.column, Severity::error, std::move(message)});
}

void Diagnostics::warning(std::string_view file, Mark mark, std::string message) {
  add({std::string(file), mark.line, mark.column, Severity::warning, std::move(message)});
}

void Diagnostics::merge(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const {
  return error_count() > 0;
}

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [](const auto& d) { return d.severity == Severity::error; }));
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> result = items_;
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

std::string format_text(const Diagnostic& diagnostic) {
  std::string out = base::printable(diagnostic.file);
  if (diagnostic.line > 0) {
    out += ':' + std::to_string(diagnostic.line);
    if (diagnostic.column > 0) out += ':' + std::to_string(diagnostic.column);
  }
  out += ": ";
  out += severity_name(diagnostic.severity);
  out += ": ";
  out += base::printable(diagnostic.message);
  return out;
}

std::string format_text(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics) {
    out += format_text(diagnostic);
    out += '\n';
  }
  return out;
}

std::string format_json(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return "[]\n";
  std::string out = "[\n";
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    const Diagnostic& d = diagnostics[i];
    out += "  {\"file\": " + base::json_string(d.file);
    out += ", \"line\": " + std::to_string(d.line);
    out += ", \"column\": " + std::to_string(d.column);
    out += ", \"severity\": " + base::json_string(severity_name(d.severity));
    out += ", \"message\": " + base::json_string(d.message) + '}';
    out += i + 1 < diagnostics.size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

}  // namespace popgate::workflows
