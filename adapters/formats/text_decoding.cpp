#include "adapters/formats/text_decoding.h"

#include <algorithm>

#include "base/utf8.h"

namespace popgate::formats {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

// Windows-1252's 0x80-0x9F; the five unassigned bytes map to U+FFFD.
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

void append_utf8(std::vector<char>& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// How many bytes at the end of `text` may be the start of a UTF-8 sequence cut by the chunk
// boundary (0-3).
std::size_t incomplete_tail(std::string_view text) {
  for (std::size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    const auto c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

std::optional<TextEncoding> parse_text_encoding(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "auto" || lower == "detect") return TextEncoding::detect;
  if (lower == "utf-8" || lower == "utf8") return TextEncoding::utf8;
  if (lower == "windows-1252" || lower == "cp1252") return TextEncoding::windows1252;
  if (lower == "iso-8859-1" || lower == "latin-1" || lower == "latin1") {
    return TextEncoding::iso8859_1;
  }
  return std::nullopt;
}

std::string_view to_string(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::detect:
      return "auto";
    case TextEncoding::utf8:
      return "utf-8";
    case TextEncoding::windows1252:
      return "windows-1252";
    case TextEncoding::iso8859_1:
      return "iso-8859-1";
  }
  return "auto";
}

char32_t windows1252_char(unsigned char byte) {
  return byte >= 0x80 && byte < 0xA0 ? kCp1252High[byte - 0x80] : byte;
}

DecodingStreambuf::DecodingStreambuf(std::istream& source, TextEncoding encoding)
    : source_(source), encoding_(encoding) {
  out_.reserve(kChunk * 3);
}

DecodingStreambuf::int_type DecodingStreambuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  for (const char c : out_)
    lines_before_ += c == '\n';
  out_.clear();
  while (out_.empty()) {
    char buffer[kChunk];
    source_.read(buffer, kChunk);
    const std::streamsize n = source_.gcount();
    if (n <= 0) {
      if (raw_.empty()) return traits_type::eof();
      // The file ends inside a UTF-8 sequence.
      if (encoding_ == TextEncoding::utf8 || encoding_ == TextEncoding::detect) {
        if (seen_utf8_multibyte_ || encoding_ == TextEncoding::utf8) fail_mixed();
        encoding_ = TextEncoding::windows1252;
      }
      decode_single_byte(raw_);
      raw_.clear();
      break;
    }
    raw_.append(buffer, static_cast<std::size_t>(n));
    decode_chunk();
  }
  setg(out_.data(), out_.data(), out_.data() + out_.size());
  return traits_type::to_int_type(*gptr());
}

void DecodingStreambuf::decode_chunk() {
  if (encoding_ == TextEncoding::windows1252 || encoding_ == TextEncoding::iso8859_1) {
    decode_single_byte(raw_);
    raw_.clear();
    return;
  }
  if (take_utf8()) return;
  if (encoding_ == TextEncoding::utf8 || seen_utf8_multibyte_) fail_mixed();
  // Everything so far was ASCII: the file is Windows-1252 (a superset of ISO-8859-1's
  // printable characters).
  encoding_ = TextEncoding::windows1252;
  decode_single_byte(raw_);
  raw_.clear();
}

bool DecodingStreambuf::take_utf8() {
  const std::size_t keep = incomplete_tail(raw_);
  const std::string_view complete(raw_.data(), raw_.size() - keep);
  const std::size_t bad = base::invalid_utf8_offset(complete);
  const std::size_t good = bad == std::string_view::npos ? complete.size() : bad;
  const auto is_multibyte = [](char c) { return (static_cast<unsigned char>(c) & 0x80) != 0; };
  if (std::any_of(complete.begin(), complete.begin() + static_cast<std::ptrdiff_t>(good),
                  is_multibyte)) {
    seen_utf8_multibyte_ = true;
  }
  if (bad != std::string_view::npos && !seen_utf8_multibyte_ && encoding_ == TextEncoding::detect) {
    return false;  // the caller switches the whole chunk to Windows-1252
  }
  out_.insert(out_.end(), complete.begin(), complete.begin() + static_cast<std::ptrdiff_t>(good));
  if (bad != std::string_view::npos) fail_mixed();
  raw_.erase(0, complete.size());
  return true;
}

void DecodingStreambuf::decode_single_byte(std::string_view raw) {
  for (const char ch : raw) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x80 && b < 0xA0 && encoding_ == TextEncoding::windows1252) {
      append_utf8(out_, kCp1252High[b - 0x80]);
    } else {
      append_utf8(out_, b);
    }
  }
}

void DecodingStreambuf::fail_mixed() {
  std::int64_t line = lines_before_ + 1;
  for (const char c : out_)
    line += c == '\n';
  throw TextDecodingError(line, encoding_ == TextEncoding::utf8
                                    ? "bytes that are not UTF-8 in a file declared UTF-8"
                                    : "the file mixes UTF-8 with another encoding");
}

}  // namespace popgate::formats
