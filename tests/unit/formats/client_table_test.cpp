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
    // The separator inside quoted names; a tab is no name's character, so a space then.
    const std::string in = sep == '\t' ? " " : s;
    const std::string text = "\xEF\xBB\xBFHenkilötunnus" + s + "SUKUNIMI" + s + "Etunimet" + s +
                             "Syntymäaika" + s + "Asiakasnumero" + s + "muu\r\n" + "010190-999W" +
                             s + "\"Mäki" + in + " \"\"x\"\"\"" + s + "\"Anna" + in + "Maria\"" +
                             s + "1.1.1990" + s + "A-1" + s + "\"a note\non two lines\"\r\n";
    const std::vector<ClientTableRow> rows = read_all(text);
    ASSERT_EQ(rows.size(), 1u) << int(sep);
    EXPECT_EQ(rows[0].error, "");
    EXPECT_EQ(rows[0].get(ClientField::hetu), "010190-999W");
    EXPECT_EQ(rows[0].get(ClientField::last_name), "Mäki" + in + " \"x\"");
    EXPECT_EQ(rows[0].get(ClientField::first_names), "Anna" + in + "Maria");
    EXPECT_EQ(rows[0].get(ClientField::birth_date), "1.1.1990");
    EXPECT_EQ(rows[0].get(ClientField::client_ref), "A-1");
    EXPECT_EQ(rows[0].line, 2);
  }
}

// A NUL inside a name once matched silently: a control character in a column we read makes the
// row INVALID_ROW naming the column and the character; a street address may hold tabs and line
// breaks, and columns we do not read may hold anything (a note with a line break).
TEST(ClientTable, AControlCharacterMakesTheRowInvalidNamingColumnAndCharacter) {
  const std::vector<ClientTableRow> rows = read_all(
      "hetu;sukunimi;etunimet;lahiosoite;muu\n"
      "010190-999W;M\xC3\xA4ki;An" +
      std::string(1, '\0') +
      "na;;x\n"
      "010190-999W;M\xC3\xA4ki;\"Anna\nMaria\";;x\n"
      "010190-999W;M\xC3\xA4ki\x7F;Anna;;x\n"
      "010190-999W;M\xC3\xA4ki;Anna\xC2\x85;;x\n"
      "010190-999W;M\xC3\xA4ki;Anna;\"c/o Aho\r\nKatu\t1\";\"note\x01\"\n"
      "010190-999W;M\xC3\xA4ki\tOy;Anna;;x\n");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].error,
            "column 3 ('etunimet') holds the control character U+0000 at character 3");
  EXPECT_EQ(rows[0].get(ClientField::hetu), "") << "an invalid row's values are empty";
  EXPECT_EQ(rows[1].error,
            "column 3 ('etunimet') holds the control character U+000A at character 5");
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[2].error,
            "column 2 ('sukunimi') holds the control character U+007F at character 5");
  EXPECT_EQ(rows[3].error,
            "column 3 ('etunimet') holds the control character U+0085 at character 5");
  EXPECT_EQ(rows[4].error, "");
  EXPECT_EQ(rows[4].get(ClientField::street), "c/o Aho\r\nKatu\t1");
  EXPECT_EQ(rows[5].error,
            "column 2 ('sukunimi') holds the control character U+0009 at character 5");
}

TEST(ClientTable, AQuoteThatIsNeverClosedFailsTheTableAtTheLineWhereItOpened) {
  std::string text = "hetu;sukunimi\n010190-999W;A\n010190-999W;\"B\n";
  for (int i = 0; i < 997; ++i)
    text += "010190-999W;C\n";
  try {
    read_all(text);
    FAIL() << "an unclosed quote must fail the whole table";
  } catch (const TableError& e) {
    EXPECT_EQ(std::string(e.what()),
              "line 3: the quote that opens field 2 at column 13 is never closed: the 997 lines "
              "after it would be one field");
  }
}

TEST(ClientTable, AControlCharacterInAFixedWidthFieldMakesTheRowInvalid) {
  ClientTableOptions options;
  options.fixed_width = {{ClientField::hetu, 1, 11}, {ClientField::last_name, 12, 10}};
  const std::vector<ClientTableRow> rows = read_all(
      "010190-999WM\xC3\xA4ki\n010190-999WM\xC3\xA4" + std::string(1, '\0') + "ki\n", options);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error, "");
  EXPECT_EQ(rows[1].error,
            "the last_name field (characters 12-21) holds the control character U+0000 at "
            "character 3");
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

// The child selection's request (registry/child_selection.h) rides in the client's own file.
TEST(ClientTable, TheChildSelectionsColumnsAreFieldsToo) {
  const std::vector<ClientTableRow> rows =
      read_all("hetu;Children under;children_on\n010190-999W;7;31.12.2025\n020202A999U;;\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].get(ClientField::children_under), "7");
  EXPECT_EQ(rows[0].get(ClientField::children_on), "31.12.2025");
  EXPECT_EQ(rows[1].get(ClientField::children_under), "");
  EXPECT_EQ(parse_client_field("children_under"), ClientField::children_under);
  EXPECT_EQ(to_string(ClientField::children_on), "children_on");
  ClientTableOptions options;
  options.aliases = {{ClientField::children_under, "LapsetAlle"}};
  EXPECT_EQ(
      read_all("hetu;LapsetAlle\n010190-999W;12\n", options)[0].get(ClientField::children_under),
      "12");
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
