// What a client's file system and its open handles share: the root fd, the limits, the
// callbacks and the handle count. Handles hold it by shared_ptr so they stay safe even if the
// session drops the ClientFs before them.
#ifndef POPGATE_ADAPTERS_SFTP_CLIENT_FS_CONTEXT_H_
#define POPGATE_ADAPTERS_SFTP_CLIENT_FS_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "base/unique_fd.h"

namespace popgate::sftp {

// Per-client limits from clients/<id>.yaml. Zero means unlimited.
struct ClientLimits {
  std::uint64_t max_file_size = 0;  // bytes per uploaded file
  std::uint64_t quota_bytes = 0;    // bytes over inbox + outbox
  std::size_t max_open_handles = 0;
  // Uploads are refused while the file system under the client's root has less free space
  // than this (sftp.min_free_space): the disk never fills with uploads that jobs then cannot
  // process. Checked when an upload opens and every kFreeSpaceCheckBytes it grows.
  std::uint64_t min_free_bytes = 0;
};

struct ClientFsCallbacks {
  // One line per refusal: what was asked and why it was refused (client paths only).
  std::function<void(const std::string& line)> log;
  // Called once per upload, after the file is durable under its final name. relative_path is
  // "inbox/..." relative to the client's root.
  std::function<void(const std::string& relative_path, std::uint64_t size,
                     const std::string& sha256_hex)>
      on_upload_complete;
  // Called when a handle on a served file is closed after every byte of it was read (in any
  // order, over any number of requests): the client has the whole file. relative_path is
  // "outbox/..." relative to the client's root.
  std::function<void(const std::string& relative_path)> on_download_complete;
};

struct ClientFsContext {
  base::UniqueFd root;  // O_PATH | O_DIRECTORY
  ClientLimits limits;
  ClientFsCallbacks callbacks;
  std::size_t open_handles = 0;  // not thread-safe: one session drives one ClientFs

  void log(const std::string& line) const {
    if (callbacks.log) callbacks.log(line);
  }
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_CLIENT_FS_CONTEXT_H_
