// JsonWriter and the flat JSON object of change values.
#include <gtest/gtest.h>

#include "adapters/formats/json_fields.h"
#include "adapters/formats/json_writer.h"

namespace popgate::formats {
namespace {

TEST(JsonWriter, CompactAndIndented) {
  auto write = [](int indent) {
    std::string out;
    JsonWriter w(out, indent);
    w.begin_object();
    w.field("a", "x");
    w.field_number("n", -5);
    w.key("b");
    w.boolean(true);
    w.field_optional("o", std::nullopt);
    w.field_strings("l", std::vector<std::string>{"p", "q"});
    w.key("e");
    w.begin_array();
    w.end_array();
    w.key("m");
    w.begin_object();
    w.end_object();
    w.end_object();
    return out;
  };
  EXPECT_EQ(write(0), R"({"a":"x","n":-5,"b":true,"o":null,"l":["p","q"],"e":[],"m":{}})");
  EXPECT_EQ(
      write(2),
      "{\n  \"a\": \"x\",\n  \"n\": -5,\n  \"b\": true,\n  \"o\": null,\n  \"l\": [\n    \"p\",\n"
      "    \"q\"\n  ],\n  \"e\": [],\n  \"m\": {}\n}");
}

TEST(JsonFields, RoundTripInOrderWithRepeatsAndEscapes) {
  const std::vector<registry::Field> fields = {{"street", "Uusi \"katu\" 1\\2"},
                                               {"note", "rivi\nrivi ✓\t"},
                                               {"empty", ""},
                                               {"street", "again"},
                                               {"ctl", std::string("\x02", 1)}};
  const std::string text = json_fields(fields);
  std::vector<registry::Field> back;
  EXPECT_EQ(parse_json_fields(text, back), "");
  EXPECT_EQ(back, fields);
  EXPECT_EQ(json_fields({}), "{}");
  EXPECT_EQ(parse_json_fields(" { } ", back), "");
  EXPECT_TRUE(back.empty());
}

TEST(JsonFields, DecodesUnicodeEscapes) {
  std::vector<registry::Field> back;
  ASSERT_EQ(parse_json_fields(R"({"a":"\u00e4\ud83d\ude00\/"})", back), "");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].value, "ä😀/");
}

TEST(JsonFields, SaysWhyTextIsNotAFlatObject) {
  std::vector<registry::Field> back;
  EXPECT_NE(parse_json_fields("[]", back).find("expected '{'"), std::string::npos);
  EXPECT_NE(parse_json_fields(R"({"a":1})", back).find("values must be strings"),
            std::string::npos);
  EXPECT_NE(parse_json_fields(R"({"a":"b")", back).find("expected ',' or '}'"), std::string::npos);
  EXPECT_NE(parse_json_fields(R"({"a":"b"} x)", back).find("text after the object"),
            std::string::npos);
  EXPECT_NE(parse_json_fields(R"({"a":"\ud83d"})", back).find("surrogate"), std::string::npos);
  EXPECT_NE(parse_json_fields(R"({"a":"\q"})", back).find("bad escape"), std::string::npos);
  EXPECT_NE(parse_json_fields("{\"a\":\"\n\"}", back).find("control character"), std::string::npos);
  EXPECT_NE(parse_json_fields(R"({"a":"b)", back).find("unterminated"), std::string::npos);
}

}  // namespace
}  // namespace popgate::formats
