#include "daemon/foreground_engine.h"

#include "adapters/crypto/sha256.h"
#include "daemon/data_dir_lock.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/engine/job_intake.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;
namespace wf = workflows;

// The store opens in the member initialiser list, so its directory has to exist by then.
std::string state_db(const fs::path& data_dir) {
  fs::create_directories(data_dir);
  return (data_dir / "state.db").string();
}

wf::EngineOptions options_for(const fs::path& data_dir, const wf::StepRegistry& steps,
                              ForegroundEngine::Log log) {
  wf::EngineOptions options;
  options.workers = 1;
  options.work_root = data_dir / "work";
  options.log = std::move(log);
  // A job resumed after a kill may have started on an older version of the workflow file;
  // it finishes on the version stored with it.
  options.load_workflow = [&steps](const wf::Job& job) {
    wf::Diagnostics ignored;
    return wf::load_workflow(job.workflow_text, job.workflow + " (as stored)", steps, ignored);
  };
  return options;
}

}  // namespace

wf::NewJob foreground_job(const wf::Workflow& workflow, const std::string& client,
                          const fs::path& client_root, const fs::path& input) {
  const fs::path path = fs::absolute(input);
  return wf::job_for_input(workflow, client, client_root, path, crypto::sha256_file(path).sha256,
                           crypto::sha256_hex);
}

ForegroundEngine::ForegroundEngine(const fs::path& data_dir, const wf::StepRegistry& steps, Log log)
    : lock_(daemon::lock_data_dir(data_dir)),
      store_(state_db(data_dir)),
      engine_(store_, steps, options_for(data_dir, steps, log)) {}

std::optional<wf::Job> ForegroundEngine::run(const std::string& id,
                                             std::chrono::milliseconds timeout) {
  engine_.recover(id);
  engine_.start();
  std::optional<wf::Job> job = engine_.wait(id, timeout);
  engine_.stop();
  return job;
}

}  // namespace popgate::cli
