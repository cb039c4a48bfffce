#include "workflows/engine/job_intake.h"

#include "base/time_text.h"

namespace popgate::workflows {
namespace {

// What every job of `workflow` for `client` holds, whatever started it.
NewJob job_of(const Workflow& workflow, const std::string& client,
              const std::filesystem::path& client_root, const Sha256Hex& sha256) {
  NewJob job;
  job.workflow = workflow.name;
  job.workflow_text = workflow.source_text;
  job.workflow_hash = sha256(workflow.source_text);
  job.client_id = client;
  job.client_root = client_root.string();
  job.concurrency = workflow.concurrency;
  return job;
}

}  // namespace

std::string upload_key(const CompletedUpload& upload, const Sha256Hex& sha256) {
  return sha256("upload\n" + upload.client + "\n" + upload.path + "\n" + upload.sha256 + "\n" +
                std::to_string(upload.inode) + "\n" + std::to_string(upload.mtime_seconds) + "." +
                std::to_string(upload.mtime_nanoseconds));
}

NewJob job_for_upload(const Workflow& workflow, const CompletedUpload& upload,
                      const std::filesystem::path& input, const Sha256Hex& sha256) {
  NewJob job = job_of(workflow, upload.client, upload.client_root, sha256);
  job.input_path = input.string();
  job.intake_key = upload_key(upload, sha256);
  job.input_sha256 = upload.sha256;
  return job;
}

NewJob job_for_schedule(const Workflow& workflow, const std::string& client,
                        const std::filesystem::path& client_root,
                        std::chrono::system_clock::time_point due, const Sha256Hex& sha256) {
  NewJob job = job_of(workflow, client, client_root, sha256);
  job.intake_key = sha256("schedule " + workflow.name + " " + base::iso_utc(due));
  return job;
}

NewJob job_for_input(const Workflow& workflow, const std::string& client,
                     const std::filesystem::path& client_root, const std::filesystem::path& input,
                     const std::string& input_sha256, const Sha256Hex& sha256) {
  NewJob job = job_of(workflow, client, client_root, sha256);
  job.input_path = input.string();
  job.intake_key = input_sha256;
  job.input_sha256 = input_sha256;
  return job;
}

}  // namespace popgate::workflows
