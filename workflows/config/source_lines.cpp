#include "workflows/config/source_lines.h"

#include "base/utf8.h"

namespace popgate::workflows {

SourceLines::SourceLines(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

Mark SourceLines::find(Mark from, std::string_view needle, std::size_t index) const {
  if (!from.known() || static_cast<std::size_t>(from.line) > line_starts_.size()) return from;
  // The byte offset of `from`: its line's start plus (column - 1) code points.
  std::size_t pos = line_starts_[static_cast<std::size_t>(from.line - 1)];
  for (int column = 1; column < from.column && pos < text_.size() && text_[pos] != '\n'; ++column) {
    base::decode_utf8(text_, pos);
  }
  std::size_t hit = text_.find(needle, pos);
  for (std::size_t i = 0; i < index && hit != std::string_view::npos; ++i) {
    hit = text_.find(needle, hit + needle.size());
  }
  if (hit == std::string_view::npos) return from;
  std::size_t line = from.line - 1;
  while (line + 1 < line_starts_.size() && line_starts_[line + 1] <= hit)
    ++line;
  const std::size_t start = line_starts_[line];
  const std::size_t column = base::count_code_points(text_.substr(start, hit - start)) + 1;
  return {static_cast<int>(line + 1), static_cast<int>(column)};
}

}  // namespace popgate::workflows
