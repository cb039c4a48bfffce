#include "workflows/config/config_values.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "base/units.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kFile = "w.yaml";

// The value of `key` in a one-line document "key: <text>", kept alive for the test.
class Value {
 public:
  explicit Value(const std::string& text) {
    Diagnostics parse_errors;
    root_ = parse_yaml("v: " + text + "\n", kFile, parse_errors).value_or(ConfigNode());
    EXPECT_FALSE(parse_errors.has_errors()) << format_text(parse_errors.sorted());
  }
  const ConfigNode& node() const {
    static const ConfigNode kMissing;
    const ConfigNode* value = root_.find("v");
    return value != nullptr ? *value : kMissing;
  }
  Diagnostics out;
  std::string problems() const { return format_text(out.sorted()); }

 private:
  ConfigNode root_;
};

std::optional<std::int64_t> int_of(const std::string& text, std::string* problems = nullptr) {
  Value value(text);
  const auto result = as_int(value.node(), 1, 100, value.out, kFile);
  if (problems != nullptr) *problems = value.problems();
  return result;
}

std::string int_error(const std::string& text) {
  std::string problems;
  EXPECT_EQ(int_of(text, &problems), std::nullopt) << text;
  return problems;
}

std::string bool_error(const std::string& text) {
  Value value(text);
  EXPECT_EQ(as_bool(value.node(), value.out, kFile), std::nullopt) << text;
  return value.problems();
}

milliseconds duration(std::string_view text) {
  const base::DurationParse parsed = base::parse_duration(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error;
  return parsed.value.value_or(milliseconds(-1));
}

std::string duration_error(std::string_view text) {
  const base::DurationParse parsed = base::parse_duration(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.error;
}

TEST(ConfigValues, ReadsStrings) {
  Value plain("hello world");
  EXPECT_EQ(as_string(plain.node(), plain.out, kFile), "hello world");
  Value number("123");
  EXPECT_EQ(as_string(number.node(), number.out, kFile), "123");
  Value list("[a]");
  EXPECT_EQ(as_string(list.node(), list.out, kFile), std::nullopt);
  EXPECT_EQ(list.problems(), "w.yaml:1:4: error: expected a string, got a sequence\n");
  Value empty("");
  EXPECT_EQ(as_string(empty.node(), empty.out, kFile), std::nullopt);
  EXPECT_EQ(empty.problems(), "w.yaml:1:1: error: expected a string, got null\n");
}

TEST(ConfigValues, ReadsIntegersInRange) {
  EXPECT_EQ(int_of("1"), 1);
  EXPECT_EQ(int_of("100"), 100);
  EXPECT_EQ(int_of("+7"), 7);
  EXPECT_EQ(int_of("007"), 7);
  EXPECT_EQ(int_error("0"), "w.yaml:1:4: error: 0 is out of range 1-100\n");
  EXPECT_EQ(int_error("101"), "w.yaml:1:4: error: 101 is out of range 1-100\n");
  EXPECT_EQ(int_error("-3"), "w.yaml:1:4: error: -3 is out of range 1-100\n");
  EXPECT_EQ(int_error("99999999999999999999"),
            "w.yaml:1:4: error: 99999999999999999999 is out of range 1-100\n");
}

TEST(ConfigValues, RefusesIntegersThatAreNot) {
  EXPECT_EQ(int_error("\"5\""),
            "w.yaml:1:4: error: expected an integer, got the string \"5\" (remove the quotes)\n");
  EXPECT_EQ(int_error("'abc'"), "w.yaml:1:4: error: expected an integer, got the string \"abc\"\n");
  EXPECT_EQ(int_error("1.5"), "w.yaml:1:4: error: expected an integer, got '1.5'\n");
  EXPECT_EQ(int_error("0x10"), "w.yaml:1:4: error: expected an integer, got '0x10'\n");
  EXPECT_EQ(int_error("1_000"), "w.yaml:1:4: error: expected an integer, got '1_000'\n");
  EXPECT_EQ(int_error("+"), "w.yaml:1:4: error: expected an integer, got '+'\n");
  EXPECT_EQ(int_error("{a: 1}"), "w.yaml:1:4: error: expected an integer, got a mapping\n");
}

TEST(ConfigValues, ReadsOnlyTrueAndFalseAsBooleans) {
  Value yes("true");
  EXPECT_EQ(as_bool(yes.node(), yes.out, kFile), true);
  Value no("false");
  EXPECT_EQ(as_bool(no.node(), no.out, kFile), false);
  EXPECT_EQ(bool_error("yes"),
            "w.yaml:1:4: error: expected true or false, got 'yes' (yes/no/on/off are not "
            "booleans here; write true or false)\n");
  EXPECT_EQ(bool_error("Off"),
            "w.yaml:1:4: error: expected true or false, got 'Off' (yes/no/on/off are not "
            "booleans here; write true or false)\n");
  EXPECT_EQ(bool_error("True"),
            "w.yaml:1:4: error: expected true or false, got 'True' (write it in lower case)\n");
  EXPECT_EQ(bool_error("\"true\""),
            "w.yaml:1:4: error: expected true or false, got the string \"true\" (remove the "
            "quotes)\n");
  EXPECT_EQ(bool_error("1"), "w.yaml:1:4: error: expected true or false, got '1'\n");
  EXPECT_EQ(bool_error("[true]"), "w.yaml:1:4: error: expected true or false, got a sequence\n");
}

TEST(ConfigValues, ParsesDurations) {
  EXPECT_EQ(duration("30s"), milliseconds(30'000));
  EXPECT_EQ(duration("5m"), milliseconds(300'000));
  EXPECT_EQ(duration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(duration("250ms"), milliseconds(250));
  EXPECT_EQ(duration("1m30s500ms"), milliseconds(90'500));
  EXPECT_EQ(duration("7d"), milliseconds(604'800'000));
  EXPECT_EQ(duration("0s"), milliseconds(0));
  EXPECT_EQ(duration("90m"), milliseconds(5'400'000));
}

TEST(ConfigValues, ExplainsBadDurations) {
  EXPECT_EQ(duration_error(""), "empty duration (write e.g. '30s')");
  EXPECT_EQ(duration_error("30"), "'30' needs a unit, e.g. '30s' (units: d, h, m, s, ms)");
  EXPECT_EQ(duration_error("5x"), "unknown unit 'x' in '5x' (units: d, h, m, s, ms)");
  EXPECT_EQ(duration_error("5 min"),
            "'5 min' is not a duration; write whole numbers with "
            "units, e.g. '250ms', '30s' or '1h30m'");
  EXPECT_EQ(duration_error("1.5h"),
            "'1.5h' is not a duration; write whole numbers with units, "
            "e.g. '250ms', '30s' or '1h30m'");
  EXPECT_EQ(duration_error("-5s"),
            "'-5s' is not a duration; write whole numbers with units, "
            "e.g. '250ms', '30s' or '1h30m'");
  EXPECT_EQ(duration_error("h"),
            "'h' is not a duration; write whole numbers with units, e.g. "
            "'250ms', '30s' or '1h30m'");
  EXPECT_EQ(duration_error("30m1h"),
            "in '30m1h', 'h' follows a smaller or equal unit; write "
            "larger units first, e.g. '1h30m'");
  EXPECT_EQ(duration_error("1h1h"),
            "in '1h1h', 'h' follows a smaller or equal unit; write "
            "larger units first, e.g. '1h30m'");
  EXPECT_EQ(duration_error("30S"), "unknown unit 'S' in '30S' (units: d, h, m, s, ms)");
  EXPECT_EQ(duration_error("99999999999999999999d"),
            "'99999999999999999999d' is too long a duration");
  // int64 milliseconds end 106751991167 days and some hours after the epoch.
  EXPECT_EQ(duration("106751991167d"), milliseconds(106751991167LL * 86'400'000));
  EXPECT_EQ(duration_error("106751991168d"), "'106751991168d' is too long a duration");
  EXPECT_EQ(duration_error("106751991167d23h"), "'106751991167d23h' is too long a duration");
}

TEST(ConfigValues, ReadsDurationsFromNodes) {
  Value quoted("\"1h30m\"");
  EXPECT_EQ(as_duration(quoted.node(), quoted.out, kFile), milliseconds(5'400'000));
  Value bare("30");
  EXPECT_EQ(as_duration(bare.node(), bare.out, kFile), std::nullopt);
  EXPECT_EQ(bare.problems(),
            "w.yaml:1:4: error: '30' needs a unit, e.g. '30s' (units: d, h, m, s, ms)\n");
  Value list("[30s]");
  EXPECT_EQ(as_duration(list.node(), list.out, kFile), std::nullopt);
  EXPECT_EQ(list.problems(),
            "w.yaml:1:4: error: expected a duration such as '30s', got a sequence\n");
}

TEST(ConfigValues, ParsesSizesWithDecimalAndBinaryUnits) {
  EXPECT_EQ(base::parse_size("0B").value, 0u);
  EXPECT_EQ(base::parse_size("500MB").value, 500'000'000u);
  EXPECT_EQ(base::parse_size("2GiB").value, 2ULL << 30);
  EXPECT_EQ(base::parse_size("10 GiB").value, 10ULL << 30);
  EXPECT_EQ(base::parse_size("3kB").value, 3000u);
  EXPECT_EQ(base::parse_size("1TiB").value, 1ULL << 40);
}

TEST(ConfigValues, ExplainsBadSizes) {
  EXPECT_NE(base::parse_size("1024").error.find("needs a unit, e.g. '1024MB'"), std::string::npos);
  EXPECT_NE(base::parse_size("5 gb").error.find("unknown unit 'gb'"), std::string::npos);
  EXPECT_NE(base::parse_size("MB").error.find("is not a size"), std::string::npos);
  EXPECT_NE(base::parse_size("-5MB").error.find("is not a size"), std::string::npos);
  EXPECT_NE(base::parse_size("1.5GB").error.find("unknown unit '.5GB'"), std::string::npos);
  EXPECT_NE(base::parse_size("99999999999999TiB").error.find("too large"), std::string::npos);
  EXPECT_NE(base::parse_size("5  MB").error.find("unknown unit ' MB'"), std::string::npos);
}

TEST(ConfigValues, ReadsSizesFromNodes) {
  Diagnostics out;
  EXPECT_EQ(as_size(Value("20MiB").node(), out, kFile), 20u << 20);
  EXPECT_FALSE(out.has_errors());
  EXPECT_FALSE(as_size(Value("[1]").node(), out, kFile).has_value());
  EXPECT_FALSE(as_size(Value("12").node(), out, kFile).has_value());
  EXPECT_EQ(out.error_count(), 2u);
}

TEST(ConfigValues, ReadsStringListsAndReportsEveryBadItem) {
  Value good("[a, \"b\", 3]");
  EXPECT_EQ(as_string_list(good.node(), good.out, kFile),
            (std::vector<std::string>{"a", "b", "3"}));
  Value empty("[]");
  EXPECT_EQ(as_string_list(empty.node(), empty.out, kFile), std::vector<std::string>{});
  Value bad("[a, [b], {c: d}]");
  EXPECT_EQ(as_string_list(bad.node(), bad.out, kFile), std::nullopt);
  EXPECT_EQ(bad.problems(),
            "w.yaml:1:8: error: expected a string, got a sequence\n"
            "w.yaml:1:13: error: expected a string, got a mapping\n");
  Value scalar("a");
  EXPECT_EQ(as_string_list(scalar.node(), scalar.out, kFile), std::nullopt);
  EXPECT_EQ(scalar.problems(), "w.yaml:1:4: error: expected a sequence of strings, got 'a'\n");
}

TEST(ConfigValues, ShortensLongValuesInMessages) {
  Value value(std::string(60, 'x'));
  as_bool(value.node(), value.out, kFile);
  EXPECT_EQ(value.problems(),
            "w.yaml:1:4: error: expected true or false, got '" + std::string(40, 'x') + "...'\n");
}

TEST(ConfigCheckKeys, ReportsUnknownKeysWithSuggestionsAndMissingKeys) {
  Diagnostics out;
  const auto root = parse_yaml(
      "name: nightly\n"
      "stesp: []\n"
      "colour: blue\n",
      kFile, out);
  ASSERT_TRUE(root.has_value());
  EXPECT_FALSE(check_keys(*root, {"name", "description", "trigger"}, {"steps"}, out, kFile));
  EXPECT_EQ(format_text(out.sorted()),
            "w.yaml:1:1: error: missing required key 'steps'\n"
            "w.yaml:2:1: error: unknown key 'stesp' (did you mean 'steps'?)\n"
            "w.yaml:3:1: error: unknown key 'colour' (allowed: name, description, trigger, "
            "steps)\n");
}

TEST(ConfigCheckKeys, AcceptsAGoodMapping) {
  Diagnostics out;
  const auto root = parse_yaml("id: a\nuses: copy\n", kFile, out);
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(check_keys(*root, {"id", "uses", "with"}, {"id", "uses"}, out, kFile));
  EXPECT_TRUE(out.empty());
}

TEST(ConfigCheckKeys, ReportsANodeThatIsNotAMapping) {
  Diagnostics out;
  const auto root = parse_yaml("- a\n- b\n", kFile, out);
  ASSERT_TRUE(root.has_value());
  EXPECT_FALSE(check_keys(*root, {"id"}, {"id"}, out, kFile));
  EXPECT_EQ(format_text(out.sorted()), "w.yaml:1:1: error: expected a mapping, got a sequence\n");
}

TEST(ConfigCheckKeys, ReportsMissingKeysAtANestedMapping) {
  Diagnostics out;
  const auto root = parse_yaml("steps:\n  - id: a\n    with: {}\n", kFile, out);
  ASSERT_TRUE(root.has_value());
  const ConfigNode& step = root->find("steps")->items().at(0);
  check_keys(step, {"with"}, {"id", "uses"}, out, kFile);
  EXPECT_EQ(format_text(out.sorted()), "w.yaml:2:5: error: missing required key 'uses'\n");
  Diagnostics none;
  EXPECT_FALSE(check_keys(*root, {}, {}, none, kFile));
  EXPECT_EQ(format_text(none.sorted()),
            "w.yaml:1:1: error: unknown key 'steps' (this mapping takes no keys)\n");
}

// A small stand-in for the workflow lint to come: loader, key checks and typed getters
// together, every problem of a file at once.
void check_workflow(const ConfigNode& root, Diagnostics& out) {
  if (!check_keys(root, {"name", "description", "steps"}, {"name", "steps"}, out, kFile) &&
      !root.is_mapping()) {
    return;
  }
  if (const ConfigNode* name = root.find("name")) as_string(*name, out, kFile);
  const ConfigNode* steps = root.find("steps");
  if (steps == nullptr || !expect_sequence(*steps, out, kFile)) return;
  for (const ConfigNode& step : steps->items()) {
    if (!check_keys(step, {"id", "uses", "with", "timeout", "retry", "enabled"}, {"id", "uses"},
                    out, kFile) &&
        !step.is_mapping()) {
      continue;
    }
    if (const ConfigNode* with = step.find("with")) expect_mapping(*with, out, kFile);
    if (const ConfigNode* timeout = step.find("timeout")) as_duration(*timeout, out, kFile);
    if (const ConfigNode* enabled = step.find("enabled")) as_bool(*enabled, out, kFile);
    if (const ConfigNode* retry = step.find("retry")) {
      check_keys(*retry, {"attempts", "backoff"}, {}, out, kFile);
      if (const ConfigNode* attempts = retry->find("attempts")) {
        as_int(*attempts, 1, 10, out, kFile);
      }
      if (const ConfigNode* backoff = retry->find("backoff")) as_duration(*backoff, out, kFile);
    }
  }
}

std::string lint(std::string_view yaml) {
  Diagnostics out;
  if (const auto root = parse_yaml(yaml, kFile, out)) check_workflow(*root, out);
  return format_text(out.sorted());
}

TEST(ConfigLintCatalogue, ReportsEveryProblemOfAFileAtOnce) {
  EXPECT_EQ(lint("name: deliver\n"
                 "steps:\n"
                 "  - id: checksum\n"
                 "    uses: sha256\n"
                 "    timeout: 30\n"
                 "    enabled: yes\n"
                 "    retry: {attempts: \"3\", backof: 5s}\n"
                 "  - id: copy\n"
                 "    usse: copy\n"
                 "    with: [outbox]\n"
                 "    retry:\n"
                 "      attempts: 50\n"
                 "      backoff: 1.5s\n"),
            "w.yaml:5:14: error: '30' needs a unit, e.g. '30s' (units: d, h, m, s, ms)\n"
            "w.yaml:6:14: error: expected true or false, got 'yes' (yes/no/on/off are not "
            "booleans here; write true or false)\n"
            "w.yaml:7:23: error: expected an integer, got the string \"3\" (remove the quotes)\n"
            "w.yaml:7:28: error: unknown key 'backof' (did you mean 'backoff'?)\n"
            "w.yaml:8:5: error: missing required key 'uses'\n"
            "w.yaml:9:5: error: unknown key 'usse' (did you mean 'uses'?)\n"
            "w.yaml:10:11: error: expected a mapping, got a sequence\n"
            "w.yaml:12:17: error: 50 is out of range 1-10\n"
            "w.yaml:13:16: error: '1.5s' is not a duration; write whole numbers with units, "
            "e.g. '250ms', '30s' or '1h30m'\n");
}

TEST(ConfigLintCatalogue, ReportsStructureProblems) {
  EXPECT_EQ(lint("name: x\nstesp:\n  - id: a\n"),
            "w.yaml:1:1: error: missing required key 'steps'\n"
            "w.yaml:2:1: error: unknown key 'stesp' (did you mean 'steps'?)\n");
  EXPECT_EQ(lint("name: [x]\nsteps: {id: a}\n"),
            "w.yaml:1:7: error: expected a string, got a sequence\n"
            "w.yaml:2:8: error: expected a sequence, got a mapping\n");
  EXPECT_EQ(lint("name: x\nsteps:\n  - just-a-string\n  -\n"),
            "w.yaml:3:5: error: expected a mapping, got 'just-a-string'\n"
            "w.yaml:4:3: error: expected a mapping, got null\n");
  EXPECT_EQ(lint("- name: x\n"), "w.yaml:1:1: error: expected a mapping, got a sequence\n");
  // Duplicate keys and key checks together: each reported once.
  EXPECT_EQ(lint("name: x\nsteps: []\nname: y\nnmae: z\n"),
            "w.yaml:3:1: error: duplicate key 'name' (first at 1:1)\n"
            "w.yaml:4:1: error: unknown key 'nmae' (did you mean 'name'?)\n");
}

}  // namespace
}  // namespace popgate::workflows
