#include "workflows/config/yaml_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "workflows/config/config_node.h"
#include "workflows/config/diagnostics.h"

namespace popgate::workflows {
namespace {

constexpr std::string_view kFile = "w.yaml";

// Every diagnostic for `yaml`, as lint prints them.
std::string problems(std::string_view yaml) {
  Diagnostics out;
  parse_yaml(yaml, kFile, out);
  return format_text(out.sorted());
}

ConfigNode parsed(std::string_view yaml) {
  Diagnostics out;
  std::optional<ConfigNode> root = parse_yaml(yaml, kFile, out);
  EXPECT_TRUE(root.has_value()) << format_text(out.sorted());
  EXPECT_FALSE(out.has_errors()) << format_text(out.sorted());
  return root.value_or(ConfigNode());
}

std::string at(Mark mark) {
  return std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

// The broken files lint meets, each with the exact message it must print.
struct Broken {
  const char* name;
  const char* yaml;
  const char* expected;
};

const Broken kCatalogue[] = {
    {"value holding ': '", "name: a: b\n",
     "w.yaml:1:8: error: syntax error: mapping values are not allowed here (check the "
     "indentation, or quote a value that contains ': ')\n"},
    {"tab indenting a sequence", "steps:\n\t- id: a\n",
     "w.yaml:2:1: error: tab character in indentation (YAML indents with spaces only)\n"},
    {"tab after spaces", "a:\n  b: 1\n  \tc: 2\n",
     "w.yaml:3:3: error: tab character in indentation (YAML indents with spaces only)\n"},
    {"tab before a key", "a: 1\n\tb: 2\n",
     "w.yaml:2:1: error: tab character in indentation (YAML indents with spaces only)\n"},
    {"unclosed flow sequence", "steps: [a, b\nname: x\n",
     "w.yaml:2:5: error: syntax error: flow sequence opened at 1:8 is missing its closing "
     "']'\n"},
    {"unclosed flow mapping", "with: {a: 1\n",
     "w.yaml:2:1: error: syntax error: flow mapping opened at 1:7 is missing its closing "
     "'}'\n"},
    {"unknown escape", "a: \"\\q\"\n",
     "w.yaml:1:7: error: syntax error: unknown escape character: q\n"},
    {"unclosed double quote", "name: x\ndescription: \"half\n",
     "w.yaml:2:14: error: quoted string has no closing quote\n"},
    {"unclosed single quote", "description: 'it''s\n",
     "w.yaml:1:14: error: quoted string has no closing quote\n"},
    {"bad indentation", "a:\n  - b\n c: 1\n",
     "w.yaml:3:2: error: syntax error: end of mapping not found (check the indentation)\n"},
    {"duplicate top-level key", "name: a\nsteps: []\nsteps: [x]\n",
     "w.yaml:3:1: error: duplicate key 'steps' (first at 2:1)\n"},
    {"duplicate key two levels deep",
     "name: x\n"
     "steps:\n"
     "  - id: a\n"
     "    with:\n"
     "      path: in\n"
     "      mode: fast\n"
     "      path: out\n",
     "w.yaml:7:7: error: duplicate key 'path' (first at 5:7)\n"},
    {"duplicate key, quoted and plain", "a: 1\n\"a\": 2\n",
     "w.yaml:2:1: error: duplicate key 'a' (first at 1:1)\n"},
    {"duplicate key in a flow mapping", "with: {x: 1, y: 2, x: 3}\n",
     "w.yaml:1:20: error: duplicate key 'x' (first at 1:8)\n"},
    {"three equal keys", "a: 1\na: 2\na: 3\n",
     "w.yaml:2:1: error: duplicate key 'a' (first at 1:1)\n"
     "w.yaml:3:1: error: duplicate key 'a' (first at 1:1)\n"},
    {"empty file", "", "w.yaml:1:1: error: the document is empty\n"},
    {"comments only", "# nothing yet\n\n", "w.yaml:1:1: error: the document is empty\n"},
    {"document marker only", "---\n", "w.yaml:1:1: error: the document is empty\n"},
    {"null document", "~\n", "w.yaml:1:1: error: the document is empty\n"},
    {"two documents", "a: 1\n---\nb: 2\n",
     "w.yaml:2:1: error: a second YAML document starts here; a configuration file holds one\n"},
    {"mapping after a top-level sequence", "- a\nb: 2\n",
     "w.yaml:2:1: error: text after the end of the document (check the indentation of this "
     "line)\n"},
    {"anchor and alias", "a: &base 1\nb: *base\n",
     "w.yaml:1:4: error: anchors ('&base') are not supported; write the value out where it is "
     "used\n"
     "w.yaml:2:4: error: aliases ('*base') are not supported; write the value out in full\n"},
    {"tag", "a: !!int 5\n",
     "w.yaml:1:4: error: YAML tags ('tag:yaml.org,2002:int') are not "
     "supported; only !!str is\n"},
    {"sequence as key", "? [a, b]\n: c\n",
     "w.yaml:1:3: error: a mapping key must be a scalar, not a sequence\n"},
    {"null key", "~: 1\n", "w.yaml:1:1: error: a mapping key must be a scalar, not null\n"},
    {"missing colon", "name: x\nsteps\n", "w.yaml:2:1: error: missing ':' after 'steps'\n"},
    {"invalid UTF-8", "name: caf\xe9\n",
     "w.yaml:1:10: error: invalid UTF-8 (byte 0xe9); save the file as UTF-8\n"},
};

TEST(YamlLoader, ReportsEveryBrokenFileOfTheCatalogueExactly) {
  for (const Broken& broken : kCatalogue) {
    EXPECT_EQ(problems(broken.yaml), broken.expected) << broken.name;
  }
}

TEST(YamlLoader, RefusesDeepNesting) {
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(problems(deep), "w.yaml:1:2001: error: syntax error: nesting is too deep\n");
  const std::string fine = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(problems(fine), "");
}

TEST(YamlLoader, KeepsTheTreeAlongsideErrorsThatLeaveItUsable) {
  Diagnostics out;
  const auto root = parse_yaml("a: 1\nb: 2\na: 3\n", kFile, out);
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(out.has_errors());
  // Like yaml-cpp, the first of two equal keys stays, and only once.
  ASSERT_EQ(root->entries().size(), 2u);
  EXPECT_EQ(root->find("a")->text(), "1");
}

TEST(YamlLoader, ReturnsNoTreeForSyntaxErrors) {
  Diagnostics out;
  EXPECT_FALSE(parse_yaml("a: [1\n", kFile, out).has_value());
  EXPECT_FALSE(parse_yaml("", kFile, out).has_value());
}

TEST(YamlLoader, RecordsPositionsOfKeysAndValues) {
  const ConfigNode root = parsed(
      "name: demo\n"
      "steps:\n"
      "  - id: first\n"
      "    with: {path: \"in/*.csv\", depth: 2}\n"
      "    list:\n"
      "      - x\n"
      "      - [y, z]\n");
  EXPECT_EQ(at(root.mark()), "1:1");
  const ConfigEntry* name = root.find_entry("name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(at(name->key.mark()), "1:1");
  EXPECT_EQ(at(name->value.mark()), "1:7");
  const ConfigEntry* steps = root.find_entry("steps");
  ASSERT_NE(steps, nullptr);
  EXPECT_EQ(at(steps->key.mark()), "2:1");
  EXPECT_EQ(at(steps->value.mark()), "3:3");
  ASSERT_EQ(steps->value.items().size(), 1u);
  const ConfigNode& step = steps->value.items()[0];
  EXPECT_EQ(at(step.mark()), "3:5");
  EXPECT_EQ(at(step.find_entry("id")->value.mark()), "3:9");
  const ConfigNode& with = *step.find("with");
  EXPECT_EQ(at(with.mark()), "4:11");
  EXPECT_EQ(at(with.find_entry("path")->key.mark()), "4:12");
  EXPECT_EQ(at(with.find_entry("path")->value.mark()), "4:18");
  EXPECT_EQ(at(with.find_entry("depth")->value.mark()), "4:37");
  const ConfigNode& list = *step.find("list");
  ASSERT_EQ(list.items().size(), 2u);
  EXPECT_EQ(at(list.items()[0].mark()), "6:9");
  EXPECT_EQ(at(list.items()[1].mark()), "7:9");
  EXPECT_EQ(at(list.items()[1].items()[1].mark()), "7:13");
}

TEST(YamlLoader, KeepsEntriesInDocumentOrder) {
  const ConfigNode root = parsed("zeta: 1\nalpha: 2\nmid: 3\n");
  ASSERT_EQ(root.entries().size(), 3u);
  EXPECT_EQ(root.entries()[0].key.text(), "zeta");
  EXPECT_EQ(root.entries()[1].key.text(), "alpha");
  EXPECT_EQ(root.entries()[2].key.text(), "mid");
}

TEST(YamlLoader, CountsColumnsInCodePoints) {
  // "ä" is two bytes; the editor shows "x" at column 10.
  const ConfigNode root = parsed("kuvaus: ä x\nnimi: x\n");
  EXPECT_EQ(at(root.find("kuvaus")->mark()), "1:9");
  Diagnostics out;
  parse_yaml("a: ää: b\n", kFile, out);
  EXPECT_EQ(format_text(out.sorted()),
            "w.yaml:1:6: error: syntax error: mapping values are not allowed here (check the "
            "indentation, or quote a value that contains ': ')\n");
}

TEST(YamlLoader, SkipsAByteOrderMark) {
  const ConfigNode root = parsed("\xEF\xBB\xBFname: x\n");
  EXPECT_EQ(root.find("name")->text(), "x");
  EXPECT_EQ(at(root.find("name")->mark()), "1:7");
}

TEST(YamlLoader, TellsQuotedFromPlainScalars) {
  const ConfigNode root = parsed(
      "plain: yes\n"
      "double: \"yes\"\n"
      "single: '123'\n"
      "number: 123\n"
      "literal: |\n"
      "  text\n"
      "tagged: !!str 5\n");
  EXPECT_FALSE(root.find("plain")->quoted());
  EXPECT_EQ(root.find("plain")->style(), ConfigNode::Style::plain);
  EXPECT_TRUE(root.find("double")->quoted());
  EXPECT_EQ(root.find("double")->text(), "yes");
  EXPECT_TRUE(root.find("single")->quoted());
  EXPECT_EQ(root.find("single")->text(), "123");
  EXPECT_FALSE(root.find("number")->quoted());
  EXPECT_TRUE(root.find("literal")->quoted());
  EXPECT_EQ(root.find("literal")->text(), "text\n");
  EXPECT_TRUE(root.find("tagged")->quoted());
}

TEST(YamlLoader, ReadsNullsAndMarksEmptyValuesAtTheirKey) {
  const ConfigNode root = parsed(
      "tilde: ~\n"
      "word: null\n"
      "quoted: \"null\"\n"
      "empty:\n"
      "items:\n"
      "  -\n"
      "  - x\n"
      "last:\n");
  EXPECT_TRUE(root.find("tilde")->is_null());
  EXPECT_EQ(at(root.find("tilde")->mark()), "1:8");
  EXPECT_TRUE(root.find("word")->is_null());
  EXPECT_TRUE(root.find("quoted")->is_scalar());
  EXPECT_TRUE(root.find("empty")->is_null());
  EXPECT_EQ(at(root.find("empty")->mark()), "4:1");  // not 5:1, where the next key starts
  const ConfigNode& items = *root.find("items");
  ASSERT_EQ(items.items().size(), 2u);
  EXPECT_TRUE(items.items()[0].is_null());
  EXPECT_EQ(at(items.items()[0].mark()), "6:3");
  EXPECT_EQ(at(root.find("last")->mark()), "8:1");
}

// As YAML has it, a plain "null" is null also as a key; the empty value before it is still
// marked at its own key.
TEST(YamlLoader, TakesAPlainNullKeyForNull) {
  Diagnostics out;
  const auto root = parse_yaml("a:\nnull: 3\n", kFile, out);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(format_text(out.sorted()),
            "w.yaml:2:1: error: a mapping key must be a scalar, not null\n");
  EXPECT_TRUE(root->find("a")->is_null());
  EXPECT_EQ(at(root->find("a")->mark()), "1:1");
}

TEST(YamlLoader, AcceptsAnExplicitDocumentStartAndEnd) {
  const ConfigNode root = parsed("---\nname: x\n...\n");
  EXPECT_EQ(root.find("name")->text(), "x");
}

TEST(YamlLoader, ReadsFiles) {
  char path[] = "/tmp/popgate-yaml-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream file(path);
    file << "a: 1\na: 2\n";
  }
  Diagnostics out;
  const auto root = load_yaml_file(path, out);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(format_text(out.sorted()),
            std::string(path) + ":2:1: error: duplicate key 'a' (first at 1:1)\n");
  std::remove(path);

  Diagnostics missing;
  EXPECT_FALSE(load_yaml_file("/nonexistent/popgate.yaml", missing).has_value());
  EXPECT_EQ(format_text(missing.sorted()),
            "/nonexistent/popgate.yaml: error: cannot open: No such file or directory\n");
}

}  // namespace
}  // namespace popgate::workflows
