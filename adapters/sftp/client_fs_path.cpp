#include "adapters/sftp/client_fs_path.h"

#include "adapters/sftp/client_fs_error.h"

namespace popgate::sftp {
namespace {

[[noreturn]] void refuse(const std::string& why) {
  throw FsException(Status::permission_denied, why);
}

void check_name(std::string_view name) {
  if (name.size() > kMaxNameBytes) refuse("name longer than 255 bytes");
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) refuse("control character in name");
  }
  if (name.front() == '.') refuse("hidden names (starting with '.') are reserved");
}

ClientPath parse(std::string_view raw, bool resolve_dotdot) {
  if (raw.size() > kMaxPathBytes) refuse("path too long");
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('/', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view part = raw.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!resolve_dotdot) refuse("'..' is not allowed");
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    check_name(part);
    parts.emplace_back(part);
  }
  ClientPath path;
  if (parts.empty()) return path;
  if (parts.front() == "inbox") {
    path.area = Area::inbox;
  } else if (parts.front() == "outbox") {
    path.area = Area::outbox;
  } else {
    refuse("only /inbox and /outbox exist");
  }
  // Moved one by one: assign(begin() + 1, end()) trips g++ 12's -O3 -Wnull-dereference.
  for (std::size_t i = 1; i < parts.size(); ++i)
    path.names.push_back(std::move(parts[i]));
  if (path.names.size() > kMaxDepthBelowArea) refuse("path too deep");
  return path;
}

std::string area_name(Area area) {
  switch (area) {
    case Area::inbox:
      return "inbox";
    case Area::outbox:
      return "outbox";
    case Area::root:
      break;
  }
  return ".";
}

}  // namespace

std::string ClientPath::relative() const {
  std::string out = area_name(area);
  for (const auto& name : names)
    out += "/" + name;
  return out;
}

std::string ClientPath::canonical() const {
  if (area == Area::root) return "/";
  return "/" + relative();
}

ClientPath ClientPath::parent() const {
  ClientPath up = *this;
  if (!up.names.empty()) {
    up.names.pop_back();
  } else {
    up.area = Area::root;
  }
  return up;
}

ClientPath parse_client_path(std::string_view raw) {
  return parse(raw, false);
}

ClientPath parse_client_path_for_realpath(std::string_view raw) {
  return parse(raw, true);
}

}  // namespace popgate::sftp
