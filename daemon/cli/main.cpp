// popgate: one binary, `popgate <command>`. Exit 0 ok, 1 failure, 2 usage error.
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "workflows/config/did_you_mean.h"

namespace {

void print_overview(std::ostream& out) {
  out << "usage: popgate <command> [options]\n\n"
         "popgate exchanges population register data with public-sector clients under data\n"
         "permits. Commands:\n\n";
  for (const auto& command : popgate::cli::commands()) {
    out << "  " << command.name << std::string(12 - command.name.size(), ' ') << command.summary
        << "\n";
  }
  out << "\n'popgate help <command>' (or 'popgate <command> --help') describes a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace popgate::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_overview(std::cerr);
    return kExitUsage;
  }
  if (args.front() == "help" && args.size() == 2) {
    args = {args[1], "--help"};  // popgate help CMD: that command's help
  }
  const std::string name = args.front();
  if (name == "-h" || name == "--help" || name == "help") {
    print_overview(std::cout);
    return kExitOk;
  }
  if (name == "--version") return run_version({});
  for (const auto& command : commands()) {
    if (command.name != name) continue;
    try {
      return command.run(CommandArgs(args).subspan(1));
    } catch (const UsageError& e) {
      std::cerr << "popgate " << name << ": " << e.what() << "\n";
      return kExitUsage;
    } catch (const std::exception& e) {
      std::cerr << "popgate " << name << ": error: " << e.what() << "\n";
      return kExitFailure;
    }
  }
  std::cerr << "popgate: unknown command '" << name << "'";
  std::vector<std::string_view> names;
  for (const auto& command : commands())
    names.push_back(command.name);
  if (const std::optional<std::string> best = popgate::workflows::did_you_mean(name, names)) {
    std::cerr << " (did you mean '" << *best << "'?)\n";
    return kExitUsage;
  }
  std::cerr << "\n\n";
  print_overview(std::cerr);
  return kExitUsage;
}
