#include "workflows/config/yaml_loader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/utf8.h"

namespace popgate::workflows {
namespace {

// yaml-cpp's tag for a node without an explicit tag: "?" for plain scalars, "!" for quoted
// and block scalars (the YAML "non-specific" tags).
constexpr std::string_view kPlainTag = "?";
constexpr std::string_view kNonPlainTag = "!";
constexpr std::string_view kStringTag = "tag:yaml.org,2002:str";

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// The file's text with an index of line starts, turning yaml-cpp's byte offsets into
// line:column in code points.
class SourceText {
 public:
  explicit SourceText(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::string_view text() const { return text_; }

  Mark at_offset(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    const auto next = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const std::size_t line_start = *(next - 1);
    const auto line = static_cast<int>(next - line_starts_.begin());
    const std::size_t column =
        base::count_code_points(text_.substr(line_start, offset - line_start));
    return {line, static_cast<int>(column) + 1};
  }

  // yaml-cpp counts columns in bytes; recount from the offset, unless the offset and the
  // line disagree (a lone '\r' as line break), where yaml-cpp's own numbers are the best bet.
  Mark at(const YAML::Mark& mark) const {
    if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) <= text_.size()) {
      const Mark recounted = at_offset(static_cast<std::size_t>(mark.pos));
      if (recounted.line == mark.line + 1) return recounted;
    }
    return {mark.line + 1, mark.column + 1};
  }

  // Whether the text at `offset` is a null literal (~, null, Null, NULL) as a whole plain
  // scalar. yaml-cpp reports an empty value as null too, marked at whatever token follows it;
  // this tells the two apart.
  bool null_literal_at(std::size_t offset) const {
    for (const std::string_view literal : {"~", "null", "Null", "NULL"}) {
      if (text_.substr(offset, literal.size()) != literal) continue;
      const std::size_t end = offset + literal.size();
      if (end == text_.size()) return true;
      const char next = text_[end];
      if (next == ':') return false;  // a key that happens to be called "null"
      return std::string_view(" \t\r\n,]}#").find(next) != std::string_view::npos;
    }
    return false;
  }

  // The offset of the "-" that introduced an empty sequence entry whose (empty) value
  // yaml-cpp placed at `offset`, if only blanks lie between them.
  std::optional<std::size_t> dash_before(std::size_t offset) const {
    std::size_t i = std::min(offset, text_.size());
    while (i > 0 && std::string_view(" \t\r\n").find(text_[i - 1]) != std::string_view::npos)
      --i;
    if (i > 0 && text_[i - 1] == '-') return i - 1;
    return std::nullopt;
  }

  // Whether the quoted scalar starting at `offset` lacks its closing quote. yaml-cpp 0.7
  // accepts `key: "text` at the end of a file as if the quote were there.
  bool unterminated_quote_at(std::size_t offset) const {
    if (offset >= text_.size()) return false;
    const char quote = text_[offset];
    if (quote != '"' && quote != '\'') return false;
    for (std::size_t i = offset + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;  // an escape: the next character cannot close the string
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is an escaped single quote
        } else {
          return false;
        }
      }
    }
    return true;
  }

  // The mark of the first tab in the indentation of line `line` (1-based), if any.
  std::optional<Mark> tab_in_indentation(int line) const {
    if (line < 1 || static_cast<std::size_t>(line) > line_starts_.size()) return std::nullopt;
    for (std::size_t i = line_starts_[static_cast<std::size_t>(line) - 1]; i < text_.size(); ++i) {
      if (text_[i] == '\t') return at_offset(i);
      if (text_[i] != ' ') break;
    }
    return std::nullopt;
  }

 private:
  std::string_view text_;
  std::vector<std::size_t> line_starts_;
};

std::string where(Mark mark) {
  return std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

// yaml-cpp's messages are terse ("illegal map value"); the ones operators meet most get the
// likely cause spelled out.
std::string syntax_message(const std::string& message) {
  static const std::map<std::string, std::string> kHints = {
      {YAML::ErrorMsg::MAP_VALUE,
       "mapping values are not allowed here (check the indentation, or quote a value that "
       "contains ': ')"},
      {YAML::ErrorMsg::END_OF_MAP, "end of mapping not found (check the indentation)"},
      {YAML::ErrorMsg::END_OF_SEQ, "end of sequence not found (check the indentation)"},
      {YAML::ErrorMsg::END_OF_MAP_FLOW, "flow mapping is missing its closing '}'"},
      {YAML::ErrorMsg::END_OF_SEQ_FLOW, "flow sequence is missing its closing ']'"},
      {YAML::ErrorMsg::BLOCK_ENTRY,
       "a sequence entry ('- ') is not allowed here (check the indentation)"},
  };
  const auto hint = kHints.find(message);
  if (hint != kHints.end()) return "syntax error: " + hint->second;
  // "invalid unicode: 55296": an escape (\uD800, \U00110000) that names no character.
  if (message.starts_with(YAML::ErrorMsg::INVALID_UNICODE)) {
    const std::string value =
        message.substr(std::string_view(YAML::ErrorMsg::INVALID_UNICODE).size());
    char code[16];
    std::snprintf(code, sizeof code, "U+%04lX", std::strtoul(value.c_str(), nullptr, 10));
    return std::string("syntax error: the escape for ") + code +
           " names no character (half of a surrogate pair, or past U+10FFFF)";
  }
  return "syntax error: " + message;
}

// Turns yaml-cpp's parser events for one document into a ConfigNode tree.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const SourceText& source, std::string_view file, Diagnostics& out)
      : source_(source), file_(file), out_(out) {}

  // The document's root; null when the document was empty.
  ConfigNode take_root() { return std::move(root_); }

  // Where the innermost flow collection of `kind` that is still open started.
  std::optional<Mark> open_flow(ConfigNode::Kind kind) const {
    for (auto frame = frames_.rbegin(); frame != frames_.rend(); ++frame) {
      if (frame->flow && frame->node.kind() == kind) return frame->node.mark();
    }
    return std::nullopt;
  }
  bool root_was_empty() const { return root_empty_; }

  void OnDocumentStart(const YAML::Mark& /*mark*/) override {}
  void OnDocumentEnd() override {}

  // Anchors are reported by OnAnchor, which yaml-cpp calls before the anchored node's event;
  // the node itself is kept.
  void OnNull(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    const bool empty = !is_explicit_null(mark);
    if (frames_.empty()) root_empty_ = true;
    if (empty) check_colon();
    complete(ConfigNode::null(empty ? empty_value_mark(mark) : source_.at(mark)));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    error(source_.at(mark), "aliases ('*" + anchor_name(anchor) +
                                "') are not supported; write the value out in full");
    complete(ConfigNode::null(source_.at(mark)));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t /*anchor*/,
                const std::string& value) override {
    const Mark at = source_.at(mark);
    ConfigNode::Style style = ConfigNode::Style::quoted;
    if (tag == kPlainTag) {
      style = ConfigNode::Style::plain;
    } else if (tag != kNonPlainTag && tag != kStringTag) {
      reject_tag(at, tag);
    }
    if (mark.pos >= 0 && source_.unterminated_quote_at(static_cast<std::size_t>(mark.pos))) {
      error(at, "quoted string has no closing quote");
    }
    check_scalar_text(at, value);
    if (!frames_.empty() && frames_.back().node.is_mapping() && !frames_.back().key) {
      frames_.back().key_offset = style == ConfigNode::Style::plain ? mark.pos : -1;
    }
    complete(ConfigNode::scalar(value, style, at));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t /*anchor*/,
                       YAML::EmitterStyle::value style) override {
    start(ConfigNode::sequence(source_.at(mark)), tag);
    frames_.back().flow = style == YAML::EmitterStyle::Flow;
  }
  void OnSequenceEnd() override { finish(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value style) override {
    start(ConfigNode::mapping(source_.at(mark)), tag);
    frames_.back().flow = style == YAML::EmitterStyle::Flow;
  }
  void OnMapEnd() override { finish(); }

  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    anchor_names_[next_anchor_++] = name;
    error(source_.at(mark),
          "anchors ('&" + name + "') are not supported; write the value out where it is used");
  }

 private:
  // A collection being built, with what its next event means.
  struct Frame {
    ConfigNode node;
    std::optional<ConfigNode> key;               // a mapping's key waiting for its value
    bool key_usable = false;                     // false: the key was reported; drop the entry
    std::unordered_map<std::string, Mark> seen;  // a mapping's keys so far
    bool flow = false;                           // [...] or {...}
    int key_offset = -1;                         // where a plain key starts in the text
  };

  void error(Mark mark, std::string message) { out_.error(file_, mark, std::move(message)); }

  std::string anchor_name(YAML::anchor_t anchor) const {
    const auto found = anchor_names_.find(anchor);
    return found == anchor_names_.end() ? std::string() : found->second;
  }

  // The text of a scalar after its escapes: "\0" or "\x01" in a double-quoted string puts a
  // character into a value that no configuration value may hold (a NUL ends a path for the C
  // library). Tabs and line breaks are text (block scalars hold them).
  void check_scalar_text(Mark mark, const std::string& value) {
    if (std::optional<std::string> control = base::find_control_character(value, "\t\n")) {
      error(mark, "the value holds " + *control +
                      "; configuration values cannot hold control characters");
    }
  }

  void reject_tag(Mark mark, const std::string& tag) {
    error(mark, "YAML tags ('" + tag + "') are not supported; only !!str is");
  }

  bool is_explicit_null(const YAML::Mark& mark) const {
    return mark.pos >= 0 && source_.null_literal_at(static_cast<std::size_t>(mark.pos));
  }

  // Where to report an empty value: at its key, or at the "-" of its sequence entry.
  Mark empty_value_mark(const YAML::Mark& mark) const {
    if (!frames_.empty()) {
      const Frame& parent = frames_.back();
      if (parent.node.is_mapping() && parent.key) return parent.key->mark();
      if (parent.node.is_sequence() && mark.pos >= 0) {
        if (const auto dash = source_.dash_before(static_cast<std::size_t>(mark.pos))) {
          return source_.at_offset(*dash);
        }
        return parent.node.mark();
      }
    }
    return source_.at(mark);
  }

  // yaml-cpp takes a line holding only "word" inside a block mapping for a key with an empty
  // value, where YAML requires a ':' and the operator most likely forgot one.
  void check_colon() {
    if (frames_.empty()) return;
    const Frame& parent = frames_.back();
    if (!parent.node.is_mapping() || parent.flow || !parent.key || parent.key_offset < 0) return;
    const std::string& key = parent.key->text();
    const auto offset = static_cast<std::size_t>(parent.key_offset);
    if (source_.text().substr(offset, key.size()) != key) return;  // a multi-line key
    std::size_t after = offset + key.size();
    while (after < source_.text().size() && is_blank(source_.text()[after]))
      ++after;
    if (after < source_.text().size() && source_.text()[after] == ':') return;
    error(parent.key->mark(), "missing ':' after '" + key + "'");
  }

  void start(ConfigNode node, const std::string& tag) {
    if (tag != kPlainTag && tag != kNonPlainTag) reject_tag(node.mark(), tag);
    Frame frame;
    frame.node = std::move(node);
    frames_.push_back(std::move(frame));
  }

  void finish() {
    ConfigNode node = std::move(frames_.back().node);
    frames_.pop_back();
    complete(std::move(node));
  }

  // Hands a finished node to its parent.
  void complete(ConfigNode node) {
    if (frames_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = frames_.back();
    if (parent.node.is_sequence()) {
      parent.node.add_item(std::move(node));
    } else if (!parent.key) {
      parent.key_usable = check_key(node);
      parent.key = std::move(node);
    } else {
      add_entry(parent, std::move(*parent.key), std::move(node));
      parent.key.reset();
      parent.key_offset = -1;
    }
  }

  bool check_key(const ConfigNode& key) {
    if (key.is_scalar()) return true;
    error(key.mark(), "a mapping key must be a scalar, not " + key.describe());
    return false;
  }

  void add_entry(Frame& frame, ConfigNode key, ConfigNode value) {
    if (!frame.key_usable) return;
    const auto [first, inserted] = frame.seen.emplace(key.text(), key.mark());
    if (!inserted) {
      const Mark at = first->second;
      error(key.mark(), "duplicate key '" + key.text() + "' (first at " + where(at) + ")");
      return;
    }
    frame.node.add_entry(std::move(key), std::move(value));
  }

  const SourceText& source_;
  std::string_view file_;
  Diagnostics& out_;
  std::vector<Frame> frames_;
  ConfigNode root_;
  bool root_empty_ = false;
  std::map<YAML::anchor_t, std::string> anchor_names_;
  YAML::anchor_t next_anchor_ = 1;  // yaml-cpp numbers anchors from 1 in document order
};

// Only notes where a further document starts; its content is not wanted.
class DocumentStartSpy : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> start;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (!start) start = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// `builder` (when the error came while building a tree) knows which flow collections are
// still open: yaml-cpp notices a missing ']' only where the text stops making sense, often a
// line later, so the message says where the collection was opened.
void report_syntax_error(const YAML::Exception& e, const SourceText& source,
                         const TreeBuilder* builder, std::string_view file, Diagnostics& out) {
  const Mark at = e.mark.is_null() ? Mark{1, 1} : source.at(e.mark);
  // yaml-cpp blames a tab in the indentation only in some positions; elsewhere it reports
  // whatever the tab broke. A tab is the cause whenever it starts the failing line.
  if (const auto tab = source.tab_in_indentation(at.line)) {
    out.error(file, *tab, "tab character in indentation (YAML indents with spaces only)");
    return;
  }
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    // yaml-cpp 0.7 gives this one the message "bad file".
    out.error(file, at, "syntax error: nesting is too deep");
    return;
  }
  const bool sequence = e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW;
  if (builder != nullptr && (sequence || e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW)) {
    const auto kind = sequence ? ConfigNode::Kind::sequence : ConfigNode::Kind::mapping;
    if (const auto opened = builder->open_flow(kind)) {
      out.error(file, at,
                std::string("syntax error: flow ") + (sequence ? "sequence" : "mapping") +
                    " opened at " + where(*opened) + " is missing its closing " +
                    (sequence ? "']'" : "'}'"));
      return;
    }
  }
  out.error(file, at, syntax_message(e.msg));
}

// After the first document: is there another one? yaml-cpp also starts a new document
// silently where a top-level sequence is followed by a mapping key, so the message says
// which of the two happened.
void check_single_document(YAML::Parser& parser, const SourceText& source, std::string_view file,
                           Diagnostics& out) {
  DocumentStartSpy spy;
  try {
    if (!parser.HandleNextDocument(spy)) return;
  } catch (const YAML::Exception& e) {
    if (!spy.start) {
      report_syntax_error(e, source, nullptr, file, out);
      return;
    }
  }
  if (!spy.start) return;
  const Mark at = source.at(*spy.start);
  const std::string_view rest = source.text().substr(static_cast<std::size_t>(spy.start->pos));
  if (rest.starts_with("---")) {
    out.error(file, at, "a second YAML document starts here; a configuration file holds one");
  } else {
    out.error(file, at, "text after the end of the document (check the indentation of this line)");
  }
}

}  // namespace

std::optional<ConfigNode> parse_yaml(std::string_view text, std::string_view file,
                                     Diagnostics& out) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM, as Notepad writes
  if (text.size() > kMaxConfigBytes) {
    out.error(file, {},
              "longer than " + std::to_string(kMaxConfigBytes >> 20) +
                  " MiB: too long for a configuration file (is it one?)");
    return std::nullopt;
  }
  const SourceText source(text);
  if (base::starts_with_wide_bom(text)) {
    out.error(file, {1, 1}, std::string(base::kWideTextAdvice));
    return std::nullopt;
  }
  if (const std::size_t bad = base::invalid_utf8_offset(text); bad != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
    out.error(file, source.at_offset(bad),
              std::string("invalid UTF-8 (byte ") + byte + "); save the file as UTF-8");
    return std::nullopt;
  }

  // yaml-cpp reads a NUL as an escape ("unknown escape character") and other controls as text;
  // YAML itself allows none of them.
  if (const std::optional<std::size_t> control = base::control_character_offset(text, "\t\n\r")) {
    out.error(file, source.at_offset(*control),
              "the file holds the control character " + base::code_point_name(text, *control) +
                  "; a YAML file is text (tabs and line breaks only)");
    return std::nullopt;
  }

  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  TreeBuilder builder(source, file, out);
  try {
    if (!parser.HandleNextDocument(builder)) {
      out.error(file, {1, 1}, "the document is empty");
      return std::nullopt;
    }
  } catch (const YAML::Exception& e) {
    report_syntax_error(e, source, &builder, file, out);
    return std::nullopt;
  }
  if (builder.root_was_empty()) {
    out.error(file, {1, 1}, "the document is empty");
    return std::nullopt;
  }
  check_single_document(parser, source, file, out);
  return builder.take_root();
}

std::optional<std::string> read_config_file(const std::string& path, Diagnostics& out) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    out.error(path, {}, "is a directory, not a YAML file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error(path, {}, std::string("cannot open: ") + std::strerror(errno));
    return std::nullopt;
  }
  std::string contents(kMaxConfigBytes + 1, '\0');
  in.read(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (in.bad()) {
    out.error(path, {}, "cannot read the file");
    return std::nullopt;
  }
  contents.resize(static_cast<std::size_t>(in.gcount()));
  return contents;
}

std::optional<ConfigNode> load_yaml_file(const std::string& path, Diagnostics& out) {
  const std::optional<std::string> contents = read_config_file(path, out);
  if (!contents) return std::nullopt;
  return parse_yaml(*contents, path, out);
}

}  // namespace popgate::workflows
