// The subcommands of the `popgate` binary. Each lives in its own cmd_*.cpp.
#ifndef POPGATE_DAEMON_CLI_COMMANDS_H_
#define POPGATE_DAEMON_CLI_COMMANDS_H_

#include <span>
#include <string>
#include <string_view>

namespace popgate::cli {

using CommandArgs = std::span<const std::string>;

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(CommandArgs args);  // args after the command name; returns the exit code
};

std::span<const Command> commands();

int run_hetu(CommandArgs args);
int run_synth(CommandArgs args);
int run_import(CommandArgs args);
int run_export(CommandArgs args);
int run_register(CommandArgs args);
int run_serve(CommandArgs args);
int run_lint(CommandArgs args);
int run_run(CommandArgs args);
int run_jobs(CommandArgs args);
int run_audit(CommandArgs args);
int run_bans(CommandArgs args);
int run_keys(CommandArgs args);
int run_client(CommandArgs args);
int run_permit(CommandArgs args);
int run_testdata(CommandArgs args);
int run_version(CommandArgs args);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_COMMANDS_H_
