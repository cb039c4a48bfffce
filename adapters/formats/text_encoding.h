// Writing our UTF-8 text in the encodings clients' systems read back: UTF-8 (with or without a
// byte order mark), Windows-1252 or ISO-8859-1 — the reverse of text_decoding.h. The 8-bit
// encodings lack most of Unicode (Polish "Ł", Czech "č", Hungarian "ő", "€" in ISO-8859-1), so
// what happens to such a character is the caller's choice: fail, "?", or an ASCII
// transliteration ("Ł" → "L", "€" → "EUR").
#ifndef POPGATE_ADAPTERS_FORMATS_TEXT_ENCODING_H_
#define POPGATE_ADAPTERS_FORMATS_TEXT_ENCODING_H_

#include <optional>
#include <string>
#include <string_view>

namespace popgate::formats {

enum class OutputEncoding { utf8, utf8_bom, windows1252, iso8859_1 };

// "utf-8", "utf-8-bom", "windows-1252", "iso-8859-1"; nullopt for anything else.
std::optional<OutputEncoding> parse_output_encoding(std::string_view name);
std::string_view to_string(OutputEncoding encoding);

// What to do with a character the target encoding lacks.
enum class Unmappable {
  fail,           // report it (EncodeResult::unmappable); the caller fails
  replace,        // write "?"
  transliterate,  // write transliteration(c): the letter without its accent, "EUR", else "?"
};

// "fail", "replace", "transliterate"; nullopt for anything else.
std::optional<Unmappable> parse_unmappable(std::string_view name);

// The ASCII stand-in `transliterate` writes for `c`: Latin letters without their diacritics
// ("Ł" → "L", "ő" → "o", "Œ" → "OE" in ISO-8859-1), typographic quotes, dashes and spaces as
// their ASCII forms, "…" → "...", "€" → "EUR", "™" → "TM"; "?" for everything else.
std::string_view transliteration(char32_t c);

struct EncodeResult {
  bool replaced = false;               // a character was replaced ("?" or transliterated)
  std::optional<char32_t> unmappable;  // Unmappable::fail: the first character the target lacks
};

class TextEncoder {
 public:
  TextEncoder(OutputEncoding target, Unmappable policy) : target_(target), policy_(policy) {}

  // Appends well-formed UTF-8 `text` in the target encoding. With Unmappable::fail, stops at
  // the first character the target lacks and says which (what came before it is appended).
  EncodeResult append(std::string& out, std::string_view text) const;

  // What the file starts with: the UTF-8 byte order mark for utf8_bom, else nothing.
  std::string_view byte_order_mark() const;
  // One byte per character (the 8-bit encodings).
  bool single_byte() const {
    return target_ == OutputEncoding::windows1252 || target_ == OutputEncoding::iso8859_1;
  }
  OutputEncoding target() const { return target_; }

 private:
  std::optional<unsigned char> byte_of(char32_t c) const;

  OutputEncoding target_;
  Unmappable policy_;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_TEXT_ENCODING_H_
