#include "daemon/cli/commands.h"

#include <array>

namespace popgate::cli {

std::span<const Command> commands() {
  static constexpr std::array<Command, 16> kCommands = {{
      {"serve", "run the daemon (jobs, schedules; SIGHUP reloads the configuration)", run_serve},
      {"hetu", "validate or generate personal identity codes (HETU)", run_hetu},
      {"synth", "build a synthetic population register (register.db)", run_synth},
      {"import", "import persons, buildings or change events (JSON Lines, CSV)", run_import},
      {"export", "export persons, buildings or change events (JSON Lines, CSV)", run_export},
      {"register", "look into a register.db: counts, one person, one building", run_register},
      {"lint", "check workflows, clients, permits and popgate.yaml", run_lint},
      {"run", "run one workflow job in the foreground", run_run},
      {"jobs", "list, show, retry or cancel jobs", run_jobs},
      {"client", "list, show, add or disable client organisations", run_client},
      {"permit", "list, show, check, add or revoke data permits", run_permit},
      {"audit", "verify the disclosure log; who got a person's data, what a client got", run_audit},
      {"bans", "list the SFTP addresses banned for failed logins, or lift a ban", run_bans},
      {"keys", "make, show or rotate the exchange certificate and show the SFTP host keys",
       run_keys},
      {"testdata", "sample files for trying a service: a customer register to update",
       run_testdata},
      {"version", "print popgate's version", run_version},
  }};
  return kCommands;
}

}  // namespace popgate::cli
