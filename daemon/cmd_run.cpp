#include <iostream>

#include "daemon/cli.h"
#include "daemon/commands.h"

namespace popgate::cli {

// Placeholder until this command lands; it refuses to pretend.
int run_run(CommandArgs) {
  std::cerr << "popgate: this command is not built yet\n";
  return kExitFailure;
}

}  // namespace popgate::cli
