#include "adapters/formats/json_fields.h"

#include <cstdint>
#include <optional>

#include "base/utf8.h"

namespace popgate::formats {
namespace {

// A cursor over the text with the few JSON productions a flat object of strings needs.
class FlatObjectParser {
 public:
  explicit FlatObjectParser(std::string_view text) : text_(text) {}

  // Returns "" or why the text is not a flat object of strings.
  std::string parse(std::vector<registry::Field>& out) {
    out.clear();
    parse_object(out);
    return error_;
  }

 private:
  bool parse_object(std::vector<registry::Field>& out) {
    skip_space();
    if (!consume('{')) return fail("expected '{'");
    skip_space();
    if (!consume('}')) {
      while (true) {
        registry::Field field;
        skip_space();
        if (!parse_string(field.name, "names")) return false;
        skip_space();
        if (!consume(':')) return fail("expected ':' after a name");
        skip_space();
        if (!parse_string(field.value, "values")) return false;
        out.push_back(std::move(field));
        skip_space();
        if (consume(',')) continue;
        if (consume('}')) break;
        return fail("expected ',' or '}'");
      }
    }
    skip_space();
    if (pos_ != text_.size()) return fail("text after the object");
    return true;
  }

  // Records why and returns false.
  bool fail(std::string_view why) {
    error_ = std::string(why) + " at offset " + std::to_string(pos_);
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::optional<std::uint32_t> hex4() {
    if (text_.size() - pos_ < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return value;
  }

  // \uXXXX, with a following \uXXXX when the first is a high surrogate.
  bool parse_unicode_escape(std::string& out) {
    auto first = hex4();
    if (!first) return fail("bad \\u escape");
    std::uint32_t cp = *first;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (!consume('\\') || !consume('u')) return fail("lone high surrogate");
      auto second = hex4();
      if (!second || *second < 0xdc00 || *second > 0xdfff) {
        return fail("bad low surrogate");
      }
      cp = 0x10000 + ((cp - 0xd800) << 10) + (*second - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      return fail("lone low surrogate");
    }
    base::append_code_point(out, cp);
    return true;
  }

  // `what` names the strings ("names", "values") for the error when the token is no string.
  bool parse_string(std::string& out, std::string_view what) {
    if (!consume('"')) return fail(std::string(what) + " must be strings");
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      switch (text_[pos_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          if (!parse_unicode_escape(out)) return false;
          break;
        default:
          return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

void write_json_fields(JsonWriter& writer, const std::vector<registry::Field>& fields) {
  writer.begin_object();
  for (const registry::Field& field : fields)
    writer.field(field.name, field.value);
  writer.end_object();
}

std::string json_fields(const std::vector<registry::Field>& fields) {
  std::string out;
  JsonWriter writer(out);
  write_json_fields(writer, fields);
  return out;
}

std::string parse_json_fields(std::string_view text, std::vector<registry::Field>& out) {
  return FlatObjectParser(text).parse(out);
}

}  // namespace popgate::formats
