#include "adapters/formats/csv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "adapters/formats/bounded_line.h"
#include "adapters/formats/format_error.h"

namespace popgate::formats {
namespace {

std::vector<std::vector<std::string>> read_all(const std::string& text,
                                               std::vector<std::int64_t>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  while (reader.next(fields)) {
    records.push_back(fields);
    if (lines) lines->push_back(reader.line());
  }
  return records;
}

std::string error_of(const std::string& text) {
  try {
    read_all(text);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Csv, QuotesOnlyWhatNeedsQuoting) {
  std::string out;
  append_csv_record(out, {"plain", "a;b", "say \"hi\"", "two\nlines", "", "cr\r"});
  EXPECT_EQ(out, "plain;\"a;b\";\"say \"\"hi\"\"\";\"two\nlines\";;\"cr\r\"\r\n");
}

TEST(Csv, RoundTripsAwkwardFields) {
  const std::vector<std::vector<std::string>> records = {
      {"a", "", "b;c", "\"", "\"\"", "x\r\ny", "ä✓"},
      {"", "", "", "", "", "", ""},
      {"line\nbreak", "end", "", " spaced ", "a\"b", ";", "|"},
  };
  std::string text;
  for (const auto& r : records)
    append_csv_record(text, r);
  std::vector<std::int64_t> lines;
  const auto back = read_all(text, &lines);
  EXPECT_EQ(back, records);
  EXPECT_EQ(lines, (std::vector<std::int64_t>{1, 3, 4}));
}

TEST(Csv, ReadsLfAndCrlfSkipsBomAndBlankLines) {
  std::vector<std::int64_t> lines;
  const auto back = read_all("\xef\xbb\xbfh1;h2\r\n\r\na;b\n\nc;\"d\"\n", &lines);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(back[1], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(back[2], (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(lines, (std::vector<std::int64_t>{1, 3, 5}));
}

TEST(Csv, ErrorsNameTheLine) {
  EXPECT_EQ(error_of("a;b\nc;\"open\nstill open\n"),
            "line 2: the quote that opens field 2 at column 3 is never closed: the line after it "
            "would be part of the field");
  EXPECT_EQ(error_of("a;b\n\"x\"y;z\n"), "line 2: text after the closing quote of field 1");
  EXPECT_EQ(error_of("a;b\nM\xe4kel\xe4;b\n"),
            "line 2: byte 2 is not UTF-8 (was the file saved as Windows-1252?)");
}

// The bound is on the record: one of exactly kMaxLineBytes is read, over it is refused with
// the line where the record began.
TEST(Csv, ARecordUpToTheBoundIsReadAndALongerOneIsRefusedAtItsLine) {
  const std::string full(kMaxLineBytes - 2, 'x');
  const auto records = read_all("a;b\n1;" + full + "\n2;y\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1][1], full);
  const std::string half(kMaxLineBytes / 2, 'x');
  try {
    read_all("a;b\n1;y\n2;\"" + half + "\n" + half + "\"\n");
    FAIL() << "no error";
  } catch (const CsvRecordTooLong& e) {
    EXPECT_EQ(e.line(), 3);
  }
  EXPECT_EQ(read_all("a;b\n2;\"" + half + "\n" + half.substr(10) + "\"\n").size(), 2u);
}

}  // namespace
}  // namespace popgate::formats
