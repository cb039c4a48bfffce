#include <iostream>

#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "daemon/cli/version.h"

namespace popgate::cli {

int run_version(CommandArgs args) {
  ArgParser parser("version", "Prints popgate's version.");
  int exit_code = kExitOk;
  if (!parse_or_exit(parser, args, &exit_code)) return exit_code;
  std::cout << "popgate " << kVersion << "\n";
  return kExitOk;
}

}  // namespace popgate::cli
