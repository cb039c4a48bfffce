#include "adapters/formats/csv_count.h"

#include <gtest/gtest.h>

#include <sstream>

#include "adapters/formats/csv.h"
#include "adapters/formats/format_error.h"

namespace popgate::formats {
namespace {

std::uint64_t count(const std::string& text) {
  std::istringstream in(text);
  return count_csv_records(in);
}

// What CsvReader reads from the same (valid UTF-8, ';'-separated) text.
std::uint64_t read_count(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::string> fields;
  std::uint64_t records = 0;
  while (reader.next(fields))
    ++records;
  return records;
}

TEST(CsvCount, CountsRecordsAsTheReaderReadsThem) {
  const std::vector<std::string> samples = {
      "",
      "h\r\n",
      "h;x\r\n1;2\r\n3;4",                        // no line break at the end
      "h;x\r\n\"a\nb\";2\r\n",                    // a line break inside quotes
      "h;x\r\n\"a\"\"\nb\";2\r\n\"\"\"\";3\r\n",  // doubled quotes around line breaks
      "h\n\n\r\n1\n\n2\n",                        // blank lines
      "h;x\r\n\"x;\ny\";\"\"\r\n\"\";\"\n\"\n",   // separators and breaks inside quotes
      "\xef\xbb\xbfh;x\r\n1;2\r\n",               // a byte order mark
  };
  for (const std::string& text : samples)
    EXPECT_EQ(count(text), read_count(text)) << text;
  EXPECT_EQ(count("h;x\r\n\"a\nb\";2\r\n"), 2u);
}

TEST(CsvCount, AnyCommonSeparatorAndEncoding) {
  EXPECT_EQ(count("h,x\n\"a,\nb\",2\n"), 2u);
  EXPECT_EQ(count("h\tx\n\"a\t\nb\"\t2\n"), 2u);
  EXPECT_EQ(count("nimi;kunta\n\"J\xe4rvinen\n\";Ii\n"), 2u);  // Windows-1252 bytes
}

TEST(CsvCount, AQuoteInsideAnUnquotedFieldIsData) {
  EXPECT_EQ(count("h;x\n5\" disk;2\n3;4\n"), 3u);
}

TEST(CsvCount, AnUnclosedQuoteIsAnError) {
  EXPECT_THROW(count("h;x\n\"never closed;2\n3;4\n"), FormatError);
}

TEST(CsvCount, ReadsPastItsBuffer) {
  std::string text = "h;x\n";
  for (int i = 0; i < 50'000; ++i)
    text += "\"line\nbreak\";" + std::to_string(i) + "\r\n";
  EXPECT_EQ(count(text), 50'001u);
}

}  // namespace
}  // namespace popgate::formats

namespace popgate::formats {
namespace {

// Chunks with and without quotes take different paths (quote-free chunks are counted by
// lines); split anywhere, including inside a CRLF and a quoted field, the count is the same.
TEST(CsvRecordCounter, AnySplitIntoChunksGivesTheSameCount) {
  const std::string text = "a;b\r\n\r\n1;2\r\n\"x\r\n;y\";3\r\n\r\n4;\"\"\"q\"\"\"\n5;6\n\n7;8";
  std::istringstream whole(text);
  const std::uint64_t expected = count_csv_records(whole);
  EXPECT_EQ(expected, 6u);
  for (std::size_t size = 1; size <= text.size(); ++size) {
    CsvRecordCounter counter;
    for (std::size_t at = 0; at < text.size(); at += size)
      counter.add(std::string_view(text).substr(at, size));
    EXPECT_EQ(counter.finish(), expected) << "chunks of " << size;
  }
}

}  // namespace
}  // namespace popgate::formats
