// The base layer's text mechanisms: UTF-8, JSON string literals, base64.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/json_text.h"
#include "base/strings.h"
#include "base/utf8.h"

namespace popgate::base {
namespace {

TEST(Utf8, AcceptsWellFormedAndRejectsTheRest) {
  EXPECT_TRUE(valid_utf8("ascii ä € 😀"));
  EXPECT_EQ(invalid_utf8_offset("ab\xc3"), 2u);            // truncated
  EXPECT_EQ(invalid_utf8_offset("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(invalid_utf8_offset("a\xed\xa0\x80"), 1u);     // surrogate
  EXPECT_EQ(invalid_utf8_offset("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(invalid_utf8_offset("\xe2\x82"), 0u);          // short
  EXPECT_EQ(invalid_utf8_offset("ok\x80"), 2u);            // lone continuation
}

TEST(Utf8, DecodesAndEncodesEveryLength) {
  for (const char32_t c : {U'a', U'\u00e4', U'\u20ac', U'\U0001F600'}) {
    std::string text;
    append_code_point(text, c);
    std::size_t pos = 0;
    EXPECT_EQ(decode_utf8(text, pos), static_cast<long>(c));
    EXPECT_EQ(pos, text.size());
  }
  EXPECT_EQ(count_code_points("Hämeenlinna €"), 13u);
  EXPECT_EQ(count_code_points("caf\xe9"), 4u);  // an ill-formed byte counts as one
}

TEST(Utf8, FindsTheBadByteAfterLongAsciiRuns) {
  const std::string ascii(1000, 'x');
  EXPECT_EQ(invalid_utf8_offset(ascii), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_offset(ascii + "\xff" + ascii), 1000u);
  EXPECT_EQ(invalid_utf8_offset(ascii + "\xc3"), 1000u);  // truncated at the very end
}

TEST(JsonText, EscapesWhatJsonRequiresAndReplacesBadUtf8) {
  EXPECT_EQ(json_string(""), "\"\"");
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("\"\\/"), "\"\\\"\\\\/\"");
  EXPECT_EQ(json_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_string(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\\u007f\"");
  // UTF-8 passes through; bytes that are not UTF-8 become U+FFFD, one each.
  EXPECT_EQ(json_string("Hämeenlinna €"), "\"Hämeenlinna €\"");
  EXPECT_EQ(json_string("caf\xe9!"), "\"caf\\ufffd!\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(json_string("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");   // U+1F600
  EXPECT_EQ(json_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");             // truncated
}

TEST(JsonText, CopiesUtf8AndEscapesNulInTheMiddle) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_string(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(json_string(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(json_string("Mäkelä ✓ /"), "\"Mäkelä ✓ /\"");
  EXPECT_EQ(json_string(""), "\"\"");
}

TEST(Strings, JoinPutsTheSeparatorBetweenItems) {
  EXPECT_EQ(join(std::vector<std::string>{}, ", "), "");
  EXPECT_EQ(join(std::vector<std::string>{"a"}, ", "), "a");
  EXPECT_EQ(join(std::vector<std::string_view>{"a", "", "b"}, ","), "a,,b");
}

TEST(Strings, PrintableShowsControlCharactersAndNothingElse) {
  EXPECT_EQ(printable("x\nsftp: login: user \"demo\"\x1b[2J"),
            "x\\x0asftp: login: user \"demo\"\\x1b[2J");
  EXPECT_EQ(printable(std::string("a\0b\t\x7f", 5)), "a\\x00b\\x09\\x7f");
  EXPECT_EQ(printable("Hämeenlinna € /"), "Hämeenlinna € /");
  // C1 controls (CSI as U+009B, NEL as U+0085) and bytes that are not UTF-8 (a raw 0x9B is
  // CSI to an 8-bit terminal; Latin-1 "ä" is 0xE4), each byte shown.
  EXPECT_EQ(printable("a\xc2\x9b"
                      "2Jb\xc2\x85"),
            "a\\xc2\\x9b2Jb\\xc2\\x85");
  EXPECT_EQ(printable("\x9b"
                      "2J M\xe4kel\xe4"),
            "\\x9b2J M\\xe4kel\\xe4");
  EXPECT_EQ(printable("\xf0\x9f\x98\x80 \xc2\xa0"), "\xf0\x9f\x98\x80 \xc2\xa0");
}

TEST(Strings, QuotedCannotBeClosedFromInside) {
  EXPECT_EQ(quoted("demo"), "\"demo\"");
  EXPECT_EQ(quoted(""), "\"\"");
  EXPECT_EQ(quoted("x\" from 10.0.0.1 with forged\x1b[2J"),
            "\"x\\x22 from 10.0.0.1 with forged\\x1b[2J\"");
  EXPECT_EQ(quoted("a\\b\nc\""), "\"a\\b\\x0ac\\x22\"");
  EXPECT_EQ(quoted("it's", '\''), "'it\\x27s'");
  EXPECT_EQ(quoted("Mäkelä"), "\"Mäkelä\"");
}

TEST(Strings, ParseDigitsTakesDigitsOnlyWithinTheLimit) {
  EXPECT_EQ(parse_digits("0", 10), 0);
  EXPECT_EQ(parse_digits("10", 10), 10);
  EXPECT_EQ(parse_digits("11", 10), std::nullopt);
  EXPECT_EQ(parse_digits("9223372036854775807", INT64_MAX), INT64_MAX);
  EXPECT_EQ(parse_digits("9223372036854775808", INT64_MAX), std::nullopt);
  for (const char* bad : {"", "-1", "+1", " 1", "1x"})
    EXPECT_EQ(parse_digits(bad, 100), std::nullopt) << bad;
}

TEST(Base64, DecodesEveryPaddingLength) {
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("Zg=="), "f");
  EXPECT_EQ(decode_base64("Zm8="), "fo");
  EXPECT_EQ(decode_base64("Zm9v"), "foo");
  EXPECT_EQ(decode_base64("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decode_base64("AAAAB3NzaC1yc2E="), std::string("\0\0\0\x07ssh-rsa", 11));
  EXPECT_EQ(decode_base64("+/+/"), "\xfb\xff\xbf");
}

TEST(Base64, RefusesWhatIsNotCanonical) {
  EXPECT_EQ(decode_base64("Zm9"), std::nullopt);     // not a multiple of 4
  EXPECT_EQ(decode_base64("Zm9v\n"), std::nullopt);  // a character outside the alphabet
  EXPECT_EQ(decode_base64("Zm-v"), std::nullopt);    // the URL alphabet
  EXPECT_EQ(decode_base64("Z==="), std::nullopt);    // three padding characters
  EXPECT_EQ(decode_base64("Zg=a"), std::nullopt);    // padding in the middle
  EXPECT_EQ(decode_base64("Zh=="), std::nullopt);    // bits set past the end
}

}  // namespace
}  // namespace popgate::base
