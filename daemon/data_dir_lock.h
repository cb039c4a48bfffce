// One process at a time runs jobs from a data directory: a second daemon, or `popgate run`
// beside a daemon, would resume the first one's running jobs as if it had crashed. The lock is
// an flock on DATA_DIR/popgate.lock, released by the kernel however the holder ends (even
// SIGKILL), so a crash never leaves a stale lock behind.
#ifndef POPGATE_DAEMON_DATA_DIR_LOCK_H_
#define POPGATE_DAEMON_DATA_DIR_LOCK_H_

#include <filesystem>

#include "base/unique_fd.h"

namespace popgate::daemon {

// Creates the directory if needed and locks it; throws std::runtime_error naming the lock
// when another process holds it. The lock lasts as long as the returned descriptor.
base::UniqueFd lock_data_dir(const std::filesystem::path& data_dir);

}  // namespace popgate::daemon

#endif  // POPGATE_DAEMON_DATA_DIR_LOCK_H_
