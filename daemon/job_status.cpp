#include "daemon/job_status.h"

#include <chrono>
#include <filesystem>

#include "adapters/formats/json_writer.h"
#include "base/atomic_file.h"
#include "base/time_text.h"
#include "daemon/log.h"
#include "steps/step_files.h"
#include "workflows/engine/disk_space.h"

namespace popgate::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDelayedReason =
    "delayed: the appliance is short of disk space; the job goes on by itself when space is "
    "freed";

fs::path status_path(const workflows::Job& job) {
  return fs::path(job.client_root) / "outbox" / workflows::steps::status_file_name(job.id);
}

std::string delayed_status(const workflows::Job& job) {
  std::string json;
  formats::JsonWriter out(json, 2);
  workflows::steps::begin_status_file(out, job.id, job.workflow, "delayed");
  out.field("since", base::iso_utc(std::chrono::system_clock::now()));
  out.field("reason", kDelayedReason);
  out.end_object();
  json += '\n';
  return json;
}

}  // namespace

void note_job_waiting(const workflows::Job& job, const std::string& why) {
  if (!workflows::is_short_of_disk_space(why)) return;
  const fs::path path = status_path(job);
  if (workflows::steps::status_file_state(path) == "delivered") return;
  try {
    std::error_code ec;
    if (!fs::is_directory(path.parent_path(), ec)) return;  // no outbox: not a client job
    base::write_file_atomically(path, delayed_status(job));
    log(LogLevel::warning, job.id, "waits for disk space: the client's status says delayed");
  } catch (const std::exception& e) {
    log(LogLevel::warning, job.id, std::string("cannot tell the client of the delay: ") + e.what());
  }
}

void clear_delayed_status(const workflows::Job& job) {
  const fs::path path = status_path(job);
  if (workflows::steps::status_file_state(path) != "delayed") return;
  std::error_code ec;
  fs::remove(path, ec);
  if (!ec) base::sync_directory(path.parent_path());
}

}  // namespace popgate::daemon
