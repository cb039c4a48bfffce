// popgate jobs: list, show, retry and cancel the jobs in state.db.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "adapters/store/sqlite_job_store.h"
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/job_report.h"
#include "workflows/engine/job.h"

namespace popgate::cli {

int run_jobs(CommandArgs args) {
  ArgParser parser(
      "jobs list|show ID|retry ID|cancel ID [--format text|json] [--config DIR|--data-dir DIR]",
      "Shows and manages durable jobs.\n"
      "  list       the newest jobs (--state, --client, --limit narrow it)\n"
      "  show ID    a job with every step attempt, its errors and outputs\n"
      "  retry ID   queues a failed or cancelled job again at the step where it stopped\n"
      "  cancel ID  cancels a queued or retrying job, or stops a running one");
  add_data_dir_options(parser)
      .option({"state", "STATE", "list: only jobs in this state", ""})
      .option({"client", "ID", "list: only this client's jobs", ""})
      .option({"limit", "N", "list: at most N jobs", "50"})
      .positional_range(1, 2);
  add_format_option(parser);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  const bool json = output_format(*parsed) == OutputFormat::json;
  const bool needs_id = action == "show" || action == "retry" || action == "cancel";
  if (!needs_id && action != "list") throw UsageError("unknown action '" + action + "'");
  if (needs_id != (parsed->positional().size() == 2))
    throw UsageError(needs_id ? action + " needs a job ID" : "list takes no job ID");

  const DataDir data = data_dir(*parsed);
  const std::filesystem::path db = data.path / "state.db";
  if (!std::filesystem::exists(db)) {
    std::cerr << "popgate jobs: no " << db.string() << " (data dir from " << data.origin
              << "; no job has run there)\n";
    return kExitFailure;
  }
  store::SqliteJobStore store(db.string());
  if (action == "list") {
    workflows::ListFilter filter;
    if (parsed->has("state")) {
      filter.state = workflows::parse_job_state(parsed->get_or("state", ""));
      if (!filter.state) throw UsageError("--state: not a job state");
    }
    if (parsed->has("client")) filter.client_id = parsed->get_or("client", "");
    filter.limit = static_cast<int>(parsed->get_int("limit", 50, 1, 100000));
    const std::vector<workflows::Job> jobs = store.list(filter);
    if (json) {
      std::cout << jobs_json(jobs);
      return kExitOk;
    }
    if (!jobs.empty()) print_job_header(std::cout);
    for (const workflows::Job& job : jobs)
      print_job_line(std::cout, job);
    return kExitOk;
  }
  const std::string id = parsed->positional()[1];
  auto job = store.get(id);
  if (!job) {
    std::cerr << "popgate jobs: no job " << id << "\n";
    return kExitFailure;
  }
  if (action == "show") {
    if (json) {
      std::cout << job_json(*job);
    } else {
      print_job(std::cout, *job);
    }
    return kExitOk;
  }
  if (action == "retry") {
    if (!store.retry(id)) {
      std::cerr << "popgate jobs: job " << id << " is " << workflows::to_string(job->state)
                << "; only failed or cancelled jobs can be retried\n";
      return kExitFailure;
    }
    std::cout << "job " << id << " queued again\n";
    return kExitOk;
  }
  if (!store.request_cancel(id, workflows::now_ms())) {
    std::cerr << "popgate jobs: job " << id << " is already " << workflows::to_string(job->state)
              << "\n";
    return kExitFailure;
  }
  std::cout << "job " << id << " cancel requested\n";
  return kExitOk;
}

}  // namespace popgate::cli
