#include "daemon/cli/cli.h"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/config/did_you_mean.h"

namespace popgate::cli {

bool ParsedArgs::has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto it = defaults_.find(name); it != defaults_.end()) return it->second;
  return std::nullopt;
}

std::string ParsedArgs::get_or(std::string_view name, std::string_view fallback) const {
  auto value = get(name);
  return value ? *value : std::string(fallback);
}

long long ParsedArgs::get_int(std::string_view name, long long fallback, long long min,
                              long long max) const {
  auto value = get(name);
  if (!value) return fallback;
  long long result = 0;
  const char* begin = value->data();
  const char* end = begin + value->size();
  auto [ptr, ec] = std::from_chars(begin, end, result);
  if (ec != std::errc() || ptr != end || value->empty()) {
    throw UsageError("--" + std::string(name) + ": '" + *value + "' is not a whole number");
  }
  if (result < min || result > max) {
    throw UsageError("--" + std::string(name) + ": " + *value + " is out of range (" +
                     std::to_string(min) + ".." + std::to_string(max) + ")");
  }
  return result;
}

ArgParser::ArgParser(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)) {}

ArgParser& ArgParser::option(OptionSpec spec) {
  options_.push_back(std::move(spec));
  return *this;
}

ArgParser& ArgParser::positional_range(size_t min, size_t max) {
  min_positional_ = min;
  max_positional_ = max;
  return *this;
}

const OptionSpec* ArgParser::find(std::string_view name) const {
  for (const OptionSpec& o : options_) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

ArgParser& add_format_option(ArgParser& parser) {
  return parser.option({"format", "FORMAT", "text (default) or json, for scripts", "text"});
}

OutputFormat output_format(const ParsedArgs& parsed) {
  const std::string format = parsed.get_or("format", "text");
  if (format == "text") return OutputFormat::text;
  if (format == "json") return OutputFormat::json;
  throw UsageError("--format: '" + format + "' is neither text nor json");
}

std::string operator_name() {
  if (const char* sudo_user = std::getenv("SUDO_USER"); sudo_user != nullptr && *sudo_user)
    return sudo_user;
  if (const passwd* user = ::getpwuid(::geteuid()); user != nullptr) return user->pw_name;
  return "uid " + std::to_string(::geteuid());
}

// " (did you mean '--name'?)" for the option closest to a mistyped one, or nothing.
std::string ArgParser::suggestion(std::string_view name) const {
  std::vector<std::string_view> names;
  names.reserve(options_.size());
  for (const OptionSpec& o : options_)
    names.push_back(o.name);
  const std::optional<std::string> best = workflows::did_you_mean(name, names);
  return best ? " (did you mean '--" + *best + "'?)" : "";
}

ParsedArgs ArgParser::parse(std::span<const std::string> args) {
  ParsedArgs parsed;
  for (const OptionSpec& o : options_) {
    if (!o.default_value.empty()) parsed.defaults_[o.name] = o.default_value;
  }
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      parsed.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      help_requested_ = true;
      return parsed;
    }
    if (arg.rfind("--", 0) != 0) throw UsageError("unknown option '" + arg + "'");
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    const OptionSpec* spec = find(name);
    if (spec == nullptr) throw UsageError("unknown option '--" + name + "'" + suggestion(name));
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError("option '--" + name + "' takes no value");
      parsed.values_[name] = "true";
      continue;
    }
    if (inline_value) {
      parsed.values_[name] = *inline_value;
    } else if (i + 1 < args.size()) {
      parsed.values_[name] = args[++i];
    } else {
      throw UsageError("option '--" + name + "' needs a value (" + spec->value_name + ")");
    }
  }
  if (parsed.positional_.size() < min_positional_) {
    throw UsageError("missing argument");
  }
  if (parsed.positional_.size() > max_positional_) {
    throw UsageError("unexpected argument '" + parsed.positional_[max_positional_] + "'");
  }
  return parsed;
}

void ArgParser::print_help(std::ostream& out) const {
  out << "usage: popgate " << usage_ << "\n\n" << description_ << "\n";
  if (options_.empty()) return;
  out << "\noptions:\n";
  for (const OptionSpec& o : options_) {
    std::string left = "  --" + o.name;
    if (!o.value_name.empty()) left += " " + o.value_name;
    out << left;
    if (left.size() < 26) {
      out << std::string(26 - left.size(), ' ');
    } else {
      out << "\n" << std::string(26, ' ');
    }
    out << o.help;
    if (!o.default_value.empty()) out << " (default: " << o.default_value << ")";
    out << "\n";
  }
  out << "  -h, --help              this help\n";
}

std::optional<ParsedArgs> parse_or_exit(ArgParser& parser, std::span<const std::string> args,
                                        int* exit_code) {
  try {
    ParsedArgs parsed = parser.parse(args);
    if (parser.help_requested()) {
      parser.print_help(std::cout);
      *exit_code = kExitOk;
      return std::nullopt;
    }
    return parsed;
  } catch (const UsageError& e) {
    std::cerr << "popgate " << parser.usage() << ": " << e.what() << "\n"
              << "usage: popgate " << parser.usage() << "\n"
              << "try 'popgate " << parser.usage().substr(0, parser.usage().find(' '))
              << " --help'\n";
    *exit_code = kExitUsage;
    return std::nullopt;
  }
}

}  // namespace popgate::cli
