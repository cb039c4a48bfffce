// Hostile client tables, each with its documented outcome: the file fails as a whole with a
// TableError that says where and why, or the row comes back INVALID_ROW with its reason. The
// client-table fuzz target's input function then runs over the same inputs and over its seeds
// (tests/fuzz/seeds-client-table/) here, under the sanitizers of the test build, as the SFTP
// target's seeds are replayed.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "adapters/formats/client_table.h"
#include "adapters/formats/text_decoding.h"
#include "tests/fuzz/client_table_fuzz_target.h"
#include "tests/unit/test_support/hostile_input.h"

namespace popgate::formats {
namespace {

struct Hostile {
  std::string name;
  std::string bytes;
  std::string expected;  // the outcome() text, or a prefix of it
};

const std::string kHeader = "hetu;sukunimi;etunimet\n";
const std::string kUtf8Row = "010190-999W;M\xC3\xA4ki;Anna\n";  // the file is UTF-8
const std::string kUtf16 =
    "TableError: not a table we can read: the file is UTF-16 or UTF-32 (it starts with that byte "
    "order mark); save it as UTF-8";

std::vector<Hostile> hostile_files() {
  return {
      {"empty", "", "TableError: not a table: the file is empty"},
      {"binary",
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0\0",
                   12) +
           testing::repeated("\x01\xff", 100),
       "TableError: not a table: line 1 holds binary data"},
      {"a byte order mark only", "\xEF\xBB\xBF",
       "TableError: not a table: the header (line 1) is empty"},
      {"utf-16le",
       std::string("\xFF\xFE"
                   "h\0e\0t\0u\0\n\0",
                   12),
       kUtf16},
      {"utf-16be", std::string("\xFE\xFF\0h\0e\0t\0u\0\n", 12), kUtf16},
      {"utf-32le", std::string("\xFF\xFE\0\0h\0\0\0", 8), kUtf16},
      {"a lone surrogate", kHeader + kUtf8Row + "010190-999W;M\xED\xA0\x80ki;Anna\n",
       "TableError: not a text file: line 3: the file mixes UTF-8 with another encoding"},
      {"overlong utf-8", kHeader + kUtf8Row + "010190-999W;M\xC0\xAFki;Anna\n",
       "TableError: not a text file: line 3: the file mixes UTF-8 with another encoding"},
      {"a million columns", testing::repeated("a;", 1000000) + "\n",
       "TableError: not a table: line 1: a line longer than 1048576 bytes"},
      {"a 50 MB line", kHeader + "010190-999W;" + std::string(50u << 20, 'x') + ";Anna\n",
       "TableError: line 2: a line longer than 1048576 bytes"},
      {"a quote never closed",
       kHeader + "010190-999W;\"Aho;Anna\n" + testing::repeated("010190-999W;Aho;Anna\n", 998),
       "TableError: line 2: the quote that opens field 2 at column 13 is never closed: the 998 "
       "lines after it would be one field"},
      {"a NUL in a name", kHeader + "010190-999W;Ah" + std::string(1, '\0') + "o;Anna\n",
       "row 1: column 2 ('sukunimi') holds the control character U+0000 at character 3"},
  };
}

// What reading the whole file gives: "ok", the first invalid row's reason, or the error.
std::string outcome(const std::string& bytes) {
  std::istringstream in(bytes);
  try {
    ClientTableReader reader(in, ClientTableOptions{});
    ClientTableRow row;
    while (reader.next(row))
      if (!row.error.empty()) return "row " + std::to_string(row.number) + ": " + row.error;
    return "ok";
  } catch (const TableError& e) {
    return std::string("TableError: ") + e.what();
  } catch (const TextDecodingError& e) {
    return std::string("TextDecodingError: ") + e.what();
  }
}

TEST(HostileTables, EachGetsItsDocumentedError) {
  for (const Hostile& h : hostile_files()) {
    const std::string got = outcome(h.bytes);
    EXPECT_EQ(got.substr(0, h.expected.size()), h.expected) << h.name << ": " << got;
  }
}

// The fuzz target's input function over its seeds and the hostile files, and over every
// prefix of each seed: nothing but a documented error may come out.
TEST(HostileTables, TheFuzzTargetSurvivesItsSeedsAndTheirPrefixes) {
  const std::vector<std::string> seeds = testing::fuzz_seeds("seeds-client-table");
  ASSERT_GE(seeds.size(), 10u);
  testing::replay_prefixes(seeds, fuzz::read_client_table);
  for (const Hostile& h : hostile_files())
    fuzz::read_client_table(reinterpret_cast<const std::uint8_t*>(h.bytes.data()), h.bytes.size());
}

}  // namespace
}  // namespace popgate::formats
