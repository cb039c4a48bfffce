#include "adapters/formats/text_encoding.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "adapters/formats/text_decoding.h"
#include "base/utf8.h"

namespace popgate::formats {
namespace {

struct Transliteration {
  char32_t c;
  const char* ascii;
};

// Sorted by code point. Latin Extended-A and -B letters as their base letter (from Unicode's
// canonical decompositions, plus the letters that have none: Ł, Đ, Ħ, ı, Œ, ...), and the
// punctuation Windows-1252 has and ISO-8859-1 lacks. Latin-1 letters are in both targets.
constexpr Transliteration kTransliterations[] = {
    {0x0100, "A"},  {0x0101, "a"},   {0x0102, "A"},  {0x0103, "a"},   {0x0104, "A"},
    {0x0105, "a"},  {0x0106, "C"},   {0x0107, "c"},  {0x0108, "C"},   {0x0109, "c"},
    {0x010A, "C"},  {0x010B, "c"},   {0x010C, "C"},  {0x010D, "c"},   {0x010E, "D"},
    {0x010F, "d"},  {0x0110, "D"},   {0x0111, "d"},  {0x0112, "E"},   {0x0113, "e"},
    {0x0114, "E"},  {0x0115, "e"},   {0x0116, "E"},  {0x0117, "e"},   {0x0118, "E"},
    {0x0119, "e"},  {0x011A, "E"},   {0x011B, "e"},  {0x011C, "G"},   {0x011D, "g"},
    {0x011E, "G"},  {0x011F, "g"},   {0x0120, "G"},  {0x0121, "g"},   {0x0122, "G"},
    {0x0123, "g"},  {0x0124, "H"},   {0x0125, "h"},  {0x0126, "H"},   {0x0127, "h"},
    {0x0128, "I"},  {0x0129, "i"},   {0x012A, "I"},  {0x012B, "i"},   {0x012C, "I"},
    {0x012D, "i"},  {0x012E, "I"},   {0x012F, "i"},  {0x0130, "I"},   {0x0131, "i"},
    {0x0132, "IJ"}, {0x0133, "ij"},  {0x0134, "J"},  {0x0135, "j"},   {0x0136, "K"},
    {0x0137, "k"},  {0x0138, "k"},   {0x0139, "L"},  {0x013A, "l"},   {0x013B, "L"},
    {0x013C, "l"},  {0x013D, "L"},   {0x013E, "l"},  {0x013F, "L"},   {0x0140, "l"},
    {0x0141, "L"},  {0x0142, "l"},   {0x0143, "N"},  {0x0144, "n"},   {0x0145, "N"},
    {0x0146, "n"},  {0x0147, "N"},   {0x0148, "n"},  {0x0149, "'n"},  {0x014A, "N"},
    {0x014B, "n"},  {0x014C, "O"},   {0x014D, "o"},  {0x014E, "O"},   {0x014F, "o"},
    {0x0150, "O"},  {0x0151, "o"},   {0x0152, "OE"}, {0x0153, "oe"},  {0x0154, "R"},
    {0x0155, "r"},  {0x0156, "R"},   {0x0157, "r"},  {0x0158, "R"},   {0x0159, "r"},
    {0x015A, "S"},  {0x015B, "s"},   {0x015C, "S"},  {0x015D, "s"},   {0x015E, "S"},
    {0x015F, "s"},  {0x0160, "S"},   {0x0161, "s"},  {0x0162, "T"},   {0x0163, "t"},
    {0x0164, "T"},  {0x0165, "t"},   {0x0166, "T"},  {0x0167, "t"},   {0x0168, "U"},
    {0x0169, "u"},  {0x016A, "U"},   {0x016B, "u"},  {0x016C, "U"},   {0x016D, "u"},
    {0x016E, "U"},  {0x016F, "u"},   {0x0170, "U"},  {0x0171, "u"},   {0x0172, "U"},
    {0x0173, "u"},  {0x0174, "W"},   {0x0175, "w"},  {0x0176, "Y"},   {0x0177, "y"},
    {0x0178, "Y"},  {0x0179, "Z"},   {0x017A, "z"},  {0x017B, "Z"},   {0x017C, "z"},
    {0x017D, "Z"},  {0x017E, "z"},   {0x017F, "s"},  {0x0180, "b"},   {0x0181, "B"},
    {0x0187, "C"},  {0x0188, "c"},   {0x0189, "D"},  {0x018A, "D"},   {0x0191, "F"},
    {0x0192, "f"},  {0x0193, "G"},   {0x0197, "I"},  {0x0198, "K"},   {0x0199, "k"},
    {0x019A, "l"},  {0x019D, "N"},   {0x019E, "n"},  {0x01A0, "O"},   {0x01A1, "o"},
    {0x01A4, "P"},  {0x01A5, "p"},   {0x01AB, "t"},  {0x01AC, "T"},   {0x01AD, "t"},
    {0x01AE, "T"},  {0x01AF, "U"},   {0x01B0, "u"},  {0x01B2, "V"},   {0x01B3, "Y"},
    {0x01B4, "y"},  {0x01B5, "Z"},   {0x01B6, "z"},  {0x01B7, "Z"},   {0x01C4, "DZ"},
    {0x01C5, "Dz"}, {0x01C6, "dz"},  {0x01C7, "LJ"}, {0x01C8, "Lj"},  {0x01C9, "lj"},
    {0x01CA, "NJ"}, {0x01CB, "Nj"},  {0x01CC, "nj"}, {0x01CD, "A"},   {0x01CE, "a"},
    {0x01CF, "I"},  {0x01D0, "i"},   {0x01D1, "O"},  {0x01D2, "o"},   {0x01D3, "U"},
    {0x01D4, "u"},  {0x01D5, "U"},   {0x01D6, "u"},  {0x01D7, "U"},   {0x01D8, "u"},
    {0x01D9, "U"},  {0x01DA, "u"},   {0x01DB, "U"},  {0x01DC, "u"},   {0x01DE, "A"},
    {0x01DF, "a"},  {0x01E0, "A"},   {0x01E1, "a"},  {0x01E4, "G"},   {0x01E5, "g"},
    {0x01E6, "G"},  {0x01E7, "g"},   {0x01E8, "K"},  {0x01E9, "k"},   {0x01EA, "O"},
    {0x01EB, "o"},  {0x01EC, "O"},   {0x01ED, "o"},  {0x01EE, "Z"},   {0x01EF, "z"},
    {0x01F0, "j"},  {0x01F1, "DZ"},  {0x01F2, "Dz"}, {0x01F3, "dz"},  {0x01F4, "G"},
    {0x01F5, "g"},  {0x01F8, "N"},   {0x01F9, "n"},  {0x01FA, "A"},   {0x01FB, "a"},
    {0x0200, "A"},  {0x0201, "a"},   {0x0202, "A"},  {0x0203, "a"},   {0x0204, "E"},
    {0x0205, "e"},  {0x0206, "E"},   {0x0207, "e"},  {0x0208, "I"},   {0x0209, "i"},
    {0x020A, "I"},  {0x020B, "i"},   {0x020C, "O"},  {0x020D, "o"},   {0x020E, "O"},
    {0x020F, "o"},  {0x0210, "R"},   {0x0211, "r"},  {0x0212, "R"},   {0x0213, "r"},
    {0x0214, "U"},  {0x0215, "u"},   {0x0216, "U"},  {0x0217, "u"},   {0x0218, "S"},
    {0x0219, "s"},  {0x021A, "T"},   {0x021B, "t"},  {0x021E, "H"},   {0x021F, "h"},
    {0x0226, "A"},  {0x0227, "a"},   {0x0228, "E"},  {0x0229, "e"},   {0x022A, "O"},
    {0x022B, "o"},  {0x022C, "O"},   {0x022D, "o"},  {0x022E, "O"},   {0x022F, "o"},
    {0x0230, "O"},  {0x0231, "o"},   {0x0232, "Y"},  {0x0233, "y"},   {0x0237, "j"},
    {0x023A, "A"},  {0x023B, "C"},   {0x023C, "c"},  {0x023D, "L"},   {0x023E, "T"},
    {0x0246, "E"},  {0x0247, "e"},   {0x0248, "J"},  {0x0249, "j"},   {0x024C, "R"},
    {0x024D, "r"},  {0x024E, "Y"},   {0x024F, "y"},  {0x0292, "z"},   {0x02C6, "^"},
    {0x02DC, "~"},  {0x2002, " "},   {0x2003, " "},  {0x2009, " "},   {0x200B, ""},
    {0x2010, "-"},  {0x2011, "-"},   {0x2012, "-"},  {0x2013, "-"},   {0x2014, "-"},
    {0x2015, "-"},  {0x2018, "'"},   {0x2019, "'"},  {0x201A, "'"},   {0x201B, "'"},
    {0x201C, "\""}, {0x201D, "\""},  {0x201E, "\""}, {0x201F, "\""},  {0x2020, "+"},
    {0x2022, "*"},  {0x2026, "..."}, {0x202F, " "},  {0x2030, "%o"},  {0x2032, "'"},
    {0x2033, "\""}, {0x2039, "<"},   {0x203A, ">"},  {0x20AC, "EUR"}, {0x2122, "TM"},
    {0x2212, "-"},
};

// Where the run of ASCII starting at `i` ends: eight bytes at a time, since most of a result is
// ASCII and this loop sees every byte of it.
std::size_t ascii_run_end(std::string_view text, std::size_t i) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  std::uint64_t word = 0;
  while (i + sizeof word <= text.size()) {
    std::memcpy(&word, text.data() + i, sizeof word);
    if ((word & kHighBits) != 0) break;
    i += sizeof word;
  }
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80)
    ++i;
  return i;
}

}  // namespace

std::optional<OutputEncoding> parse_output_encoding(std::string_view name) {
  if (name == "utf-8") return OutputEncoding::utf8;
  if (name == "utf-8-bom") return OutputEncoding::utf8_bom;
  if (name == "windows-1252") return OutputEncoding::windows1252;
  if (name == "iso-8859-1") return OutputEncoding::iso8859_1;
  return std::nullopt;
}

std::string_view to_string(OutputEncoding encoding) {
  switch (encoding) {
    case OutputEncoding::utf8:
      return "utf-8";
    case OutputEncoding::utf8_bom:
      return "utf-8-bom";
    case OutputEncoding::windows1252:
      return "windows-1252";
    case OutputEncoding::iso8859_1:
      return "iso-8859-1";
  }
  return "utf-8";
}

std::optional<Unmappable> parse_unmappable(std::string_view name) {
  if (name == "fail") return Unmappable::fail;
  if (name == "replace") return Unmappable::replace;
  if (name == "transliterate") return Unmappable::transliterate;
  return std::nullopt;
}

std::string_view transliteration(char32_t c) {
  const auto* end = std::end(kTransliterations);
  const auto* found = std::lower_bound(
      std::begin(kTransliterations), end, c,
      [](const Transliteration& entry, char32_t wanted) { return entry.c < wanted; });
  return found != end && found->c == c ? std::string_view(found->ascii) : std::string_view("?");
}

EncodeResult TextEncoder::append(std::string& out, std::string_view text) const {
  EncodeResult result;
  if (!single_byte()) {
    out += text;
    return result;
  }
  std::size_t i = 0;
  while (i < text.size()) {
    // ASCII is the same bytes in every target: copy runs of it at once.
    const std::size_t run_start = i;
    i = ascii_run_end(text, i);
    out.append(text.data() + run_start, i - run_start);
    if (i == text.size()) break;
    const char32_t c = static_cast<char32_t>(base::decode_utf8(text, i));
    if (const std::optional<unsigned char> byte = byte_of(c)) {
      out += static_cast<char>(*byte);
      continue;
    }
    if (policy_ == Unmappable::fail) {
      result.unmappable = c;
      return result;
    }
    result.replaced = true;
    out += policy_ == Unmappable::replace ? std::string_view("?") : transliteration(c);
  }
  return result;
}

std::string_view TextEncoder::byte_order_mark() const {
  return target_ == OutputEncoding::utf8_bom ? std::string_view("\xEF\xBB\xBF")
                                             : std::string_view();
}

std::optional<unsigned char> TextEncoder::byte_of(char32_t c) const {
  if (c < 0x80) return static_cast<unsigned char>(c);
  if (target_ == OutputEncoding::iso8859_1) {
    if (c <= 0xFF) return static_cast<unsigned char>(c);
    return std::nullopt;
  }
  // Windows-1252 puts printable characters where ISO-8859-1 has the C1 controls.
  if (c >= 0xA0 && c <= 0xFF) return static_cast<unsigned char>(c);
  if (c == 0xFFFD) return std::nullopt;
  for (unsigned byte = 0x80; byte < 0xA0; ++byte) {
    if (windows1252_char(static_cast<unsigned char>(byte)) == c) {
      return static_cast<unsigned char>(byte);
    }
  }
  return std::nullopt;
}

}  // namespace popgate::formats
