#include "workflows/config/config_node.h"

#include <utility>

namespace popgate::workflows {
namespace {

// Long values are cut in messages: the operator has the file open at the right line anyway.
constexpr std::size_t kDescribeLimit = 40;

std::string shortened(const std::string& text) {
  if (text.size() <= kDescribeLimit) return text;
  std::size_t cut = kDescribeLimit;
  // Never cut inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

ConfigNode ConfigNode::null(Mark mark) {
  ConfigNode node;
  node.mark_ = mark;
  return node;
}

ConfigNode ConfigNode::scalar(std::string text, Style style, Mark mark) {
  ConfigNode node;
  node.kind_ = Kind::scalar;
  node.style_ = style;
  node.mark_ = mark;
  node.text_ = std::move(text);
  return node;
}

ConfigNode ConfigNode::sequence(Mark mark) {
  ConfigNode node;
  node.kind_ = Kind::sequence;
  node.mark_ = mark;
  return node;
}

ConfigNode ConfigNode::mapping(Mark mark) {
  ConfigNode node;
  node.kind_ = Kind::mapping;
  node.mark_ = mark;
  return node;
}

const std::vector<ConfigEntry>& ConfigNode::entries() const {
  return entries_;
}

const ConfigNode* ConfigNode::find(std::string_view key) const {
  const ConfigEntry* entry = find_entry(key);
  return entry == nullptr ? nullptr : &entry->value;
}

const ConfigEntry* ConfigNode::find_entry(std::string_view key) const {
  for (const ConfigEntry& entry : entries_) {
    if (entry.key.text() == key) return &entry;
  }
  return nullptr;
}

std::string ConfigNode::describe() const {
  switch (kind_) {
    case Kind::null:
      return "null";
    case Kind::sequence:
      return "a sequence";
    case Kind::mapping:
      return "a mapping";
    case Kind::scalar:
      break;
  }
  if (style_ == Style::quoted) return "the string \"" + shortened(text_) + "\"";
  return "'" + shortened(text_) + "'";
}

void ConfigNode::add_item(ConfigNode item) {
  items_.push_back(std::move(item));
}

void ConfigNode::add_entry(ConfigNode key, ConfigNode value) {
  entries_.push_back({std::move(key), std::move(value)});
}

}  // namespace popgate::workflows
