// A client path, checked and normalised before the kernel ever sees it. The kernel
// (openat2 RESOLVE_BENEATH, client_fs_open.h) is what actually confines the client; these string
// rules refuse early, with a reason a log line can state, what no client has a use for.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_PATH_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::sftp {

enum class Area { root, inbox, outbox };

// Deepest name below an area: inbox/<dir>/<dir>/<file>. Enough for clients that sort uploads
// into folders, shallow enough that walking a client's tree for its quota stays cheap.
constexpr std::size_t kMaxDepthBelowArea = 3;
constexpr std::size_t kMaxNameBytes = 255;
constexpr std::size_t kMaxPathBytes = 4096;

struct ClientPath {
  Area area = Area::root;
  std::vector<std::string> names;  // components below the area

  // "/", "/inbox", "/inbox/a/b": what the client sees and what messages may show.
  std::string canonical() const;
  // ".", "inbox", "inbox/a/b": relative to the client's root fd, for openat2.
  std::string relative() const;
  ClientPath parent() const;
  const std::string& leaf() const { return names.back(); }
  bool is_area_top() const { return area != Area::root && names.empty(); }
};

// Both "/inbox/x" and "inbox/x" mean the inbox; "", "." and empty components are dropped.
// Throws FsException(PERMISSION_DENIED) naming the rule broken: a ".." component, control
// characters or NUL, a hidden name (".x", reserved for temporary uploads), a name over 255 bytes,
// a path deeper than kMaxDepthBelowArea, or anything outside inbox and outbox.
ClientPath parse_client_path(std::string_view raw);

// For REALPATH only: ".." is resolved lexically and never climbs above "/", so that `cd ..`
// works in stock clients; every other rule of parse_client_path still applies. Resolving a name
// touches nothing on disk, so this opens no way out.
ClientPath parse_client_path_for_realpath(std::string_view raw);

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_PATH_H_
