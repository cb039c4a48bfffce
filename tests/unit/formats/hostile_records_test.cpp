// Hostile files of register records (the input of `popgate register import`), each with its
// documented outcome: the file fails at its first bad record with a FormatError that says the
// line, the field and why. Then the register-records fuzz target's input function runs over
// the same inputs and over its seeds (tests/fuzz/seeds-register-records/), under the
// sanitizers of the test build, as the SFTP and client-table targets' seeds are replayed.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "adapters/formats/format_error.h"
#include "adapters/formats/record_io.h"
#include "registry/person.h"
#include "tests/fuzz/register_records_fuzz_target.h"
#include "tests/unit/test_support/hostile_input.h"

namespace popgate::formats {
namespace {

struct Hostile {
  std::string name;
  Format format;
  std::string bytes;
  std::string expected;  // the outcome() text, or a prefix of it
};

// A person line with `last_name` as given (JSON text, quotes included).
std::string person_line(const std::string& last_name) {
  return R"({"hetu":"010190-999W","last_name":)" + last_name +
         R"(,"sex":"female","birth_date":"1990-01-01"})"
         "\n";
}

const std::string kGood = person_line(R"("M\u00e4ki")");
const std::string kCsvHeader = "hetu;last_name;sex;birth_date\n";
const std::string kTooLong = "a line longer than 1048576 bytes";
const std::string kWide =
    "line 1: the file is UTF-16 or UTF-32 (it starts with that byte order mark); save it as "
    "UTF-8";

std::vector<Hostile> hostile_files() {
  return {
      {"empty", Format::jsonl, "", "ok: 0 records"},
      {"empty csv", Format::csv, "", "ok: 0 records"},
      {"a byte order mark only", Format::jsonl, "\xEF\xBB\xBF", "ok: 0 records"},
      {"binary", Format::jsonl,
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0\0",
                   12) +
           testing::repeated("\x01\xff", 100),
       "line 1: byte 14 is not UTF-8"},
      {"binary csv", Format::csv, testing::repeated("\x01\xff", 100),
       "line 1: byte 2 is not UTF-8 (was the file saved as Windows-1252?)"},
      {"utf-16le", Format::jsonl, std::string("\xFF\xFE{\0\n\0", 6), kWide},
      {"utf-16be csv", Format::csv, std::string("\xFE\xFF\0h\0e\0t\0u\0\n", 12), kWide},
      {"utf-32be", Format::jsonl, std::string("\0\0\xFE\xFF\0\0\0{", 8), kWide},
      {"a raw lone surrogate", Format::jsonl, kGood + person_line("\"M\xED\xA0\x80ki\""),
       "line 2: byte 37 is not UTF-8"},
      {"an escaped lone surrogate", Format::jsonl, kGood + person_line(R"("M\ud800ki")"),
       "line 2: not valid JSON: invalid continuation for surrogate pair 'k', expected '\\'"},
      {"an escaped lone low surrogate", Format::jsonl, kGood + person_line(R"("M\udc00ki")"),
       "line 2: not valid JSON: dangling surrogate \\udc00"},
      {"overlong utf-8", Format::jsonl, kGood + person_line("\"M\xC0\xAFki\""),
       "line 2: byte 37 is not UTF-8"},
      {"overlong utf-8 csv", Format::csv,
       kCsvHeader + "010190-999W;M\xC0\xAFki;female;1990-01-01\n", "line 2: byte 14 is not UTF-8"},
      {"a million columns", Format::jsonl,
       "{" + testing::repeated("\"a\":1,", 1000000) + "\"b\":2}\n", "line 1: " + kTooLong},
      {"a million columns csv", Format::csv, testing::repeated("a;", 1000000) + "\n",
       "line 1: a line longer than 1048576 bytes"},
      {"a 50 MB line", Format::jsonl,
       kGood + person_line("\"" + std::string(50u << 20, 'x') + "\""), "line 2: " + kTooLong},
      {"a 50 MB line csv", Format::csv,
       kCsvHeader + "010190-999W;" + std::string(50u << 20, 'x') + ";female;1990-01-01\n",
       "line 2: " + kTooLong},
      {"a quote never closed", Format::csv,
       kCsvHeader + "010190-999W;\"Aho;female;1990-01-01\n" +
           testing::repeated("010190-999W;Aho;female;1990-01-01\n", 998),
       "line 2: the quote that opens field 2 at column 13 is never closed: the 998 lines after "
       "it would be one field"},
      {"a NUL in a name", Format::jsonl, kGood + person_line(R"("Ah\u0000o")"),
       "line 2: last_name: holds the control character U+0000 at character 3"},
      {"a NUL in a name csv", Format::csv,
       kCsvHeader + "010190-999W;Ah" + std::string(1, '\0') + "o;female;1990-01-01\n",
       "line 2: last_name: holds the control character U+0000 at character 3"},
      {"a line break in a name", Format::jsonl, person_line(R"("Aho\nBerg")"),
       "line 1: last_name: holds the control character U+000A at character 4"},
      {"a C1 control in a former name", Format::jsonl,
       R"({"hetu":"010190-999W","former_last_names":["A\u0085"],"sex":"male",)"
       R"("birth_date":"1990-01-01"})"
       "\n",
       "line 1: former_last_names[0]: holds the control character U+0085 at character 2"},
      {"a tab in a street is text", Format::jsonl,
       R"({"hetu":"010190-999W","sex":"male","birth_date":"1990-01-01","addresses":[)"
       R"({"kind":"permanent","street":"Koivukatu 1\tB","start":"2000-01-01"}]})"
       "\n",
       "ok: 1 records"},
      {"nesting 100,000 deep", Format::jsonl,
       testing::repeated("[", 100000) + testing::repeated("]", 100000) + "\n",
       "line 1: not valid JSON: Maximum depth exceeded"},
      {"a duplicate key", Format::jsonl,
       R"({"hetu":"010190-999W","hetu":"010190-999W","sex":"male","birth_date":"1990-01-01"})"
       "\n",
       "line 1: not valid JSON: duplicate key 'hetu'"},
      {"a number past every range", Format::jsonl,
       R"({"prt":"1","floors":1e999})"
       "\n",
       "line 1: not valid JSON: Not a valid floating-point number: 1e999"},
  };
}

// What reading the whole file as persons gives: "ok: N records" or the error.
std::string outcome(const Hostile& h) {
  std::istringstream in(h.bytes);
  std::int64_t records = 0;
  try {
    auto reader = make_record_reader<registry::Person>(h.format, in);
    registry::Person person;
    while (reader->next(person))
      ++records;
    return "ok: " + std::to_string(records) + " records";
  } catch (const FormatError& e) {
    return e.what();
  }
}

TEST(HostileRecords, EachGetsItsDocumentedError) {
  for (const Hostile& h : hostile_files()) {
    const std::string got = outcome(h);
    EXPECT_EQ(got.substr(0, h.expected.size()), h.expected) << h.name << ": " << got;
  }
}

// The fuzz target's input function over its seeds, every prefix of each seed, and the hostile
// files: nothing but a documented error may come out.
TEST(HostileRecords, TheFuzzTargetSurvivesItsSeedsAndTheirPrefixes) {
  const std::vector<std::string> seeds = testing::fuzz_seeds("seeds-register-records");
  ASSERT_GE(seeds.size(), 8u);
  testing::replay_prefixes(seeds, fuzz::read_register_records);
  for (const Hostile& h : hostile_files())
    fuzz::read_register_records(reinterpret_cast<const std::uint8_t*>(h.bytes.data()),
                                h.bytes.size());
}

}  // namespace
}  // namespace popgate::formats
