// popgate run: one workflow, one job, in the foreground, with the daemon's engine and store.
#include <filesystem>
#include <iostream>

#include "adapters/crypto/sha256.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/job_report.h"
#include "daemon/foreground_engine.h"
#include "steps/builtin_steps.h"
#include "workflows/config/workflow_loader.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

std::optional<workflows::Workflow> load(const std::string& path,
                                        const workflows::StepRegistry& steps) {
  workflows::Diagnostics diagnostics;
  auto workflow = workflows::load_workflow_file(path, steps, diagnostics);
  std::cerr << workflows::format_text(diagnostics.sorted());
  if (diagnostics.has_errors()) return std::nullopt;
  return workflow;
}

int exit_code_for(const workflows::Job& job) {
  return job.state == workflows::JobState::succeeded ? kExitOk : kExitFailure;
}

}  // namespace

int run_run(CommandArgs args) {
  ArgParser parser(
      "run WORKFLOW --client ID --input FILE [--out DIR] [--data-dir DIR]",
      "Runs one job of WORKFLOW for client ID on FILE in the foreground, with the same\n"
      "engine and state.db as the daemon, and prints each step's outcome and outputs.\n"
      "Running it again with the same workflow, client and input returns the same job:\n"
      "a finished job is reported, an interrupted one (killed) is resumed at its step.");
  parser.option({"client", "ID", "the client the job runs for", ""})
      .option({"input", "FILE", "the input file (as if the client had uploaded it)", ""})
      .option({"out", "DIR", "the client's root for this run (results in DIR/outbox)", ""})
      .option({"data-dir", "DIR", "where state.db and work/ live", "./popgate-data"})
      .positional_range(1, 1);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string client = parsed->get_or("client", "");
  const std::string input = parsed->get_or("input", "");
  if (client.empty()) throw UsageError("--client ID is required");
  if (input.empty()) throw UsageError("--input FILE is required");
  const fs::path data_dir = fs::absolute(parsed->get_or("data-dir", "./popgate-data"));
  const fs::path client_root =
      parsed->has("out") ? fs::absolute(parsed->get_or("out", "")) : data_dir / "exchange" / client;

  const workflows::StepRegistry steps = workflows::steps::builtin_steps();
  auto workflow = load(parsed->positional()[0], steps);
  if (!workflow) return kExitFailure;

  workflows::NewJob request;
  try {
    request = foreground_job(*workflow, client, client_root, input);
  } catch (const crypto::CryptoError& e) {
    std::cerr << "popgate run: " << e.what() << "\n";
    return kExitFailure;
  }

  ForegroundEngine foreground(data_dir, steps);
  workflows::Engine& engine = foreground.engine();
  engine.add_workflow(*workflow, request.workflow_hash);

  const workflows::SubmitResult submitted = engine.submit(request);
  const std::string id = submitted.job.id;
  std::cout << "job " << id << "\n";
  if (!submitted.created) {
    std::cerr << "popgate run: this workflow already has job " << id << " for this client and "
              << "input (" << workflows::to_string(submitted.job.state) << ")\n";
    if (workflows::is_terminal(submitted.job.state)) {
      auto job = foreground.store().get(id);
      print_job(std::cout, *job);
      return exit_code_for(*job);
    }
  }
  // `popgate run` owns its job: if an earlier run was killed, it resumes it here.
  auto job = foreground.run(id, std::chrono::hours(24 * 365));
  print_job(std::cout, *job);
  return exit_code_for(*job);
}

}  // namespace popgate::cli
