// popgate run: one workflow, one job, in the foreground.
//
// Two ways. Given --config (or a workflow by name, looked up in the configuration), it runs as
// the appliance would: the configuration's clients and permits decide (exactly as under
// `popgate serve`), the appliance's register, keys and audit log are used, and the audit record
// says which operator ran it; the job's own state and the result stay in --out, so it runs
// beside the daemon without touching the daemon's jobs, its lock or any client's outbox. Without
// --config it is the bare engine on a data dir of its own (for trying a workflow; steps that
// need the appliance fail clearly).
#include <filesystem>
#include <iostream>

#include "adapters/crypto/sha256.h"
#include "daemon/audit_setup.h"
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/job_report.h"
#include "daemon/config_checks.h"
#include "daemon/foreground_engine.h"
#include "daemon/live_config.h"
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

// Submits the job (or finds it) and runs it to its end.
int run_job(ForegroundEngine& foreground, const workflows::Workflow& workflow,
            const workflows::NewJob& request) {
  workflows::Engine& engine = foreground.engine();
  engine.add_workflow(workflow, request.workflow_hash);
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

// The configuration's workflow named `name`, or the workflow file `name`.
std::optional<workflows::Workflow> configured_workflow(const workflows::ConfigSet& config,
                                                       const std::string& name,
                                                       const workflows::StepRegistry& steps) {
  if (const workflows::Workflow* w = config.workflow(name)) return *w;
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return load(name, steps);
  std::cerr << "popgate run: no workflow '" << name << "' in the configuration, and no such file\n";
  return std::nullopt;
}

// As the appliance: its configuration decides, its register, keys and audit log are used, and
// the job's state and result stay in `out`.
int run_as_appliance(const ParsedArgs& parsed, const std::string& workflow_name,
                     const std::string& client, const std::string& input) {
  if (!parsed.has("out")) throw UsageError("--out DIR is required with --config");
  const std::string config_dir = cli::config_dir(parsed).string();
  const workflows::StepRegistry lint_steps = workflows::steps::builtin_steps();
  workflows::Diagnostics diagnostics;
  workflows::ConfigSet config = lint_with_adapters({config_dir}, lint_steps, diagnostics);
  std::cerr << workflows::format_text(diagnostics.sorted());
  if (diagnostics.has_errors()) {
    std::cerr << "popgate run: the configuration " << config_dir << " has errors\n";
    return kExitFailure;
  }
  if (config.client(client) == nullptr) {
    std::cerr << "popgate run: no client '" << client << "' in " << config_dir << "\n";
    return kExitFailure;
  }
  const fs::path data_dir = fs::absolute(
      parsed.get_or("data-dir", config.daemon ? config.daemon->data_dir : "/var/lib/popgate"));
  const fs::path out = fs::absolute(parsed.get_or("out", ""));
  // A mistyped --data-dir must not start a second audit log and key pair somewhere else.
  if (!fs::exists(data_dir / "register.db")) {
    std::cerr << "popgate run: no register at " << (data_dir / "register.db").string()
              << " (--data-dir must be the appliance's data dir)\n";
    return kExitFailure;
  }
  std::optional<workflows::Workflow> workflow =
      configured_workflow(config, workflow_name, lint_steps);
  if (!workflow) return kExitFailure;

  daemon::LiveConfig live;
  live.install(std::move(config));
  const std::unique_ptr<store::AuditLog> audit = daemon::open_audit_log(data_dir);
  workflows::steps::StepEnvironment environment;
  environment.check_permit = [&live](const registry::PermitRequest& request) {
    return live.decide_permit(request);
  };
  environment.permit = [&live](const std::string& id) { return live.permit(id); };
  environment.package = [&live](std::string_view name) { return live.package(name); };
  environment.client = [&live](const std::string& id) { return live.client(id); };
  environment.keys_dir = data_dir / "keys";
  environment.audit = audit.get();
  environment.register_db = data_dir / "register.db";
  environment.run_by = operator_name();
  const workflows::StepRegistry steps = workflows::steps::builtin_steps(environment);

  workflows::NewJob request;
  try {
    request = foreground_job(*workflow, client, out, input);
  } catch (const crypto::CryptoError& e) {
    std::cerr << "popgate run: " << e.what() << "\n";
    return kExitFailure;
  }
  std::cerr << "popgate run: as the appliance (" << config_dir << ", data " << data_dir.string()
            << "), by operator " << environment.run_by << "; the result goes to "
            << (out / "outbox").string() << "\n";
  ForegroundEngine foreground(out / ".popgate-run", steps);
  return run_job(foreground, *workflow, request);
}

// The bare engine on a data dir of its own.
int run_bare(const ParsedArgs& parsed, const std::string& workflow_path, const std::string& client,
             const std::string& input) {
  const fs::path data_dir = fs::absolute(parsed.get_or("data-dir", "./popgate-data"));
  const fs::path client_root =
      parsed.has("out") ? fs::absolute(parsed.get_or("out", "")) : data_dir / "exchange" / client;
  const workflows::StepRegistry steps = workflows::steps::builtin_steps();
  auto workflow = load(workflow_path, steps);
  if (!workflow) return kExitFailure;
  workflows::NewJob request;
  try {
    request = foreground_job(*workflow, client, client_root, input);
  } catch (const crypto::CryptoError& e) {
    std::cerr << "popgate run: " << e.what() << "\n";
    return kExitFailure;
  }
  ForegroundEngine foreground(data_dir, steps);
  return run_job(foreground, *workflow, request);
}

}  // namespace

int run_run(CommandArgs args) {
  ArgParser parser(
      "run WORKFLOW --client ID --input FILE [--config DIR --out DIR] [--data-dir DIR]",
      "Runs one job of WORKFLOW for client ID on FILE in the foreground and prints each\n"
      "step's outcome and outputs. Running it again with the same workflow, client and input\n"
      "returns the same job: a finished job is reported, an interrupted one is resumed.\n"
      "\n"
      "With --config (or when WORKFLOW is a name, not a file), as the appliance: the\n"
      "configuration's workflow, clients and permits (checked exactly as `serve` checks\n"
      "them), the appliance's register, keys and audit log in --data-dir (default: the\n"
      "configuration's data_dir); the audit record names the operator. The job's state and\n"
      "the result stay in --out (results in DIR/outbox), never in a client's outbox, so it\n"
      "runs beside the daemon.\n"
      "\n"
      "Without --config, WORKFLOW is a file and the engine runs on --data-dir of its own\n"
      "(state.db, work/; locked), results in --out/outbox or DATA/exchange/ID/outbox.");
  parser.option({"client", "ID", "the client the job runs for", ""})
      .option({"input", "FILE", "the input file (as if the client had uploaded it)", ""})
      .option({"config", "DIR",
               "the appliance's configuration (when WORKFLOW is a name: default "
               "$POPGATE_CONFIG, else /etc/popgate)",
               ""})
      .option({"out", "DIR", "where the result goes (DIR/outbox)", ""})
      .option({"data-dir", "DIR",
               "with --config the appliance's data dir (default: its data_dir); else the "
               "run's own (default ./popgate-data)",
               ""})
      .positional_range(1, 1);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string client = parsed->get_or("client", "");
  const std::string input = parsed->get_or("input", "");
  if (client.empty()) throw UsageError("--client ID is required");
  if (input.empty()) throw UsageError("--input FILE is required");
  const std::string workflow = parsed->positional()[0];
  std::error_code ec;
  if (parsed->has("config") || !fs::is_regular_file(workflow, ec))
    return run_as_appliance(*parsed, workflow, client, input);
  return run_bare(*parsed, workflow, client, input);
}

}  // namespace popgate::cli
