#include "daemon/outbox_check.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "workflows/engine/upload_router.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

bool is_glob(const std::string& key) {
  return key.find_first_of("*?[") != std::string::npos;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The outbox's files as "outbox/<relative path>", sorted.
std::set<std::string> outbox_files(const fs::path& client_root) {
  std::set<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(client_root / "outbox", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      files.insert("outbox/" + fs::relative(it->path(), client_root / "outbox").generic_string());
    }
  }
  return files;
}

// Empty when `actual` holds exactly the fixture's bytes; else where they part.
std::string compare_bytes(const std::string& name, const fs::path& actual_path,
                          const std::string& fixture, const fs::path& fixture_path) {
  const std::optional<std::string> actual = read_file(actual_path);
  const std::optional<std::string> wanted = read_file(fixture_path);
  if (!wanted) return "cannot read fixture " + fixture;
  if (!actual) return "cannot read " + name;
  if (*actual == *wanted) return {};
  const auto first_difference =
      std::mismatch(actual->begin(), actual->end(), wanted->begin(), wanted->end()).first;
  const auto offset = static_cast<std::size_t>(first_difference - actual->begin());
  std::string why = name + " differs from " + fixture + " at byte " + std::to_string(offset);
  if (actual->size() != wanted->size()) {
    why += " (" + std::to_string(actual->size()) + " bytes, expected " +
           std::to_string(wanted->size()) + ")";
  }
  return why;
}

}  // namespace

std::vector<std::string> check_outbox(const fs::path& client_root,
                                      const std::map<std::string, std::string>& expect,
                                      const fs::path& fixture_dir) {
  std::vector<std::string> problems;
  const std::set<std::string> files = outbox_files(client_root);
  std::set<std::string> expected;
  for (const auto& [key, fixture] : expect) {
    std::vector<std::string> matches;
    for (const std::string& file : files) {
      if (is_glob(key) ? workflows::upload_glob_matches(key, file) : key == file) {
        matches.push_back(file);
      }
    }
    if (matches.empty()) {
      problems.push_back(key + " missing");
      continue;
    }
    expected.insert(matches.begin(), matches.end());
    if (matches.size() > 1) {
      problems.push_back(key + " matches " + std::to_string(matches.size()) + " files (" +
                         matches[0] + ", " + matches[1] + (matches.size() > 2 ? ", ..." : "") +
                         ")");
      continue;
    }
    std::string why =
        compare_bytes(matches[0], client_root / matches[0], fixture, fixture_dir / fixture);
    if (!why.empty()) problems.push_back(std::move(why));
  }
  for (const std::string& file : files) {
    if (!expected.contains(file)) problems.push_back("unexpected file " + file);
  }
  return problems;
}

}  // namespace popgate::cli
