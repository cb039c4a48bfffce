// Hostile configuration files, each with its documented diagnostic (file:line:column and why),
// never a crash or an exception. Then the configuration fuzz target's input function runs over
// the same inputs and over its seeds (tests/fuzz/seeds-config-yaml/: the workflows we ship and
// broken ones), under the sanitizers of the test build, as the other targets' seeds are
// replayed.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "steps/builtin_steps.h"
#include "tests/fuzz/config_yaml_fuzz_target.h"
#include "tests/unit/test_support/hostile_input.h"
#include "workflows/config/diagnostics.h"
#include "workflows/config/workflow_loader.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {
namespace {

struct Hostile {
  std::string name;
  std::string bytes;
  std::string expected;  // one of the diagnostics as lint prints it, or a prefix of it
};

const std::string kWide =
    "w.yaml:1:1: error: the file is UTF-16 or UTF-32 (it starts with that byte order mark); "
    "save it as UTF-8";

std::vector<Hostile> hostile_files() {
  return {
      {"empty", "", "w.yaml:1:1: error: the document is empty"},
      {"a byte order mark only", "\xEF\xBB\xBF", "w.yaml:1:1: error: the document is empty"},
      {"binary",
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0\0",
                   12) +
           testing::repeated("\x01\xff", 100),
       "w.yaml:1:14: error: invalid UTF-8 (byte 0xff); save the file as UTF-8"},
      {"utf-16le", std::string("\xFF\xFEn\0a\0m\0e\0", 10), kWide},
      {"utf-16be", std::string("\xFE\xFF\0n\0a\0m\0e", 10), kWide},
      {"utf-32be", std::string("\0\0\xFE\xFF\0\0\0n", 8), kWide},
      {"a raw lone surrogate", "name: a\ndescription: M\xED\xA0\x80ki\n",
       "w.yaml:2:15: error: invalid UTF-8 (byte 0xed); save the file as UTF-8"},
      {"an escaped lone surrogate", "name: a\ndescription: \"M\\ud800ki\"\n",
       "w.yaml:2:22: error: syntax error: the escape for U+D800 names no character (half of a "
       "surrogate pair, or past U+10FFFF)"},
      {"an escape past U+10FFFF", "name: \"\\U00110000\"\n",
       "w.yaml:1:18: error: syntax error: the escape for U+110000 names no character"},
      {"overlong utf-8", "name: a\ndescription: M\xC0\xAFki\n",
       "w.yaml:2:15: error: invalid UTF-8 (byte 0xc0); save the file as UTF-8"},
      {"an escaped NUL", "name: a\ndescription: \"Ah\\0o\"\n",
       "w.yaml:2:14: error: the value holds the control character U+0000 at character 3; "
       "configuration values cannot hold control characters"},
      {"an escaped control in a key", "name: a\n\"x\\x01\": 1\n",
       "w.yaml:2:1: error: the value holds the control character U+0001 at character 2"},
      {"a raw NUL", std::string("name: a\ndescription: Ah\0o\n", 26),
       "w.yaml:2:16: error: the file holds the control character U+0000; a YAML file is text (tabs "
       "and line breaks only)"},
      {"a raw escape character", "name: \x1b[31mred\n",
       "w.yaml:1:7: error: the file holds the control character U+001B"},
      {"a million columns", testing::repeated("a;", 1000000) + "\n",
       "w.yaml:1:1: error: expected a mapping, got 'a;a;a;"},
      {"a 50 MB line", "name: " + std::string(50u << 20, 'x') + "\n",
       "w.yaml: error: longer than 4 MiB: too long for a configuration file (is it one?)"},
      {"nesting 100,000 deep", "steps: " + testing::repeated("[", 100000) + "\n",
       "w.yaml:2:1: error: syntax error: nesting is too deep"},
      {"an alias bomb", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
       "w.yaml:1:4: error: anchors ('&a') are not supported"},
  };
}

// The diagnostics as lint prints them: of the YAML loader alone (the first one, "" when there is
// none), or of the whole workflow loader (the YAML, then the schema against the built-in steps).
std::string first_of(const Diagnostics& out) {
  const std::vector<Diagnostic> sorted = out.sorted();
  return sorted.empty() ? "" : format_text(sorted.front());
}
std::string first_yaml_problem(const std::string& bytes) {
  Diagnostics out;
  parse_yaml(bytes, "w.yaml", out);
  return first_of(out);
}
std::vector<Diagnostic> workflow_problems(const std::string& bytes) {
  static const StepRegistry kSteps = steps::builtin_steps();
  Diagnostics out;
  load_workflow(bytes, "w.yaml", kSteps, out);
  return out.sorted();
}

TEST(HostileConfig, EachGetsItsDocumentedDiagnostic) {
  for (const Hostile& h : hostile_files()) {
    const std::vector<Diagnostic> got = workflow_problems(h.bytes);
    const bool found = std::any_of(got.begin(), got.end(), [&](const Diagnostic& d) {
      return format_text(d).starts_with(h.expected);
    });
    EXPECT_TRUE(found) << h.name << ": " << format_text(got).substr(0, 2000);
  }
}

// A configuration value may span lines and hold tabs (block scalars do).
TEST(HostileConfig, TabsAndLineBreaksInValuesAreText) {
  EXPECT_EQ(first_yaml_problem("description: |\n  one\ttab\n  two lines\n"), "");
  EXPECT_EQ(first_yaml_problem("description: \"a\\tb\\nc\"\n"), "");
}

// The fuzz target's input function over its seeds, some 400 prefixes of each seed (every one
// of a short seed: each cut leaves an unclosed quote, key or block somewhere), and the hostile
// files: diagnostics only.
TEST(HostileConfig, TheFuzzTargetSurvivesItsSeedsAndTheirPrefixes) {
  const std::vector<std::string> seeds = testing::fuzz_seeds("seeds-config-yaml");
  ASSERT_GE(seeds.size(), 8u);
  testing::replay_prefixes(seeds, fuzz::read_config_yaml, 400);
  for (const Hostile& h : hostile_files())
    fuzz::read_config_yaml(reinterpret_cast<const std::uint8_t*>(h.bytes.data()), h.bytes.size());
}

}  // namespace
}  // namespace popgate::workflows
