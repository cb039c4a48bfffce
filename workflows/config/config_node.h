// A parsed YAML document as a tree that remembers where every node came from.
//
// yaml-cpp's own YAML::Node keeps the first of two equal mapping keys without a word and loses
// track of positions for keys, and lint must point at both; so workflows/yaml_loader builds
// this tree from yaml-cpp's parser events instead. The tree only records what the text said:
// whether a value is the right type for its place is for the typed getters in config_values.h.
#ifndef POPGATE_WORKFLOWS_CONFIG_CONFIG_NODE_H_
#define POPGATE_WORKFLOWS_CONFIG_CONFIG_NODE_H_

#include <string>
#include <string_view>
#include <vector>

#include "workflows/engine/mark.h"

namespace popgate::workflows {

struct ConfigEntry;

class ConfigNode {
 public:
  enum class Kind { null, scalar, sequence, mapping };

  // How a scalar was written. Only a plain scalar can be a number, a boolean or null: "123"
  // and "yes" in quotes are strings, which is how an operator says "I mean the text".
  // Block scalars (| and >) and scalars tagged !!str count as quoted.
  enum class Style { plain, quoted };

  ConfigNode() = default;  // a null node without a position

  static ConfigNode null(Mark mark);
  static ConfigNode scalar(std::string text, Style style, Mark mark);
  static ConfigNode sequence(Mark mark);
  static ConfigNode mapping(Mark mark);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  bool is_scalar() const { return kind_ == Kind::scalar; }
  bool is_sequence() const { return kind_ == Kind::sequence; }
  bool is_mapping() const { return kind_ == Kind::mapping; }

  // Where the node starts. An empty value ("key:" with nothing after it) has no text of its
  // own; it is marked at its key, or at the "-" of its sequence entry.
  Mark mark() const { return mark_; }

  // A scalar's text after YAML's quoting and folding rules; empty for other kinds.
  const std::string& text() const { return text_; }
  Style style() const { return style_; }
  bool quoted() const { return kind_ == Kind::scalar && style_ == Style::quoted; }

  // A sequence's items, in document order; empty for other kinds.
  const std::vector<ConfigNode>& items() const { return items_; }
  // A mapping's entries, in document order; empty for other kinds. Keys are unique scalars:
  // the loader reports a duplicate key and keeps only the first.
  const std::vector<ConfigEntry>& entries() const;

  // The value under `key` in a mapping, or nullptr (also when this is not a mapping).
  const ConfigNode* find(std::string_view key) const;
  // The entry under `key`, for a key's own mark.
  const ConfigEntry* find_entry(std::string_view key) const;

  // For messages: "a mapping", "a sequence", "null", "'text'" (plain) or "the string \"text\""
  // (quoted), the text shortened when long.
  std::string describe() const;

  // Building, for the loader (and tests). add_item needs a sequence, add_entry a mapping.
  void add_item(ConfigNode item);
  void add_entry(ConfigNode key, ConfigNode value);

 private:
  Kind kind_ = Kind::null;
  Style style_ = Style::plain;
  Mark mark_;
  std::string text_;
  std::vector<ConfigNode> items_;
  std::vector<ConfigEntry> entries_;
};

struct ConfigEntry {
  ConfigNode key;  // a scalar; its mark is where the key is written
  ConfigNode value;
};

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_CONFIG_NODE_H_
