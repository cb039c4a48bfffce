#include <iostream>

#include "daemon/cli.h"
#include "daemon/commands.h"

namespace popgate::cli {

// Placeholders until these commands land; they refuse to pretend.
int run_import(CommandArgs) {
  std::cerr << "popgate: this command is not built yet\n";
  return kExitFailure;
}
int run_export(CommandArgs) {
  std::cerr << "popgate: this command is not built yet\n";
  return kExitFailure;
}

}  // namespace popgate::cli
