#include "adapters/archive/entry_name.h"

#include <gtest/gtest.h>

namespace popgate::archive {
namespace {

TEST(EntryName, RulesNameWhatIsWrong) {
  EXPECT_EQ(entry_name_problem("a/b.csv"), "");
  EXPECT_EQ(entry_name_problem("./a/..b/c..d"), "");
  EXPECT_EQ(entry_name_problem(""), "empty names are not allowed");
  EXPECT_EQ(entry_name_problem("/etc/passwd"), "absolute paths are not allowed");
  EXPECT_EQ(entry_name_problem(".."), "'..' components are not allowed");
  EXPECT_EQ(entry_name_problem("a/../../b"), "'..' components are not allowed");
  EXPECT_EQ(entry_name_problem("a/.."), "'..' components are not allowed");
  EXPECT_EQ(entry_name_problem("a\rb"), "control characters in names are not allowed");
  EXPECT_EQ(entry_name_problem("a\x7f"), "control characters in names are not allowed");
  EXPECT_EQ(entry_name_problem("..\\windows"), "backslashes in names are not allowed");
}

TEST(EntryName, Normalizes) {
  EXPECT_EQ(normalized_entry_name("./a//b/./c/"), "a/b/c");
  EXPECT_EQ(normalized_entry_name("./"), "");
  EXPECT_EQ(normalized_entry_name("."), "");
  EXPECT_EQ(normalized_entry_name("a"), "a");
}

TEST(EntryName, QuotesHostileNamesSafely) {
  EXPECT_EQ(quoted_entry_name("a\nb"), "'a\\x0ab'");
  EXPECT_EQ(quoted_entry_name(std::string(300, 'x')), "'" + std::string(200, 'x') + "...'");
}

TEST(EntryName, Utf8) {
  EXPECT_TRUE(is_utf8("tulos-ä.csv €"));
  EXPECT_TRUE(is_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_utf8("\xe4.csv"));          // Latin-1 ä
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_utf8("\xe2\x82"));          // cut short
}

}  // namespace
}  // namespace popgate::archive
