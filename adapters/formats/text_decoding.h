// Reading clients' text files whatever their encoding: UTF-8 (with or without a byte order
// mark), Windows-1252 or ISO-8859-1, as Finnish organisations' systems write them. The
// decoder is a streambuf that hands UTF-8 to any reader (CsvReader, getline) in bounded
// memory, so a multi-gigabyte file is decoded as it is read.
//
// Detection (TextEncoding::detect) is lazy and exact: the input is taken as UTF-8 while it is
// valid UTF-8. At the first byte that is not, if everything before was plain ASCII (the same
// in all three encodings) the rest is read as Windows-1252; if real UTF-8 came before, the file
// mixes encodings and reading fails at that line. So a file that is ASCII for its first
// million lines and has an "ä" in Latin-1 on the next is read right.
#ifndef POPGATE_ADAPTERS_FORMATS_TEXT_DECODING_H_
#define POPGATE_ADAPTERS_FORMATS_TEXT_DECODING_H_

#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::formats {

enum class TextEncoding { detect, utf8, windows1252, iso8859_1 };

// "utf-8", "windows-1252", "iso-8859-1" (and "auto" for detect); nullopt for anything else.
std::optional<TextEncoding> parse_text_encoding(std::string_view name);
std::string_view to_string(TextEncoding encoding);

// The character a Windows-1252 byte stands for (U+FFFD for its five unassigned bytes).
char32_t windows1252_char(unsigned char byte);

class DecodingStreambuf : public std::streambuf {
 public:
  DecodingStreambuf(std::istream& source, TextEncoding encoding);

  // What the input turned out to be so far (detect until the first non-ASCII byte).
  TextEncoding encoding() const { return encoding_; }

 protected:
  int_type underflow() override;

 private:
  void decode_chunk();
  void decode_single_byte(std::string_view raw);
  // Appends the valid UTF-8 prefix of raw_ (keeping an incomplete tail for the next chunk);
  // false at an invalid byte (raw_ keeps the rest).
  bool take_utf8();
  [[noreturn]] void fail_mixed();

  std::istream& source_;
  TextEncoding encoding_;
  bool seen_utf8_multibyte_ = false;
  std::int64_t lines_before_ = 0;  // line breaks handed out so far, for error messages
  std::string raw_;                // undecoded bytes carried over
  std::vector<char> out_;
};

// Thrown when the input is not text in the declared (or detected) encoding.
class TextDecodingError : public std::runtime_error {
 public:
  TextDecodingError(std::int64_t line, std::string reason)
      : std::runtime_error("line " + std::to_string(line) + ": " + reason), line_(line) {}
  std::int64_t line() const { return line_; }

 private:
  std::int64_t line_;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_TEXT_DECODING_H_
