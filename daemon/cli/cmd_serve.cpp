// popgate serve: the daemon (see daemon/server.h).
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/server.h"

namespace popgate::cli {

int run_serve(CommandArgs args) {
  ArgParser parser("serve [--config DIR] [--data-dir DIR]",
                   "Runs the popgate daemon: lints the configuration and refuses to start on\n"
                   "errors, runs workflow jobs, fires scheduled workflows, and on SIGHUP\n"
                   "(systemctl reload) validates the changed configuration and applies it only\n"
                   "when valid; otherwise the running configuration stays. SIGTERM stops it.");
  add_config_option(parser).option({"data-dir", "DIR", "overrides popgate.yaml's data_dir", ""});
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  daemon::ServeOptions options;
  options.config_dir = config_dir(*parsed).string();
  options.data_dir = parsed->get_or("data-dir", "");
  daemon::Server server(options);
  return server.run();
}

}  // namespace popgate::cli
