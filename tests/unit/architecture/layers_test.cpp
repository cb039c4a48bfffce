// The layers of docs/architecture.md, checked rather than only described: no #include climbs
// a layer, each third-party library is included by its one adapter only, and each CMake
// target links exactly the rooms its sources include.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace popgate {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = POPGATE_SOURCE_DIR;

// A room: a folder of sources with one CMake target, and the rooms it may include. The order
// is the layering: base < registry < workflows < adapters < steps < daemon.
struct Room {
  std::string folder;
  std::string target;
  std::set<std::string> may_include;
};

const std::vector<Room>& rooms() {
  static const std::vector<Room> kRooms = {
      {"base", "popgate_base", {}},
      {"registry", "popgate_registry", {"base"}},
      {"registry/synth", "popgate_synth", {"registry", "base"}},
      {"workflows/engine", "popgate_engine", {"registry", "base"}},
      {"workflows/schedule", "popgate_schedule", {"workflows/engine", "registry", "base"}},
      {"workflows/config",
       "popgate_config",
       {"workflows/schedule", "workflows/engine", "registry", "base"}},
      {"adapters/crypto", "popgate_crypto", {"base"}},
      {"adapters/archive", "popgate_archive", {"base"}},
      {"adapters/formats", "popgate_formats", {"registry", "base"}},
      {"adapters/sftp", "popgate_sftp", {"adapters/crypto", "base"}},
      {"adapters/http", "popgate_http", {"base"}},
      {"adapters/geo", "popgate_geo", {"registry", "base"}},
      // The store implements the engine's interfaces (JobStore, DeliveryStore) and the SFTP
      // defender's BanStore.
      {"adapters/store",
       "popgate_store",
       {"adapters/formats", "adapters/crypto", "adapters/sftp", "workflows/engine", "registry",
        "base"}},
      {"steps",
       "popgate_steps",
       {"adapters/store", "adapters/sftp", "adapters/formats", "adapters/archive",
        "adapters/crypto", "adapters/geo", "workflows/config", "workflows/schedule",
        "workflows/engine", "registry", "base"}},
      {"daemon",
       "popgate_daemon",
       {"steps", "adapters/store", "adapters/sftp", "adapters/http", "adapters/geo",
        "adapters/formats", "adapters/archive", "adapters/crypto", "workflows/config",
        "workflows/schedule", "workflows/engine", "registry", "base"}},
      {"daemon/cli",
       "popgate_cli",
       {"daemon", "steps", "adapters/store", "adapters/sftp", "adapters/http", "adapters/geo",
        "adapters/formats", "adapters/archive", "adapters/crypto", "workflows/config",
        "workflows/schedule", "workflows/engine", "registry/synth", "registry", "base"}},
  };
  return kRooms;
}

// Third-party headers, by the one room allowed to include them.
const std::map<std::string, std::regex>& libraries() {
  static const std::map<std::string, std::regex> kLibraries = {
      {"adapters/crypto", std::regex("^openssl/")},
      {"adapters/sftp", std::regex("^libssh/")},
      {"adapters/archive", std::regex("^archive(_entry)?\\.h$")},
      {"adapters/store", std::regex("^sqlite3\\.h$")},
      // POCO's JSON and Foundation in formats, its Net (HTTP servers) in http.
      {"adapters/formats", std::regex("^Poco/(?!Net/)")},
      {"adapters/http", std::regex("^Poco/Net/")},
      {"adapters/geo", std::regex("^proj\\.h$")},
      {"workflows/config", std::regex("^yaml-cpp/")},
      {"daemon", std::regex("^(systemd|prometheus)/")},
  };
  return kLibraries;
}

struct Include {
  fs::path file;
  int line = 0;
  std::string header;
  bool quoted = false;
};

std::vector<fs::path> sources_of(const std::string& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / folder)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".cpp" || ext == ".h")) files.push_back(entry.path());
  }
  return files;
}

std::vector<Include> includes_of(const fs::path& file) {
  static const std::regex kInclude(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::vector<Include> out;
  std::ifstream in(file);
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    std::smatch m;
    if (std::regex_search(text, m, kInclude)) out.push_back({file, line, m[2], m[1] == "\""});
  }
  return out;
}

// The room a project header belongs to: the longest room folder that is its directory.
std::string room_of(const std::string& header) {
  std::string best;
  for (const Room& room : rooms()) {
    const std::string dir = fs::path(header).parent_path().string();
    if (dir == room.folder && room.folder.size() > best.size()) best = room.folder;
  }
  return best;
}

std::string where(const Include& include) {
  return fs::relative(include.file, kSource).string() + ":" + std::to_string(include.line);
}

// The popgate_* targets that `target` links, from the CMakeLists.txt files.
std::map<std::string, std::set<std::string>> linked_targets() {
  static const std::regex kLink(R"(target_link_libraries\(\s*(popgate_\w+)([^)]*)\))");
  static const std::regex kTarget(R"(popgate_\w+)");
  std::map<std::string, std::set<std::string>> links;
  for (const auto& entry : fs::recursive_directory_iterator(kSource)) {
    if (entry.path().filename() != "CMakeLists.txt") continue;
    const std::string rel = fs::relative(entry.path(), kSource).string();
    if (rel.starts_with("build") || rel.starts_with("tests") || rel.starts_with("bench")) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    for (std::sregex_iterator it(all.begin(), all.end(), kLink), end; it != end; ++it) {
      std::set<std::string>& to = links[(*it)[1]];
      const std::string args = (*it)[2];
      for (std::sregex_iterator t(args.begin(), args.end(), kTarget); t != end; ++t)
        to.insert(t->str());
    }
  }
  return links;
}

TEST(Layers, NoIncludeClimbsALayer) {
  int checked = 0;
  for (const Room& room : rooms()) {
    for (const fs::path& file : sources_of(room.folder)) {
      for (const Include& include : includes_of(file)) {
        if (!include.quoted) continue;
        const std::string to = room_of(include.header);
        ASSERT_FALSE(to.empty()) << where(include) << ": \"" << include.header
                                 << "\" is in no room of docs/architecture.md";
        ++checked;
        if (to == room.folder) continue;
        EXPECT_TRUE(room.may_include.count(to))
            << where(include) << ": " << room.folder << " may not include " << include.header
            << " (" << to << " is not below it)";
      }
    }
  }
  EXPECT_GT(checked, 500);  // the scan found the sources
}

TEST(Layers, EachLibraryIsIncludedByItsAdapterOnly) {
  for (const Room& room : rooms()) {
    for (const fs::path& file : sources_of(room.folder)) {
      for (const Include& include : includes_of(file)) {
        if (include.quoted) continue;
        for (const auto& [owner, pattern] : libraries()) {
          if (!std::regex_search(include.header, pattern) || owner == room.folder) continue;
          ADD_FAILURE() << where(include) << ": <" << include.header << "> belongs to " << owner
                        << " only";
        }
      }
    }
  }
}

TEST(Layers, EachTargetLinksExactlyTheRoomsItIncludes) {
  const std::map<std::string, std::set<std::string>> links = linked_targets();
  std::map<std::string, std::string> target_of;
  for (const Room& room : rooms())
    target_of[room.folder] = room.target;
  for (const Room& room : rooms()) {
    std::set<std::string> included;
    for (const fs::path& file : sources_of(room.folder)) {
      for (const Include& include : includes_of(file)) {
        const std::string to = include.quoted ? room_of(include.header) : "";
        if (!to.empty() && to != room.folder) included.insert(target_of.at(to));
      }
    }
    std::set<std::string> linked =
        links.count(room.target) ? links.at(room.target) : std::set<std::string>{};
    linked.erase("popgate_reference");  // the embedded reference data, not a room
    EXPECT_EQ(linked, included) << room.target << " (" << room.folder << ")";
  }
}

}  // namespace
}  // namespace popgate
