// The command-line surface of `popgate`: a small declarative option parser shared by every
// subcommand, so that --help, usage errors (exit 2) and option syntax behave the same everywhere.
#ifndef POPGATE_DAEMON_CLI_CLI_H_
#define POPGATE_DAEMON_CLI_CLI_H_

#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::cli {

// Exit codes of every command (the contract in docs/architecture.md).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Thrown for a malformed command line; main() prints it with the command's usage, exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;        // without dashes: "persons"
  std::string value_name;  // empty for a flag: "N"
  std::string help;
  std::string default_value;  // shown in --help; empty for none
};

// The parsed command line of one subcommand.
class ParsedArgs {
 public:
  bool has(std::string_view name) const;
  // The option's value, or its default, or nullopt.
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string_view fallback) const;
  // Integer option; throws UsageError naming the option when it is not a whole number in range.
  long long get_int(std::string_view name, long long fallback, long long min, long long max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class ArgParser;
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> defaults_;
  std::vector<std::string> positional_;
};

class ArgParser {
 public:
  // `usage` is the synopsis after "popgate ": "hetu validate [CODE...]".
  ArgParser(std::string usage, std::string description);
  ArgParser& option(OptionSpec spec);
  ArgParser& positional_range(size_t min, size_t max);

  // Parses args (after the subcommand words). Throws UsageError. Sets help_requested() for
  // -h/--help instead of parsing further.
  ParsedArgs parse(std::span<const std::string> args);
  bool help_requested() const { return help_requested_; }
  void print_help(std::ostream& out) const;
  const std::string& usage() const { return usage_; }

 private:
  const OptionSpec* find(std::string_view name) const;
  std::string suggestion(std::string_view name) const;

  std::string usage_;
  std::string description_;
  std::vector<OptionSpec> options_;
  size_t min_positional_ = 0;
  size_t max_positional_ = 0;
  bool help_requested_ = false;
};

// What the listing commands print (--format): text for people, JSON with stable field names
// for scripts and monitoring.
enum class OutputFormat { text, json };
// Adds the --format option to `parser`.
ArgParser& add_format_option(ArgParser& parser);
// The --format given; throws UsageError for another value than text or json.
OutputFormat output_format(const ParsedArgs& parsed);

// The operator running the command: the user sudo was run by, else the effective user (for
// the audit log and the records of what an operator did).
std::string operator_name();

// Parses args with `parser`; on --help prints help and returns kExitOk through `exit_code`,
// on a usage error prints it and returns kExitUsage. Returns nullopt when the command should
// stop with *exit_code.
std::optional<ParsedArgs> parse_or_exit(ArgParser& parser, std::span<const std::string> args,
                                        int* exit_code);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_CLI_CLI_H_
