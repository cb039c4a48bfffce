// Where jobs come from: the one place that turns an event into the NewJob submitted for it.
//
// JobStore::submit is idempotent over (workflow, client, intake_key), so what a job puts in
// intake_key is its identity, and each kind of event decides what makes two events the same:
//   - a client's completed upload: this content under this name as this inode, so that the
//     same event seen twice queues one job, while the same file uploaded again is a new one;
//   - a schedule's slot: the workflow and the slot's time, so that a restart that sees the
//     same slot again gets the same job back instead of making a second delivery;
//   - an operator's `popgate run` on a file: the file's content, so that the same command
//     run again reports (or resumes) the same job.
// Every job carries the text and SHA-256 of the workflow version it starts with (job.h).
//
// workflows/ links no crypto library: the caller passes its SHA-256 function.
#ifndef POPGATE_WORKFLOWS_ENGINE_JOB_INTAKE_H_
#define POPGATE_WORKFLOWS_ENGINE_JOB_INTAKE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "workflows/engine/job.h"
#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// A text's SHA-256 as 64 lower-case hex digits (the daemon passes crypto::sha256_hex).
using Sha256Hex = std::function<std::string(std::string_view text)>;

// A file a client has just uploaded whole, as the SFTP server reports it.
struct CompletedUpload {
  std::string client;
  std::filesystem::path client_root;  // exchange/<client>/
  std::string path;                   // under the client's root: "inbox/customers.csv"
  std::string sha256;                 // of the content
  // The file as it was completed: a later upload of the same content is another file.
  std::uint64_t inode = 0;
  std::int64_t mtime_seconds = 0;
  std::int64_t mtime_nanoseconds = 0;
};

// The upload's identity (above). The daemon also names its copy of the input by it.
std::string upload_key(const CompletedUpload& upload, const Sha256Hex& sha256);

// The job `workflow` runs for `upload`, reading `input` (the daemon's copy of the file).
NewJob job_for_upload(const Workflow& workflow, const CompletedUpload& upload,
                      const std::filesystem::path& input, const Sha256Hex& sha256);

// The job `workflow` runs for `client` in the schedule slot at `due`; it has no input.
NewJob job_for_schedule(const Workflow& workflow, const std::string& client,
                        const std::filesystem::path& client_root,
                        std::chrono::system_clock::time_point due, const Sha256Hex& sha256);

// The job `popgate run` starts for `client` on `input`, whose content has `input_sha256`.
NewJob job_for_input(const Workflow& workflow, const std::string& client,
                     const std::filesystem::path& client_root, const std::filesystem::path& input,
                     const std::string& input_sha256, const Sha256Hex& sha256);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_JOB_INTAKE_H_
