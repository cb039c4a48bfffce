// File helpers the generic steps share: where a `file` parameter points, and writing a file
// so that it appears whole or not at all.
#ifndef POPGATE_WORKFLOWS_STEPS_STEP_FILES_H_
#define POPGATE_WORKFLOWS_STEPS_STEP_FILES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "workflows/step_type.h"

namespace popgate::workflows::steps {

// The work-dir file named by parameter `name`, or the job's input when the parameter is
// absent or empty. Throws StepError (not retryable) when there is neither.
std::filesystem::path work_file_or_input(const StepContext& context, const std::string& name);

// Copies `from` to `to` through "<dir>/.<name>.tmp": write, fsync, rename, fsync the directory.
// A crash leaves either the old state or the whole new file (and at most a stale temp file,
// which the step's re-run overwrites). Throws StepError (retryable: I/O errors are often
// transient, e.g. a full disk being cleaned up).
void copy_atomically(const std::filesystem::path& from, const std::filesystem::path& to);

// Writes `content` to `to` the same way: temp file, fsync, rename, fsync the directory.
void write_atomically(const std::filesystem::path& to, std::string_view content);

// Moves `from` to `to` by rename when both are on one file system (a multi-gigabyte result is
// not copied), otherwise by copy_atomically and unlink; syncs the target directory. Throws
// StepError (retryable).
void move_atomically(const std::filesystem::path& from, const std::filesystem::path& to);

// "2026-11-22T18:24:09Z" for milliseconds since the epoch.
std::string iso_utc(std::int64_t epoch_ms);

}  // namespace popgate::workflows::steps

#endif  // POPGATE_WORKFLOWS_STEPS_STEP_FILES_H_
