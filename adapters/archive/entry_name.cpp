#include "adapters/archive/entry_name.h"

#include <cstdint>
#include <cstdio>

#include "base/strings.h"
#include "base/utf8.h"

namespace popgate::archive {
namespace {

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

// Calls `visit` with each '/'-separated component of `name`, empty ones included.
template <typename Visit>
void for_each_component(std::string_view name, Visit visit) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = name.find('/', start);
    visit(name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

}  // namespace

std::string entry_name_problem(std::string_view name) {
  if (name.empty()) return "empty names are not allowed";
  for (const char c : name) {
    if (is_control(c)) return "control characters in names are not allowed";
    if (c == '\\') return "backslashes in names are not allowed";
  }
  if (name.front() == '/') return "absolute paths are not allowed";
  bool has_dot_dot = false;
  for_each_component(name, [&](std::string_view part) { has_dot_dot |= part == ".."; });
  if (has_dot_dot) return "'..' components are not allowed";
  return {};
}

bool is_utf8(std::string_view text) {
  return base::valid_utf8(text);
}

std::string normalized_entry_name(std::string_view name) {
  std::string out;
  for_each_component(name, [&](std::string_view part) {
    if (part.empty() || part == ".") return;
    if (!out.empty()) out += '/';
    out += part;
  });
  return out;
}

std::string quoted_entry_name(std::string_view name) {
  constexpr std::size_t kShown = 200;
  std::string out = "'";
  base::append_printable(out, name.substr(0, kShown));
  if (name.size() > kShown) out += "...";
  return out + "'";
}

}  // namespace popgate::archive
