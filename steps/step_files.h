// File helpers the generic steps share: where a `file` parameter points, and writing a file
// so that it appears whole or not at all.
#ifndef POPGATE_STEPS_STEP_FILES_H_
#define POPGATE_STEPS_STEP_FILES_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "adapters/formats/json_writer.h"
#include "base/atomic_file.h"
#include "workflows/engine/step_type.h"

namespace popgate::workflows::steps {

// The work-dir file named by parameter `name`, or the job's input when the parameter is
// absent or empty. Throws StepError (not retryable) when there is neither.
std::filesystem::path work_file_or_input(const StepContext& context, const std::string& name);

// base/atomic_file's publications for steps: a crash leaves either the old state or the whole
// new file (and at most a stale temp file, which the step's re-run overwrites). They throw
// StepError, retryable (I/O errors are often transient, e.g. a full disk being cleaned up)
// except for a missing source.

// Copies `from` to `to`.
void copy_atomically(const std::filesystem::path& from, const std::filesystem::path& to);

// Writes `content` to `to`.
void write_atomically(const std::filesystem::path& to, std::string_view content);

// Moves `from` to `to` by rename when both are on one file system (a multi-gigabyte result is
// not copied), otherwise by copy and unlink.
void move_atomically(const std::filesystem::path& from, const std::filesystem::path& to);

// A job's status file, as its client reads it: outbox/<job>-status.json under the client's
// root, a JSON object that starts {"job", "workflow", "state", ...} (no personal data). deliver,
// error_report and the daemon (a job waiting for disk space) write it; begin_status_file
// opens the object with those three members, the writer adds its own and closes it.
inline std::string status_file_name(const std::string& job_id) {
  return job_id + "-status.json";
}
void begin_status_file(formats::JsonWriter& out, const std::string& job_id,
                       const std::string& workflow, std::string_view state);

// The "state" of a job status file ("delivered", "failed", "delayed"); nullopt when it is
// missing or not such a file.
std::optional<std::string> status_file_state(const std::filesystem::path& status);
inline bool status_says_delivered(const std::filesystem::path& status) {
  return status_file_state(status) == "delivered";
}

// A result file that a step writes through a stream, published by commit() (base/atomic_file:
// fsync, rename, fsync of the directory); destroyed without a commit, it leaves nothing.
// Failures are retryable StepErrors that say why ("cannot write .../result.csv: No space left
// on device"): a stream keeps no errno, so the writes go through AtomicFile::write and commit()
// throws the first failure they met.
class OutputFile {
 public:
  explicit OutputFile(const std::filesystem::path& target);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream() { return out_; }
  void commit();

 private:
  class Buffer;
  base::AtomicFile file_;
  std::unique_ptr<Buffer> buffer_;
  std::ostream out_;
};

}  // namespace popgate::workflows::steps

#endif  // POPGATE_STEPS_STEP_FILES_H_
