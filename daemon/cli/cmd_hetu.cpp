// `popgate hetu validate|generate`: personal identity codes from the command line.
//
// Both subcommands stream: validate reads and writes in large blocks rather than a line at a
// time, so that checking a client's file of millions of codes takes seconds, not minutes.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <unordered_set>

#include "base/strings.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "registry/hetu.h"

namespace popgate::cli {
namespace {

using registry::Date;
using registry::HetuGenerator;
using registry::HetuGeneratorOptions;

constexpr size_t kBlock = 1 << 16;
// A longer line cannot be a code; keeping only its start bounds memory for any input.
constexpr size_t kMaxLine = 1024;
constexpr long long kMaxCount = 1'000'000'000'000;

constexpr std::string_view kHetuHelp =
    "usage: popgate hetu <subcommand> [options]\n\n"
    "Personal identity codes (henkilötunnus, HETU). Subcommands:\n\n"
    "  validate    check codes given as arguments or one per line on stdin\n"
    "  generate    print random valid codes, reproducible for a seed\n\n"
    "'popgate hetu <subcommand> --help' describes a subcommand.\n";

constexpr std::string_view kValidateHelp =
    "Checks each CODE, or each line of stdin when no CODE is given (a trailing CR is\n"
    "dropped, nothing else: an empty line or a space is an invalid code). Prints one\n"
    "tab-separated line per code, in input order:\n\n"
    "  CODE<TAB>valid                  a valid code\n"
    "  CODE<TAB>valid<TAB>temporary    a valid temporary code (individual number 900-999)\n"
    "  CODE<TAB>invalid<TAB>REASON     not a code, and why (the first problem found)\n\n"
    "The second column is always 'valid' or 'invalid'. Control characters in CODE are\n"
    "written as \\xNN; a line over 1024 bytes is cut there and marked with '...'.\n"
    "Exit status: 0 when every code is valid (temporary ones included), 1 otherwise.";

constexpr std::string_view kGenerateHelp =
    "Prints COUNT random valid codes, one per line. The same seed and options give the\n"
    "same codes on every platform; --born-to defaults to today, so give it too when the\n"
    "codes must stay the same from day to day. Without --sign the century's traditional\n"
    "sign ('+', '-', 'A') is used 9 times in 10, one of its new signs (Y X W V U, B C D E F)\n"
    "otherwise. Individual numbers are 002-899 (900-999 with --temporary); odd for male.";

// Buffers stdout and writes it in large blocks: millions of lines must not mean millions of
// writes or flushes.
class Output {
 public:
  Output() { buffer_.reserve(2 * kBlock); }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::string& buffer() { return buffer_; }
  void maybe_flush() {
    if (buffer_.size() >= kBlock) flush();
  }
  // False when stdout could not take everything written so far.
  bool finish() {
    flush();
    return std::fflush(stdout) == 0 && !failed_;
  }

 private:
  void flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), stdout) != buffer_.size()) {
      failed_ = true;
    }
    buffer_.clear();
  }

  std::string buffer_;
  bool failed_ = false;
};

// Appends `text` as a column of a tab-separated line: a tab, newline or other control byte in
// the input would otherwise break the line's shape.
void append_column(std::string& out, std::string_view text) {
  base::append_printable(out, text);
}

// Validates one code and appends its report line. `cut` marks a line longer than kMaxLine of
// which `code` holds only the start. Returns whether the code is valid.
bool report(std::string_view code, bool cut, std::string& out) {
  append_column(out, code);
  if (cut) {
    out += "...\tinvalid\tbad length: over ";
    out += std::to_string(kMaxLine);
    out += " bytes, expected 11 characters\n";
    return false;
  }
  const registry::HetuParse parsed = registry::parse_hetu(code);
  if (!parsed.ok()) {
    out += "\tinvalid\t";
    out += parsed.error;  // error texts hold no control characters
    out += '\n';
    return false;
  }
  out += parsed.hetu->temporary ? "\tvalid\ttemporary\n" : "\tvalid\n";
  return true;
}

// Calls on_line(line, cut) for each line of `in`, without its "\n" and one trailing "\r".
// A line over kMaxLine bytes is passed cut to its first kMaxLine bytes. Returns 0, or the
// errno of a read error.
template <typename OnLine>
int for_each_line(std::FILE* in, OnLine on_line) {
  std::string block(kBlock, '\0');
  std::string pending;  // the start of a line that continues in the next block
  bool has_pending = false;
  bool pending_cut = false;

  // `cut` lines are already long enough that a CR at their end changes nothing.
  const auto emit = [&](std::string_view line, bool cut) {
    if (!cut && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line, cut);
  };
  int read_error = 0;
  for (;;) {
    const size_t n = std::fread(block.data(), 1, block.size(), in);
    if (n == 0) {
      if (std::ferror(in)) read_error = errno;
      break;
    }
    const char* p = block.data();
    const char* const end = p + n;
    while (p < end) {
      const auto* newline =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* const stop = newline != nullptr ? newline : end;
      const std::string_view piece(p, static_cast<size_t>(stop - p));
      if (!has_pending && newline != nullptr && piece.size() <= kMaxLine) {
        emit(piece, false);  // the common case: a whole line inside the block, no copy
      } else {
        has_pending = true;
        const size_t room = kMaxLine - std::min(kMaxLine, pending.size());
        pending.append(piece.substr(0, room));
        if (piece.size() > room) pending_cut = true;
        if (newline != nullptr) {
          emit(pending, pending_cut);
          pending.clear();
          has_pending = pending_cut = false;
        }
      }
      p = newline != nullptr ? newline + 1 : end;
    }
  }
  if (has_pending) emit(pending, pending_cut);
  return read_error;
}

int run_validate(CommandArgs args) {
  ArgParser parser("hetu validate [CODE...]", std::string(kValidateHelp));
  parser.positional_range(0, std::numeric_limits<size_t>::max());
  int exit_code = kExitOk;
  const std::optional<ParsedArgs> parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;

  Output output;
  bool all_valid = true;
  const auto check = [&](std::string_view code, bool cut) {
    all_valid &= report(code, cut, output.buffer());
    output.maybe_flush();
  };
  int read_error = 0;
  if (parsed->positional().empty()) {
    read_error = for_each_line(stdin, check);
  } else {
    for (const std::string& code : parsed->positional()) {
      check(code, false);
    }
  }
  if (!output.finish()) {
    std::cerr << "popgate hetu validate: error writing output\n";
    return kExitFailure;
  }
  if (read_error != 0) {
    std::cerr << "popgate hetu validate: error reading stdin: " << std::strerror(read_error)
              << "\n";
    return kExitFailure;
  }
  return all_valid ? kExitOk : kExitFailure;
}

Date date_option(const ParsedArgs& args, std::string_view name) {
  const std::string text = *args.get(name);
  if (text == "today") return Date::today();
  const std::optional<Date> date = Date::parse(text);
  if (!date) {
    throw UsageError("--" + std::string(name) + ": '" + text +
                     "' is not a date (YYYY-MM-DD, DD.MM.YYYY or today)");
  }
  return *date;
}

char sign_option(const std::string& text) {
  if (text.size() != 1 || registry::hetu_century(text[0]) == 0) {
    throw UsageError("--sign: '" + text + "' is not a century sign (+ - Y X W V U A B C D E F)");
  }
  return text[0];
}

// A sign fixes the century, so the birth dates left at their defaults narrow to it: `--sign A`
// alone means born 2000..today, `--sign +` born in the 1800s. Dates given explicitly must fit.
void narrow_defaults_to_century(const ParsedArgs& args, HetuGeneratorOptions* options) {
  const int century = registry::hetu_century(options->century_sign);
  const Date first{century, 1, 1};
  const Date last{century + 99, 12, 31};
  const bool default_from = !args.has("born-from");
  if (default_from) options->born_from = std::max(options->born_from, first);
  if (!args.has("born-to")) options->born_to = std::min(options->born_to, last);
  if (default_from && options->born_to < options->born_from) options->born_from = first;
}

// The generator options the command line asks for; throws UsageError for a bad value.
HetuGeneratorOptions generator_options(const ParsedArgs& args) {
  HetuGeneratorOptions options;
  options.born_from = date_option(args, "born-from");
  options.born_to = date_option(args, "born-to");
  if (const auto sex = args.get("sex")) {
    options.sex = registry::parse_sex(*sex);
    if (!options.sex) throw UsageError("--sex: '" + *sex + "' is not male or female");
  }
  options.temporary = args.has("temporary");
  if (const auto sign = args.get("sign")) {
    options.century_sign = sign_option(*sign);
    narrow_defaults_to_century(args, &options);
  }
  if (const std::string error = registry::hetu_generator_error(options); !error.empty()) {
    throw UsageError(error);
  }
  return options;
}

std::uint64_t seed_option(const ParsedArgs& args) {
  if (args.get_or("seed", "random") == "random") {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }
  return static_cast<std::uint64_t>(
      args.get_int("seed", 0, 0, std::numeric_limits<long long>::max()));
}

// Prints the usage error the way parse_or_exit does, for values found wrong after parsing.
int usage_failure(const UsageError& error) {
  std::cerr << "popgate hetu generate: " << error.what() << "\n"
            << "try 'popgate hetu generate --help'\n";
  return kExitUsage;
}

int run_generate(CommandArgs args) {
  ArgParser parser("hetu generate [options]", std::string(kGenerateHelp));
  parser.option({"count", "N", "how many codes to print", "1"})
      .option({"seed", "S", "seed of the random sequence, 0..2^63-1", "random"})
      .option({"born-from", "DATE", "earliest birth date: YYYY-MM-DD, DD.MM.YYYY or today",
               "1920-01-01"})
      .option({"born-to", "DATE", "latest birth date", "today"})
      .option({"sex", "SEX", "male (odd individual numbers) or female (even)", ""})
      .option({"temporary", "", "temporary codes: individual numbers 900-999", ""})
      .option({"sign", "C", "this century sign for every code; narrows the default dates", ""})
      .option(
          {"unique", "", "no code twice; refused when N exceeds the codes the options allow", ""});
  int exit_code = kExitOk;
  const std::optional<ParsedArgs> parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;

  long long count = 0;
  std::uint64_t seed = 0;
  HetuGeneratorOptions options;
  try {
    count = parsed->get_int("count", 1, 0, kMaxCount);
    seed = seed_option(*parsed);
    options = generator_options(*parsed);
  } catch (const UsageError& e) {
    return usage_failure(e);
  }
  HetuGenerator generator(options, seed);
  const bool unique = parsed->has("unique");
  if (unique && static_cast<std::uint64_t>(count) > generator.distinct_codes()) {
    return usage_failure(UsageError("--count " + std::to_string(count) + " exceeds the " +
                                    std::to_string(generator.distinct_codes()) +
                                    " different codes these options allow"));
  }

  // Codes are drawn independently, so repeats happen (about 12,000 in a million codes
  // with the defaults); --unique draws again instead, remembering what it printed.
  std::unordered_set<std::string> printed;
  if (unique) printed.reserve(static_cast<size_t>(std::min(count, 1LL << 20)));
  Output output;
  for (long long i = 0; i < count;) {
    std::string code = generator.next();
    if (unique && !printed.insert(code).second) continue;
    output.buffer() += code;
    output.buffer() += '\n';
    output.maybe_flush();
    ++i;
  }
  if (!output.finish()) {
    std::cerr << "popgate hetu generate: error writing output\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int run_hetu(CommandArgs args) {
  if (args.empty()) {
    std::cerr << kHetuHelp;
    return kExitUsage;
  }
  const std::string& sub = args.front();
  if (sub == "-h" || sub == "--help" || sub == "help") {
    std::cout << kHetuHelp;
    return kExitOk;
  }
  if (sub == "validate") return run_validate(args.subspan(1));
  if (sub == "generate") return run_generate(args.subspan(1));
  std::cerr << "popgate hetu: unknown subcommand '" << sub << "'\n\n" << kHetuHelp;
  return kExitUsage;
}

}  // namespace popgate::cli
