#include "adapters/formats/text_encoding.h"

#include <gtest/gtest.h>

#include <sstream>

#include "adapters/formats/text_decoding.h"

namespace popgate::formats {
namespace {

struct Encoded {
  std::string bytes;
  EncodeResult result;
};

Encoded encode(std::string_view text, OutputEncoding target, Unmappable policy = Unmappable::fail) {
  Encoded out;
  out.result = TextEncoder(target, policy).append(out.bytes, text);
  return out;
}

std::string decode(const std::string& bytes, TextEncoding encoding) {
  std::istringstream in(bytes);
  DecodingStreambuf buffer(in, encoding);
  std::istream text(&buffer);
  std::ostringstream out;
  out << text.rdbuf();
  return out.str();
}

TEST(TextEncoding, NamesAreTheParametersValues) {
  for (const OutputEncoding e : {OutputEncoding::utf8, OutputEncoding::utf8_bom,
                                 OutputEncoding::windows1252, OutputEncoding::iso8859_1}) {
    EXPECT_EQ(parse_output_encoding(to_string(e)), e) << to_string(e);
  }
  EXPECT_FALSE(parse_output_encoding("latin1"));
  EXPECT_EQ(parse_unmappable("transliterate"), Unmappable::transliterate);
  EXPECT_FALSE(parse_unmappable("ignore"));
}

TEST(TextEncoding, Utf8IsWrittenAsItIsAndOnlyTheBomVariantHasAMark) {
  const std::string text = "Mäkinen Łukasz 😀";
  EXPECT_EQ(encode(text, OutputEncoding::utf8).bytes, text);
  EXPECT_EQ(encode(text, OutputEncoding::utf8_bom).bytes, text);
  EXPECT_EQ(TextEncoder(OutputEncoding::utf8_bom, Unmappable::fail).byte_order_mark(),
            "\xEF\xBB\xBF");
  EXPECT_EQ(TextEncoder(OutputEncoding::utf8, Unmappable::fail).byte_order_mark(), "");
  EXPECT_EQ(TextEncoder(OutputEncoding::windows1252, Unmappable::fail).byte_order_mark(), "");
}

TEST(TextEncoding, Windows1252HasTheFinnishLettersTheEuroAndTypographicQuotes) {
  const Encoded out = encode("Äö€Šé“x”–", OutputEncoding::windows1252);
  EXPECT_EQ(out.bytes, "\xC4\xF6\x80\x8A\xE9\x93x\x94\x96");
  EXPECT_FALSE(out.result.replaced);
  EXPECT_FALSE(out.result.unmappable);
}

TEST(TextEncoding, Iso8859_1HasTheLatin1LettersButNoEuro) {
  EXPECT_EQ(encode("Äöåé\xC2\x81", OutputEncoding::iso8859_1).bytes, "\xC4\xF6\xE5\xE9\x81");
  const Encoded euro = encode("5 €", OutputEncoding::iso8859_1);
  EXPECT_EQ(euro.result.unmappable, U'€');
  EXPECT_EQ(euro.bytes, "5 ") << "what came before the character is written";
}

TEST(TextEncoding, TheFirstUnmappableCharacterIsReportedUnderFail) {
  const Encoded out = encode("Wałęsa", OutputEncoding::windows1252);
  EXPECT_EQ(out.result.unmappable, U'ł');
  EXPECT_EQ(out.bytes, "Wa");
  // A C1 control is a character Windows-1252 does not have (its bytes mean other things).
  EXPECT_EQ(encode("\xC2\x81", OutputEncoding::windows1252).result.unmappable, char32_t{0x81});
  EXPECT_EQ(encode("😀", OutputEncoding::windows1252).result.unmappable, U'😀');
}

TEST(TextEncoding, ReplaceWritesAQuestionMarkPerCharacter) {
  const Encoded out = encode("Wałęsa €😀", OutputEncoding::iso8859_1, Unmappable::replace);
  EXPECT_EQ(out.bytes, "Wa??sa ??");
  EXPECT_TRUE(out.result.replaced);
  EXPECT_FALSE(out.result.unmappable);
}

TEST(TextEncoding, TransliterateWritesTheBaseLetterOrAnAsciiForm) {
  EXPECT_EQ(
      encode("Wałęsa Dvořák Őry Œuvre", OutputEncoding::windows1252, Unmappable::transliterate)
          .bytes,
      "Walesa Dvor\xE1k Ory \x8Cuvre")
      << "á and Œ are in Windows-1252 and stay";
  const Encoded out =
      encode("Œ “q” – 5 € … 😀", OutputEncoding::iso8859_1, Unmappable::transliterate);
  EXPECT_EQ(out.bytes, "OE \"q\" - 5 EUR ... ?");
  EXPECT_TRUE(out.result.replaced);
  EXPECT_EQ(transliteration(U'Ł'), "L");
  EXPECT_EQ(transliteration(U'đ'), "d");
  EXPECT_EQ(transliteration(U'中'), "?");
}

TEST(TextEncoding, EveryWindows1252AndLatin1ByteSurvivesDecodingAndEncoding) {
  std::string all;
  for (int b = 0x20; b <= 0xFF; ++b) {
    // The five bytes Windows-1252 leaves unassigned decode to U+FFFD and cannot come back.
    if (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D) continue;
    if (b == 0x7F) continue;
    all += static_cast<char>(b);
  }
  EXPECT_EQ(encode(decode(all, TextEncoding::windows1252), OutputEncoding::windows1252).bytes, all);
  std::string latin1;
  for (int b = 0x20; b <= 0xFF; ++b)
    latin1 += static_cast<char>(b);
  EXPECT_EQ(encode(decode(latin1, TextEncoding::iso8859_1), OutputEncoding::iso8859_1).bytes,
            latin1);
}

}  // namespace
}  // namespace popgate::formats
