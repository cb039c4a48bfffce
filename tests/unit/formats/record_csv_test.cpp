#include "adapters/formats/record_csv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "adapters/formats/format_error.h"
#include "adapters/formats/record_io.h"
#include "tests/unit/test_support/register_samples.h"

namespace popgate::formats {
namespace {

using registry::Building;
using registry::ChangeEvent;
using registry::Person;

template <typename Record>
std::string write_csv(const std::vector<Record>& records) {
  std::ostringstream out;
  auto writer = make_record_writer<Record>(Format::csv, out);
  for (const Record& r : records)
    writer->write(r);
  return out.str();
}

template <typename Record>
std::vector<Record> read_csv(const std::string& text) {
  std::istringstream in(text);
  auto reader = make_record_reader<Record>(Format::csv, in);
  std::vector<Record> records;
  Record r;
  while (reader->next(r))
    records.push_back(r);
  return records;
}

template <typename Record = Person>
std::string error_of(const std::string& text) {
  try {
    read_csv<Record>(text);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

template <typename Record>
std::string write_error_of(const Record& record) {
  try {
    write_csv<Record>({record});
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kPersonHeader = [] {
  std::string h;
  for (const std::string& c : csv_header<Person>())
    h += (h.empty() ? "" : ";") + c;
  return h;
}();

// A person row with only the given columns set, under a header of just those columns.
std::string person_csv(const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string header, row;
  for (size_t i = 0; i < columns.size(); ++i) {
    header += (i == 0 ? "" : ";") + columns[i].first;
    row += (i == 0 ? "" : ";") + columns[i].second;
  }
  return header + "\n" + row + "\n";
}

TEST(RecordCsv, PersonRoundTripWithQuoting) {
  Person second = testing::full_person(1, 2, 1980, 124);
  second.addresses.clear();
  second.family.clear();
  second.former_last_names.clear();
  second.death_date.reset();
  const std::vector<Person> persons = {testing::full_person(), second};
  const std::string text = write_csv(persons);
  EXPECT_EQ(text.rfind(kPersonHeader + "\r\n", 0), 0u);
  // ';' and a line break inside fields are quoted, quotes doubled.
  EXPECT_NE(text.find(";\"Rantatie 3; piha\";"), std::string::npos) << text;
  EXPECT_NE(text.find("\"12 Rue de la Paix\nApt 4\""), std::string::npos);
  EXPECT_NE(text.find(";\"Aino Maria \"\"Mia\"\"\";"), std::string::npos);
  EXPECT_NE(text.find(";spouse:010170-123"), std::string::npos);
  EXPECT_NE(text.find(";safety|genealogy\r\n"), std::string::npos);
  EXPECT_EQ(read_csv<Person>(text), persons);
}

TEST(RecordCsv, BuildingAndChangeRoundTrip) {
  Building one_address = testing::full_building(100000001);
  one_address.addresses = {{"Tie 1", "", "", "fi"}};
  one_address.demolished_year.reset();
  Building none = testing::full_building(100000002);
  none.addresses.clear();
  const std::vector<Building> buildings = {testing::full_building(), one_address, none};
  const std::string text = write_csv(buildings);
  EXPECT_NE(text.find(";Koivukatu 12|Björkgatan 12;00100|00100;Helsinki|Helsingfors;fi|sv;"),
            std::string::npos)
      << text;
  EXPECT_EQ(read_csv<Building>(text), buildings);

  ChangeEvent change = testing::sample_change(testing::hetu(1, 1, 1990, 2));
  change.seq = 7;
  ChangeEvent empty = change;
  empty.values.clear();
  const std::vector<ChangeEvent> changes = {change, empty};
  EXPECT_EQ(read_csv<ChangeEvent>(write_csv(changes)), changes);
}

TEST(RecordCsv, HeaderMayReorderAndOmitColumns) {
  const auto persons = read_csv<Person>(person_csv({{"sex", "male"},
                                                    {"birth_date", "1990-01-01"},
                                                    {"hetu", "010190-123M"},
                                                    {"postal_street", "PL 1"},
                                                    {"postal_start", "2000-01-01"}}));
  ASSERT_EQ(persons.size(), 1u);
  EXPECT_EQ(persons[0].hetu, "010190-123M");
  ASSERT_EQ(persons[0].addresses.size(), 1u);
  EXPECT_EQ(persons[0].addresses[0].kind, registry::AddressKind::postal);
  EXPECT_EQ(persons[0].addresses[0].street, "PL 1");
}

TEST(RecordCsv, ErrorsNameLineColumnAndWhy) {
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"}, {"nickname", "y"}})),
            "line 1: nickname: unknown column");
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"}, {"sex", "male"}, {"sex", "male"}})),
            "line 1: sex: column appears twice");
  EXPECT_EQ(error_of(person_csv({{"sex", "male"}})),
            "line 1: hetu: column missing from the header");
  EXPECT_EQ(error_of("hetu;sex;birth_date\n010190-123M;male;1990-01-01\nx;male\n"),
            "line 3: 2 fields, but the header has 3");
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"}, {"sex", "mle"}, {"birth_date", "1990-01-01"}})),
            "line 2: sex: 'mle' is not one of: male, female");
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"}, {"sex", ""}, {"birth_date", "1990-01-01"}})),
            "line 2: sex: missing");
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"}, {"sex", "male"}, {"birth_date", "1.1.1990"}})),
            "line 2: birth_date: '1.1.1990' is not a date (YYYY-MM-DD)");
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"},
                                 {"sex", "male"},
                                 {"birth_date", "1990-01-01"},
                                 {"temporary_street", "Tie 1"}})),
            "line 2: temporary_start: '' is not a date (YYYY-MM-DD)");
  EXPECT_EQ(error_of(person_csv({{"hetu", "x"},
                                 {"sex", "male"},
                                 {"birth_date", "1990-01-01"},
                                 {"family", "spouse:010190-123M|010190-124N"}})),
            "line 2: family: item '010190-124N' is not relation:HETU");
  EXPECT_EQ(error_of(person_csv({{"hetu", ""}, {"sex", "male"}, {"birth_date", "1990-01-01"}})),
            "line 2: hetu: missing");
  EXPECT_EQ(error_of<Building>("prt;address_street;address_language\n1;A|B;fi\n"),
            "line 2: address_language: 1 items but address_street has 2");
  EXPECT_EQ(error_of<Building>("prt;address_postal_code\n1;00100\n"),
            "line 2: address_postal_code: has values but address_street has none");
  EXPECT_EQ(error_of<Building>("prt;floors\n1;two\n"),
            "line 2: floors: 'two' is not a whole number");
  EXPECT_EQ(
      error_of<ChangeEvent>("subject_id;record_date;effective_date;subject;kind;group;values\n"
                            "x;2024-01-01;2024-01-01;person;move;names;[1]\n"),
      "line 2: values: not a JSON object of strings: expected '{' at offset 0");
}

TEST(RecordCsv, RefusesToWriteWhatItCouldNotReadBack) {
  Person two_postal = testing::full_person();
  two_postal.addresses[1].kind = registry::AddressKind::postal;
  EXPECT_EQ(write_error_of(two_postal), "addresses: two postal addresses; CSV holds one per kind");
  Person pipe = testing::full_person();
  pipe.former_last_names = {"A|B"};
  EXPECT_EQ(write_error_of(pipe),
            "former_last_names: item 'A|B' is empty or contains '|'; a CSV list cannot hold it");
  Building no_street = testing::full_building();
  no_street.addresses[1].street.clear();
  EXPECT_EQ(write_error_of(no_street),
            "addresses[1].street: empty; CSV needs a street for every address");
}

TEST(RecordIo, JsonLinesReaderCountsLinesAndSkipsBlankOnes) {
  const Person a = testing::full_person();
  const Person b = testing::full_person(1, 2, 1980, 124);
  std::ostringstream out;
  auto writer = make_record_writer<Person>(Format::jsonl, out);
  writer->write(a);
  writer->write(b);
  const std::string text = out.str();
  const size_t newline = text.find('\n');
  std::istringstream in(text.substr(0, newline + 1) + "\n  \r\n" + text.substr(newline + 1));
  auto reader = make_record_reader<Person>(Format::jsonl, in);
  Person r;
  ASSERT_TRUE(reader->next(r));
  EXPECT_EQ(r, a);
  EXPECT_EQ(reader->line(), 1);
  ASSERT_TRUE(reader->next(r));
  EXPECT_EQ(r, b);
  EXPECT_EQ(reader->line(), 4);
  EXPECT_FALSE(reader->next(r));
}

TEST(RecordIo, JsonLinesErrorsCarryTheLine) {
  std::istringstream in(
      "{\"hetu\":\"010190-123M\",\"sex\":\"male\",\"birth_date\":\"1990-01-01\"}\n"
      "\n"
      "{\"hetu\":\"M\xe4kel\xe4\"}\n");
  auto reader = make_record_reader<Person>(Format::jsonl, in);
  Person r;
  EXPECT_TRUE(reader->next(r));
  try {
    reader->next(r);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(std::string(e.what()), "line 3: byte 11 is not UTF-8");
  }
  std::istringstream wrong("\n{\"hetu\":\"x\",\"sex\":\"male\",\"birth_date\":\"1990\"}\n");
  auto second = make_record_reader<Person>(Format::jsonl, wrong);
  try {
    second->next(r);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), "line 2: birth_date: '1990' is not a date (YYYY-MM-DD)");
  }
}

TEST(RecordIo, FormatsByNameAndExtension) {
  EXPECT_EQ(format_of_path("a/b/persons.jsonl"), Format::jsonl);
  EXPECT_EQ(format_of_path("PERSONS.NDJSON"), Format::jsonl);
  EXPECT_EQ(format_of_path("x.csv"), Format::csv);
  EXPECT_EQ(format_of_path("x.json"), std::nullopt);
  EXPECT_EQ(format_of_path("dir.csv/file"), std::nullopt);
  EXPECT_EQ(parse_format("csv"), Format::csv);
  EXPECT_EQ(parse_format("xml"), std::nullopt);
}

TEST(RecordIo, EmptyCsvHasNoRecordsAndAnEmptyExportHasAHeader) {
  EXPECT_TRUE(read_csv<Person>("").empty());
  EXPECT_TRUE(read_csv<Person>(kPersonHeader + "\r\n").empty());
  EXPECT_EQ(write_csv<Person>({}), kPersonHeader + "\r\n");
}

}  // namespace
}  // namespace popgate::formats
