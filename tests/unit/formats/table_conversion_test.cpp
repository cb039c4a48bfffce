#include "adapters/formats/table_conversion.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "adapters/formats/client_table.h"
#include "adapters/formats/format_error.h"
#include "adapters/formats/text_decoding.h"

namespace popgate::formats {
namespace {

// A result as match_persons writes it: ';', CRLF, quotes only where needed.
constexpr char kResult[] =
    "client_ref;outcome;reason;names.last_name;note\r\n"
    "1;MATCHED_HETU;HETU;Mäkinen;\r\n"
    "2;NOT_FOUND;\"no person; checked \"\"twice\"\"\";;\r\n"
    "3;MATCHED_HETU;HETU;\"Aho\r\nJr, \";some data withheld\r\n";

std::string convert(const std::string& input, const TableConversion& conversion,
                    ConversionSummary* summary = nullptr) {
  std::istringstream in(input);
  std::ostringstream out;
  const ConversionSummary s = convert_table(in, out, conversion);
  if (summary != nullptr) *summary = s;
  return out.str();
}

TableConversion with_format(TableFormat format) {
  TableConversion conversion;
  conversion.format = std::move(format);
  return conversion;
}

// The message of the exception `convert` throws; fails the test if it does not.
template <typename Error>
std::string error_of(const std::string& input, const TableConversion& conversion) {
  try {
    convert(input, conversion);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(TableConversion, TheDefaultsGiveTheInputBackByteForByte) {
  ConversionSummary summary;
  EXPECT_EQ(convert(kResult, TableConversion{}, &summary), kResult);
  EXPECT_EQ(summary.rows, 3);
  EXPECT_EQ(summary.replaced, 0);
  EXPECT_EQ(summary.truncated, 0);
}

TEST(TableConversion, AnotherSeparatorQuotesWhatHoldsIt) {
  TableFormat format;
  format.separator = ',';
  EXPECT_EQ(convert(kResult, with_format(format)),
            "client_ref,outcome,reason,names.last_name,note\r\n"
            "1,MATCHED_HETU,HETU,Mäkinen,\r\n"
            "2,NOT_FOUND,\"no person; checked \"\"twice\"\"\",,\r\n"
            "3,MATCHED_HETU,HETU,\"Aho\r\nJr, \",some data withheld\r\n");
  format.separator = '\t';
  format.line_ending = LineEnding::lf;
  EXPECT_EQ(convert("a;b\r\n1;x\ty\r\n;\r\n", with_format(format)), "a\tb\n1\t\"x\ty\"\n\t\n");
}

TEST(TableConversion, LfLineEndsKeepTheLineBreaksInsideValues) {
  TableFormat format;
  format.line_ending = LineEnding::lf;
  EXPECT_EQ(convert("a;b\r\n\"x\r\ny\";\r\n", with_format(format)), "a;b\n\"x\r\ny\";\n");
}

TEST(TableConversion, AlwaysQuoteQuotesEveryFieldEmptyOnesToo) {
  TableFormat format;
  format.quoting = Quoting::always;
  EXPECT_EQ(convert("a;b;c\r\n1;;x\"y\r\n", with_format(format)),
            "\"a\";\"b\";\"c\"\r\n\"1\";\"\";\"x\"\"y\"\r\n");
  format.encoding = OutputEncoding::windows1252;
  EXPECT_EQ(convert("a\r\nä\r\n", with_format(format)), "\"a\"\r\n\"\xE4\"\r\n");
}

TEST(TableConversion, Utf8BomStartsTheFileAndAByteOrderMarkInTheInputIsNotCopied) {
  TableFormat format;
  format.encoding = OutputEncoding::utf8_bom;
  EXPECT_EQ(convert("\xEF\xBB\xBF"
                    "a;b\r\n1;ä\r\n",
                    with_format(format)),
            "\xEF\xBB\xBF"
            "a;b\r\n1;ä\r\n");
}

TEST(TableConversion, Windows1252WithALegacySystemsSeparatorAndLineEnds) {
  TableFormat format;
  format.encoding = OutputEncoding::windows1252;
  format.separator = ',';
  EXPECT_EQ(convert("nimi;summa\r\nMäkinen, Åsa;5 €\r\n", with_format(format)),
            "nimi,summa\r\n\"M\xE4kinen, \xC5sa\",5 \x80\r\n");
}

TEST(TableConversion, AnUnmappableCharacterNamesTheRowLineColumnAndCharacter) {
  TableFormat format;
  format.encoding = OutputEncoding::windows1252;
  TableConversion conversion = with_format(format);
  conversion.columns = {"client_ref", "names.last_name=Sukunimi"};
  const std::string input = "client_ref;names.last_name\r\n1;Mäkinen\r\n\r\n2;Wałęsa\r\n";
  try {
    convert(input, conversion);
    FAIL() << "no error";
  } catch (const ValueConversionError& e) {
    EXPECT_EQ(std::string(e.what()),
              "row 2 (input line 4), column 'Sukunimi': the character 'ł' (U+0142) cannot be "
              "written in windows-1252");
    EXPECT_EQ(e.row(), 2);
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.column(), "Sukunimi");
  }
  // A control character is named by its code only.
  EXPECT_EQ(error_of<ValueConversionError>("a\r\nx\xC2\x85y\r\n", with_format(format)),
            "row 1 (input line 2), column 'a': the character (U+0085) cannot be written in "
            "windows-1252");
}

TEST(TableConversion, AnUnmappableHeaderNameIsTheHeadersFault) {
  TableFormat format;
  format.encoding = OutputEncoding::iso8859_1;
  TableConversion conversion = with_format(format);
  conversion.columns = {"a=Łódź"};
  EXPECT_EQ(error_of<ValueConversionError>("a\r\n1\r\n", conversion),
            "the header, column 'Łódź': the character 'Ł' (U+0141) cannot be written in "
            "iso-8859-1");
}

TEST(TableConversion, ReplaceAndTransliterateCountTheValuesTheyChanged) {
  TableFormat format;
  format.encoding = OutputEncoding::iso8859_1;
  format.unmappable = Unmappable::replace;
  const std::string input = "a;b\r\nWałęsa;5 €\r\nok;ä\r\n";
  ConversionSummary summary;
  EXPECT_EQ(convert(input, with_format(format), &summary), "a;b\r\nWa??sa;5 ?\r\nok;\xE4\r\n");
  EXPECT_EQ(summary.replaced, 2);
  format.unmappable = Unmappable::transliterate;
  EXPECT_EQ(convert(input, with_format(format), &summary), "a;b\r\nWalesa;5 EUR\r\nok;\xE4\r\n");
  EXPECT_EQ(summary.replaced, 2);
  // A transliterated quote is a quote: the field is quoted for it.
  EXPECT_EQ(convert("a\r\n“x”\r\n", with_format(format)), "a\r\n\"\"\"x\"\"\"\r\n");
}

TEST(TableConversion, ColumnsAreChosenRenamedAndReordered) {
  TableConversion conversion;
  conversion.columns = {"names.last_name=Sukunimi", "client_ref", "outcome=Tulos"};
  EXPECT_EQ(convert(kResult, conversion),
            "Sukunimi;client_ref;Tulos\r\n"
            "Mäkinen;1;MATCHED_HETU\r\n"
            ";2;NOT_FOUND\r\n"
            "\"Aho\r\nJr, \";3;MATCHED_HETU\r\n");
}

TEST(TableConversion, WithoutHeaderOnlyTheRowsAreWritten) {
  TableConversion conversion;
  conversion.header = false;
  EXPECT_EQ(convert("a;b\r\n1;2\r\n", conversion), "1;2\r\n");
}

TEST(TableConversion, AnUnknownColumnSaysWhichAndWhatThereIs) {
  TableConversion conversion;
  conversion.columns = {"client_ref", "hetu=Henkilötunnus"};
  try {
    convert(kResult, conversion);
    FAIL() << "no error";
  } catch (const UnknownColumn& e) {
    EXPECT_EQ(e.column(), "hetu");
    EXPECT_EQ(e.available(), (std::vector<std::string>{"client_ref", "outcome", "reason",
                                                       "names.last_name", "note"}));
  }
}

TEST(TableConversion, MalformedColumnItemsAndLayoutsAreRefused) {
  EXPECT_EQ(column_item_problem("a=b"), "");
  EXPECT_EQ(column_item_problem("=b"), "columns item '=b' names no column");
  EXPECT_EQ(column_item_problem("a="), "columns item 'a=' gives no name after '='");
  TableConversion twice;
  twice.columns = {"client_ref=x", "outcome=x"};
  EXPECT_EQ(error_of<std::invalid_argument>(kResult, twice), "columns: 'x' is written twice");
  TableConversion both;
  both.columns = {"client_ref"};
  both.format.fixed_width = {{"client_ref", 1, 5}};
  EXPECT_THROW(convert(kResult, both), std::invalid_argument);
}

TEST(TableConversion, MalformedInputFailsWithItsLine) {
  const TableConversion plain;
  EXPECT_EQ(error_of<FormatError>("a;b\r\n1;2\r\n3;\"open\r\n", plain),
            "line 3: the quote that opens field 2 at column 3 is never closed before the end "
            "of the file");
  EXPECT_EQ(error_of<FormatError>("a;b\r\n1;\"x\"y\r\n", plain),
            "line 2: text after the closing quote of field 2");
  EXPECT_EQ(error_of<FormatError>("a;b\r\n1;2\r\n1;2;3\r\n", plain),
            "line 3: 3 fields where the header has 2");
  EXPECT_EQ(error_of<FormatError>("a;b\r\n1;M\xE4kinen\r\n", plain),
            "line 2: byte 4 is not UTF-8 (was the file saved as Windows-1252?)");
  EXPECT_EQ(error_of<FormatError>("", plain), "line 1: the file is empty: no header row");
}

// Whatever the bytes, conversion either succeeds or says which line is wrong (and, under the
// sanitizers, touches no memory it should not).
TEST(TableConversion, ArbitraryBytesAreConvertedOrRefusedWithAFormatError) {
  using namespace std::string_literals;
  const std::string alphabet = ";\"\r\na\xC3\xA4\xFF\xE2\x82\xAC\x00 "s;
  std::mt19937 random(7);
  TableFormat format;
  format.encoding = OutputEncoding::iso8859_1;
  format.unmappable = Unmappable::replace;
  format.fixed_width = {{"a", 1, 3}};
  format.overflow = Overflow::truncate;
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string input = i % 2 ? "a;b\r\n" : "a\n";
    for (std::uint32_t n = random() % 40; n > 0; --n)
      input += alphabet[random() % alphabet.size()];
    TableConversion conversion = with_format(format);
    if (i % 3 == 0) conversion.format.fixed_width.clear();
    try {
      convert(input, conversion);
    } catch (const FormatError& e) {
      EXPECT_GT(e.line(), 0) << e.what();
      ++refused;
    }
  }
  EXPECT_GT(refused, 100) << "the inputs are hostile enough to be refused often";
}

TEST(TableConversion, CancellingStopsBeforeTheNextRecord) {
  std::istringstream in(kResult);
  std::ostringstream out;
  int asked = 0;
  EXPECT_THROW(convert_table(in, out, TableConversion{}, [&asked] { return ++asked == 2; }),
               ConversionCancelled);
  EXPECT_EQ(asked, 2);
}

TEST(FixedWidthLayout, ItemsAreNameStartLength) {
  const auto field = parse_fixed_width_field("names.last_name:12:30");
  ASSERT_TRUE(field);
  EXPECT_EQ(field->name, "names.last_name");
  EXPECT_EQ(field->start, 12u);
  EXPECT_EQ(field->length, 30u);
  for (const char* bad : {"hetu", "hetu:1", ":1:2", "hetu:0:11", "hetu:1:0", "hetu:x:11",
                          "hetu:1:11x", "hetu:-1:11"}) {
    EXPECT_FALSE(parse_fixed_width_field(bad)) << bad;
  }
  EXPECT_EQ(fixed_width_layout_problem({{"a", 1, 5}, {"b", 6, 2}}), "");
  EXPECT_EQ(fixed_width_layout_problem({{"b", 5, 2}, {"a", 1, 5}}),
            "fields a (characters 1-5) and b (from 5) overlap");
  std::ostringstream out;
  TableFormat overlapping;
  overlapping.fixed_width = {{"a", 1, 5}, {"b", 3, 2}};
  EXPECT_THROW(TableWriter(out, overlapping), std::invalid_argument);
}

TEST(TableConversion, FixedWidthPadsFillsGapsAndCountsCharacters) {
  TableConversion conversion;
  conversion.format.fixed_width = {{"names.last_name", 8, 8}, {"client_ref", 1, 4}};
  ConversionSummary summary;
  EXPECT_EQ(convert("client_ref;outcome;names.last_name\r\n1;X;Mäkinen\r\n22;Y;\r\n", conversion,
                    &summary),
            "1      Mäkinen \r\n22             \r\n")
      << "ä is one character; no header; the gap is spaces";
  EXPECT_EQ(summary.rows, 2);
  conversion.format.encoding = OutputEncoding::windows1252;
  conversion.format.line_ending = LineEnding::lf;
  EXPECT_EQ(convert("client_ref;names.last_name\r\n1;Mäkinen\r\n", conversion),
            "1      M\xE4kinen \n");
}

TEST(TableConversion, AFixedWidthValueTooLongFailsOrIsTruncatedAtACharacter) {
  TableConversion conversion;
  conversion.format.fixed_width = {{"a", 1, 3}, {"b", 4, 2}};
  const std::string input = "a;b\r\nÄäö;x\r\nÄäöå;x\r\n";
  EXPECT_EQ(error_of<ValueConversionError>(input, conversion),
            "row 2 (input line 3), column 'a': the value has 4 characters, the field holds 3");
  conversion.format.overflow = Overflow::truncate;
  ConversionSummary summary;
  EXPECT_EQ(convert(input, conversion, &summary), "Ääöx \r\nÄäöx \r\n");
  EXPECT_EQ(summary.truncated, 1);
}

TEST(TableConversion, ALineBreakInAFixedWidthValueFailsOrBecomesASpace) {
  TableConversion conversion;
  conversion.format.fixed_width = {{"a", 1, 6}};
  const std::string input = "a\r\n\"x\r\ny\"\r\n";
  EXPECT_EQ(error_of<ValueConversionError>(input, conversion),
            "row 1 (input line 2), column 'a': a line break cannot be written in a fixed-width "
            "line");
  conversion.format.unmappable = Unmappable::replace;
  ConversionSummary summary;
  EXPECT_EQ(convert(input, conversion, &summary), "x  y  \r\n");
  EXPECT_EQ(summary.replaced, 1);
}

// Random records of separators, quotes, line breaks, spaces and letters survive every CSV
// format: read back with CsvReader (after decoding), each field is what it was.
TEST(TableConversion, RandomFieldsComeBackTheSameInEveryCsvFormat) {
  const std::vector<std::string> pieces = {"a",  "ä",    "Ö",  "€", ";",    ",", "\t",
                                           "\"", "\r\n", "\n", " ", "x\"y", "\r"};
  std::mt19937 random(42);
  std::vector<std::vector<std::string>> records = {{"c1", "c2", "c3"}};
  for (int r = 0; r < 300; ++r) {
    std::vector<std::string> record;
    for (int f = 0; f < 3; ++f) {
      std::string field;
      for (std::uint32_t n = random() % 5; n > 0; --n)
        field += pieces[random() % pieces.size()];
      record.push_back(field);
    }
    records.push_back(record);
  }
  std::string input;
  for (const auto& record : records)
    append_csv_record(input, record);
  struct Case {
    OutputEncoding encoding;
    TextEncoding read_as;
    char separator;
    LineEnding line_ending;
    Quoting quoting;
  };
  for (const Case& c :
       {Case{OutputEncoding::utf8, TextEncoding::utf8, ',', LineEnding::lf, Quoting::needed},
        Case{OutputEncoding::utf8_bom, TextEncoding::utf8, '\t', LineEnding::crlf, Quoting::always},
        Case{OutputEncoding::windows1252, TextEncoding::windows1252, ';', LineEnding::crlf,
             Quoting::needed},
        Case{OutputEncoding::windows1252, TextEncoding::windows1252, ',', LineEnding::lf,
             Quoting::always}}) {
    SCOPED_TRACE(std::string(to_string(c.encoding)) + " '" + c.separator + "'");
    TableFormat format;
    format.encoding = c.encoding;
    format.separator = c.separator;
    format.line_ending = c.line_ending;
    format.quoting = c.quoting;
    std::istringstream written(convert(input, with_format(format)));
    DecodingStreambuf decoded(written, c.read_as);
    std::istream text(&decoded);
    CsvReader reader(text, c.separator);
    std::vector<std::string> fields;
    for (const auto& record : records) {
      ASSERT_TRUE(reader.next(fields));
      EXPECT_EQ(fields, record) << "line " << reader.line();
    }
    EXPECT_FALSE(reader.next(fields));
  }
}

// What the client's systems would read back: ClientTableReader, which reads clients' files,
// finds the same values in every format.
struct RoundTrip {
  OutputEncoding encoding;
  char separator;
  LineEnding line_ending;
  TextEncoding read_as;
};

TEST(TableConversion, ClientTableReaderReadsBackTheSameValuesInEveryFormat) {
  const std::string input =
      "client_ref;identity.hetu;names.last_name;names.first_names;permanent_address.street\r\n"
      "A-1;010190-123A;Mäkinen;\"Anna \"\"Ansku\"\"\";\"Koivukatu 12; A 5\"\r\n"
      "A-2;;Öhman, Åström;Eero;\"Rue de l'Église\r\n2\"\r\n"
      "A-3;020202A456B;Aho;;\r\n";
  const std::vector<std::vector<std::string>> expected = {
      {"A-1", "010190-123A", "Mäkinen", "Anna \"Ansku\"", "Koivukatu 12; A 5"},
      {"A-2", "", "Öhman, Åström", "Eero", "Rue de l'Église\r\n2"},
      {"A-3", "020202A456B", "Aho", "", ""}};
  TableConversion conversion;
  conversion.columns = {"client_ref=Asiakasnro", "identity.hetu=Henkilötunnus",
                        "names.last_name=Sukunimi", "names.first_names=Etunimet",
                        "permanent_address.street=Lähiosoite"};
  for (const RoundTrip& format :
       {RoundTrip{OutputEncoding::utf8, ';', LineEnding::crlf, TextEncoding::utf8},
        RoundTrip{OutputEncoding::utf8_bom, ',', LineEnding::lf, TextEncoding::detect},
        RoundTrip{OutputEncoding::windows1252, ';', LineEnding::crlf, TextEncoding::windows1252},
        RoundTrip{OutputEncoding::iso8859_1, '\t', LineEnding::lf, TextEncoding::iso8859_1}}) {
    SCOPED_TRACE(std::string(to_string(format.encoding)) + " '" + format.separator + "'");
    conversion.format.encoding = format.encoding;
    conversion.format.separator = format.separator;
    conversion.format.line_ending = format.line_ending;
    std::istringstream written(convert(input, conversion));
    ClientTableOptions options;
    options.encoding = format.read_as;
    ClientTableReader reader(written, options);
    EXPECT_EQ(reader.separator(), format.separator) << "detected from the header";
    ClientTableRow row;
    for (const std::vector<std::string>& values : expected) {
      ASSERT_TRUE(reader.next(row));
      EXPECT_EQ(row.error, "");
      EXPECT_EQ(row.get(ClientField::client_ref), values[0]);
      EXPECT_EQ(row.get(ClientField::hetu), values[1]);
      EXPECT_EQ(row.get(ClientField::last_name), values[2]);
      EXPECT_EQ(row.get(ClientField::first_names), values[3]);
      EXPECT_EQ(row.get(ClientField::street), values[4]);
    }
    EXPECT_FALSE(reader.next(row));
  }
}

TEST(TableConversion, ClientTableReaderReadsBackAFixedWidthFile) {
  TableConversion conversion;
  conversion.format.fixed_width = {
      {"client_ref", 1, 5}, {"identity.hetu", 6, 11}, {"names.last_name", 20, 15}};
  conversion.format.encoding = OutputEncoding::windows1252;
  std::istringstream written(convert(
      "client_ref;identity.hetu;names.last_name\r\nA-1;010190-123A;Mäkinen-Šimek\r\nA-2;;Aho\r\n",
      conversion));
  ClientTableOptions options;
  options.encoding = TextEncoding::windows1252;
  options.fixed_width = {{ClientField::client_ref, 1, 5},
                         {ClientField::hetu, 6, 11},
                         {ClientField::last_name, 20, 15}};
  ClientTableReader reader(written, options);
  ClientTableRow row;
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.get(ClientField::client_ref), "A-1");
  EXPECT_EQ(row.get(ClientField::hetu), "010190-123A");
  EXPECT_EQ(row.get(ClientField::last_name), "Mäkinen-Šimek");
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(row.get(ClientField::client_ref), "A-2");
  EXPECT_EQ(row.get(ClientField::hetu), "");
  EXPECT_EQ(row.get(ClientField::last_name), "Aho");
  EXPECT_FALSE(reader.next(row));
}

}  // namespace
}  // namespace popgate::formats
