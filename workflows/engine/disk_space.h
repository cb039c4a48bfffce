// A full disk is a wait, not a failure: the engine retries a step that failed for want of space
// (however many attempts its `retry:` allows) and requeues a job whose store update failed so,
// and the daemon tells the client that the job is delayed. One reading of an error decides
// both, by its text, since the error may come from the C library (strerror), from SQLite or
// from the SFTP server's own refusal.
#ifndef POPGATE_WORKFLOWS_ENGINE_DISK_SPACE_H_
#define POPGATE_WORKFLOWS_ENGINE_DISK_SPACE_H_

#include <chrono>
#include <string_view>

#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// Whether an error says that a disk is full: ENOSPC and EDQUOT as strerror words them, SQLite's
// SQLITE_FULL, and the SFTP server's own refusal.
bool is_short_of_disk_space(std::string_view error);

// How a job waits for space: 1 s, doubling to at most a minute between tries, with no limit on
// their number (an operator frees space or cancels the job).
inline constexpr RetryPolicy kDiskSpaceRetry{0, std::chrono::milliseconds(1000),
                                             std::chrono::milliseconds(60000)};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_DISK_SPACE_H_
