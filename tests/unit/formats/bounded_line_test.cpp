#include "adapters/formats/bounded_line.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace popgate::formats {
namespace {

std::vector<std::string> lines_of(const std::string& text, std::size_t max_bytes = kMaxLineBytes) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  std::string line;
  while (read_bounded_line(in, line, max_bytes))
    lines.push_back(line);
  return lines;
}

TEST(BoundedLine, ReadsAsGetlineDoes) {
  EXPECT_EQ(lines_of(""), std::vector<std::string>{});
  EXPECT_EQ(lines_of("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(lines_of("a\n"), std::vector<std::string>{"a"});
  EXPECT_EQ(lines_of("a\n\nb\r\n"), (std::vector<std::string>{"a", "", "b\r"}));
  EXPECT_EQ(lines_of("\n"), std::vector<std::string>{""});
}

// The reader fills a buffer of 8192 bytes at a time: lines around that size, and several times
// it, come back whole.
TEST(BoundedLine, LinesLongerThanItsBufferComeBackWhole) {
  for (const std::size_t size : {8190u, 8191u, 8192u, 8193u, 3 * 8191u, 100000u}) {
    const std::string line(size, 'x');
    EXPECT_EQ(lines_of(line + "\n" + line + "\nz"), (std::vector<std::string>{line, line, "z"}))
        << size;
    EXPECT_EQ(lines_of(line), std::vector<std::string>{line}) << size;
  }
}

TEST(BoundedLine, ALineOverTheBoundThrowsInsteadOfGrowing) {
  EXPECT_EQ(lines_of(std::string(100, 'x') + "\n", 100).size(), 1u);
  EXPECT_THROW(lines_of(std::string(101, 'x') + "\n", 100), LineTooLong);
  EXPECT_THROW(lines_of(std::string(20000, 'x'), 10000), LineTooLong);
  try {
    lines_of(std::string(kMaxLineBytes + 1, 'x'));
    FAIL() << "no error";
  } catch (const LineTooLong& e) {
    EXPECT_NE(std::string(e.what()).find("longer than 1048576 bytes"), std::string::npos);
  }
}

}  // namespace
}  // namespace popgate::formats
