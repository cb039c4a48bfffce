#include "adapters/formats/client_table.h"

#include <gtest/gtest.h>

#include <sstream>

#include "adapters/formats/bounded_line.h"

namespace popgate::formats {
namespace {

std::vector<ClientTableRow> read_all(const std::string& text, ClientTableOptions options = {},
                                     ClientTableReader** out_reader = nullptr) {
  std::istringstream in(text);
  ClientTableReader reader(in, std::move(options));
  std::vector<ClientTableRow> rows;
  ClientTableRow row;
  while (reader.next(row))
    rows.push_back(row);
  (void)out_reader;
  return rows;
}

std::string decode(const std::string& bytes, TextEncoding encoding = TextEncoding::detect) {
  std::istringstream in(bytes);
  DecodingStreambuf buffer(in, encoding);
  std::istream text(&buffer);
  text.exceptions(std::ios::badbit);  // rethrow what the decoder throws
  std::string out, line;
  while (std::getline(text, line))
    out += line + "\n";
  return out;
}

TEST(TextDecoding, Utf8PassesThroughAndLatin1IsDetected) {
  EXPECT_EQ(decode("Mäkinen\n"), "Mäkinen\n");
  EXPECT_EQ(decode("M\xE4kinen;\x80\n"), "Mäkinen;€\n");  // Windows-1252 ä and €
  EXPECT_EQ(decode("M\xE4kinen\n", TextEncoding::iso8859_1), "Mäkinen\n");
}

TEST(TextDecoding, ALatin1ByteAfterAMillionAsciiLinesIsStillRead) {
  std::string text;
  for (int i = 0; i < 100000; ++i)
    text += "0123456789;abc\n";  // 1.5 MB, many chunks
  text += "\xC5str\xF6m\n";
  const std::string decoded = decode(text);
  EXPECT_EQ(decoded.substr(decoded.size() - 9), "Åström\n");
}

TEST(TextDecoding, MixedEncodingsFailAtTheirLine) {
  try {
    decode("Mäkinen\nok\nM\xE4kinen\n");
    FAIL() << "no error";
  } catch (const TextDecodingError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_NE(std::string(e.what()).find("mixes UTF-8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decode("M\xE4kinen\n", TextEncoding::utf8), TextDecodingError);
}

TEST(TextDecoding, AUtf8SequenceSplitAcrossChunksIsKept) {
  std::string text(64 * 1024 - 1, 'a');
  text += "ä\n";  // its two bytes straddle the first 64 KiB chunk's end
  EXPECT_EQ(decode(text), text);
}

TEST(ClientTable, HeaderAliasesSeparatorsQuotesAndCrlf) {
  for (const char sep : {';', ',', '\t'}) {
    const std::string s(1, sep);
    const std::string text = "\xEF\xBB\xBFHenkilötunnus" + s + "SUKUNIMI" + s + "Etunimet" + s +
                             "Syntymäaika" + s + "Asiakasnumero" + s + "muu\r\n" + "010190-999W" +
                             s + "\"Mäki" + s + " \"\"x\"\"\"" + s + "\"Anna\nMaria\"" + s +
                             "1.1.1990" + s + "A-1" + s + "z\r\n";
    const std::vector<ClientTableRow> rows = read_all(text);
    ASSERT_EQ(rows.size(), 1u) << int(sep);
    EXPECT_EQ(rows[0].error, "");
    EXPECT_EQ(rows[0].get(ClientField::hetu), "010190-999W");
    EXPECT_EQ(rows[0].get(ClientField::last_name), "Mäki" + s + " \"x\"");
    EXPECT_EQ(rows[0].get(ClientField::first_names), "Anna\nMaria");
    EXPECT_EQ(rows[0].get(ClientField::birth_date), "1.1.1990");
    EXPECT_EQ(rows[0].get(ClientField::client_ref), "A-1");
    EXPECT_EQ(rows[0].line, 2);
  }
}

TEST(ClientTable, ABadRowIsReportedWithItsLineAndReadingGoesOn) {
  const std::vector<ClientTableRow> rows =
      read_all("hetu;sukunimi\n010190-999W;A\n1;2;3\n\"x\"y;B\n020202A999U;C\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].error, "3 fields where the header has 2");
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_NE(rows[2].error.find("closing quote"), std::string::npos) << rows[2].error;
  EXPECT_EQ(rows[3].get(ClientField::last_name), "C");
  EXPECT_EQ(rows[3].number, 4);
}

TEST(ClientTable, AFileThatChangesEncodingHalfwayFails) {
  std::string text = "hetu;sukunimi\n010190-999W;Mäkinen\n";
  for (int i = 0; i < 5000; ++i)
    text += "010190-999W;Virtanen\n";
  text += "010190-999W;M\xE4kinen\n";
  try {
    read_all(text);
    FAIL() << "no error";
  } catch (const TableError& e) {
    EXPECT_NE(std::string(e.what()).find("line 5003"), std::string::npos) << e.what();
  }
}

TEST(ClientTable, OneColumnOfHetusIsATable) {
  const std::vector<ClientTableRow> rows = read_all("HETU\r\n010190-999W\r\n020202A999U\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].get(ClientField::hetu), "020202A999U");
  EXPECT_THROW(read_all("just words\n"), TableError) << "one column, but not one we know";
}

TEST(ClientTable, ExtraAliasesFromTheWorkflow) {
  ClientTableOptions options;
  options.aliases = {{ClientField::hetu, "Tunnus"}};
  const std::vector<ClientTableRow> rows = read_all("Tunnus;Nimi\n010190-999W;x\n", options);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get(ClientField::hetu), "010190-999W");
}

TEST(ClientTable, AFileThatIsNotATableFailsAsAWhole) {
  EXPECT_THROW(read_all("just some text without separators\n"), TableError);
  EXPECT_THROW(read_all("foo;bar\n1;2\n"), TableError);  // no column we know
  EXPECT_THROW(read_all(std::string("PK\x03\x04\x14\0\0\0;x\n", 12)), TableError);
  EXPECT_THROW(read_all("hetu;henkilotunnus\n1;2\n"), TableError);  // the same field twice
  try {
    read_all("foo;bar\n");
  } catch (const TableError& e) {
    EXPECT_NE(std::string(e.what()).find("no column of the header"), std::string::npos);
  }
}

// A quote that never closes would make the rest of the file one field: reading stops at the
// record bound with the line where the record began, and memory does not grow with the file.
TEST(ClientTable, AnUnclosedQuoteOrAnEndlessLineFailsTheFileAtABound) {
  const std::string rest(kMaxLineBytes / 10, 'x');
  std::string text = "client_ref;hetu\n1;010101-0101\n2;\"";
  for (int i = 0; i < 12; ++i)
    text += rest + "\n";
  try {
    read_all(text);
    FAIL() << "no error";
  } catch (const TableError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3: a record longer than"), std::string::npos)
        << e.what();
  }
  try {
    read_all("client_ref;hetu\n1;" + std::string(kMaxLineBytes + 1, '1'));
    FAIL() << "no error";
  } catch (const TableError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2: a line longer than"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(read_all(std::string(kMaxLineBytes + 1, 'h')), TableError) << "the header";
}

TEST(ClientTable, FixedWidthByLayoutCountingCharacters) {
  ClientTableOptions options;
  options.fixed_width = {{ClientField::hetu, 1, 11},
                         {ClientField::last_name, 12, 10},
                         {ClientField::client_ref, 22, 4}};
  const std::vector<ClientTableRow> rows =
      read_all("010190-999WMäkinen   0001\r\n\n020202A999UÅs        0002\nshort\n", options);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].get(ClientField::last_name), "Mäkinen");
  EXPECT_EQ(rows[0].get(ClientField::client_ref), "0001");
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].get(ClientField::last_name), "Ås");
  EXPECT_EQ(rows[2].get(ClientField::hetu), "short");
  EXPECT_EQ(rows[2].get(ClientField::client_ref), "");
}

}  // namespace
}  // namespace popgate::formats
