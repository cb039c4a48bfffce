// popgate bans: the addresses the SFTP defender banned for failed logins, and lifting a ban.
// The daemon follows a lifted ban within a second (Defender::apply_lifts); no restart.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>

#include "adapters/store/sqlite_ban_store.h"
#include "base/ip_network.h"
#include "base/time_text.h"
#include "daemon/cli/appliance_dirs.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

int list(store::SqliteBanStore& bans) {
  const std::int64_t now = std::time(nullptr);
  int shown = 0;
  for (const sftp::Ban& ban : bans.load()) {
    if (ban.banned_until <= now) continue;  // remembered for escalation, not banned
    if (shown++ == 0) std::cout << "address  banned until  bans  reason\n";
    std::cout << ban.address << "  "
              << base::iso_utc(std::chrono::system_clock::from_time_t(ban.banned_until)) << "  "
              << ban.ban_count << "  " << ban.reason << "\n";
  }
  if (shown == 0) std::cout << "no address is banned\n";
  return kExitOk;
}

int unban(store::SqliteBanStore& bans, const std::string& text) {
  if (!base::parse_ip_address(text)) throw UsageError("'" + text + "' is not an IP address");
  const std::string address = base::canonical_address(text);
  if (!bans.lift(address, std::time(nullptr), operator_name())) {
    std::cerr << "popgate bans: " << address << " is not banned\n";
    return kExitFailure;
  }
  std::cout << "lifted the ban of " << address
            << "; a running popgate serve lets it in again within a second\n";
  return kExitOk;
}

}  // namespace

int run_bans(CommandArgs args) {
  ArgParser parser(
      "bans list | unban ADDRESS [--config DIR|--data-dir DIR]",
      "The SFTP defender bans an address whose failed logins and protocol errors score too\n"
      "much (sftp_server.defender in popgate.yaml); the bans are kept in DIR/state.db.\n"
      "  list              the addresses banned now, until when, how often, and why\n"
      "  unban ADDRESS     lifts the ban (and forgets the address's history); the running\n"
      "                    daemon follows within a second");
  add_data_dir_options(parser).positional_range(1, 2);
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string action = parsed->positional()[0];
  if (action != "list" && action != "unban")
    throw UsageError("unknown action '" + action + "' (list or unban)");
  if (action == "list" && parsed->positional().size() != 1)
    throw UsageError("list takes no address");
  if (action == "unban" && parsed->positional().size() != 2)
    throw UsageError("unban needs the ADDRESS");
  const DataDir data = data_dir(*parsed);
  const fs::path state = data.path / "state.db";
  if (!fs::exists(state)) {
    std::cerr << "popgate bans: no " << state.string() << " (data dir from " << data.origin
              << ")\n";
    return kExitFailure;
  }
  store::SqliteBanStore bans(state.string());
  if (action == "list") return list(bans);
  return unban(bans, parsed->positional()[1]);
}

}  // namespace popgate::cli
