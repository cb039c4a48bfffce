#include "registry/name_forms.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace popgate::registry {
namespace {

double similarity(std::string_view a, std::string_view b) {
  return name_similarity(name_forms(a), name_forms(b));
}

TEST(NameForms, CaseWhitespaceAndPunctuationAreFolded) {
  const NameForms forms = name_forms("  MÄKI-PETÄJÄ   O'Neill. ");
  EXPECT_EQ(forms.written, U"mäki-petäjä oneill");
  EXPECT_EQ(forms.folded, U"maki-petaja oneill");
  EXPECT_EQ(forms.transliterated, U"maeki-petaejae oneill");
}

TEST(NameForms, DiacriticsMatchAsWrittenFoldedAndTransliterated) {
  EXPECT_EQ(similarity("Mäkinen", "MAKINEN"), 1.0);
  EXPECT_EQ(similarity("Mäkinen", "Maekinen"), 1.0);
  EXPECT_EQ(similarity("Åström", "Aastroem"), 1.0);
  EXPECT_EQ(similarity("Åström", "Astrom"), 1.0);
  EXPECT_EQ(similarity("Šarlota", "Sarlota"), 1.0);
  EXPECT_EQ(similarity("Jürgen", "Juergen"), 1.0);
  EXPECT_LT(similarity("Mäkinen", "Mäkelä"), 0.9);
}

TEST(NameForms, Latin1BytesAreReadAsWindows1252) {
  // "Mäkinen" in ISO-8859-1: 0xE4 is not valid UTF-8 on its own.
  EXPECT_EQ(similarity("M\xE4"
                       "kinen",
                       "Mäkinen"),
            1.0);
  EXPECT_EQ(name_forms("\x8A"
                       "arlota")
                .folded,
            U"sarlota");  // Windows-1252 Š
}

TEST(NameForms, WordsSplitOnSpacesNotHyphens) {
  const std::vector<NameForms> words = name_words("Anna-Maria  Liisa");
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0].written, U"anna-maria");
  EXPECT_EQ(words[1].written, U"liisa");
  EXPECT_TRUE(name_words("  ").empty());
}

TEST(JaroWinkler, KnownValues) {
  // The textbook pairs (Winkler 1990).
  EXPECT_NEAR(jaro_winkler(U"martha", U"marhta"), 0.961, 0.001);
  EXPECT_NEAR(jaro_winkler(U"dwayne", U"duane"), 0.840, 0.001);
  EXPECT_NEAR(jaro_winkler(U"dixon", U"dicksonx"), 0.813, 0.001);
  EXPECT_EQ(jaro_winkler(U"abc", U"xyz"), 0.0);
  EXPECT_EQ(jaro_winkler(U"", U""), 1.0);
  EXPECT_EQ(jaro_winkler(U"a", U""), 0.0);
  EXPECT_EQ(jaro_winkler(U"a", U"a"), 1.0);
}

TEST(JaroWinkler, OneTypoInAFinnishNameStaysClose) {
  EXPECT_GT(similarity("Virtanen", "Virtanan"), 0.9);
  EXPECT_GT(similarity("Korhonen", "Korohnen"), 0.9);
  EXPECT_LT(similarity("Virtanen", "Korhonen"), 0.7);
}

// similarity_at_least may answer below the floor without running Jaro-Winkler, from a bound:
// over every pair of 300 of the most common Finnish surnames (and each with a typo, a dropped
// letter and swapped letters), at several floors, it must give name_similarity exactly
// whenever that reaches the floor, and something below the floor otherwise.
TEST(NameForms, SimilarityAtLeastIsExactAboveItsFloor) {
  std::ifstream in(std::string(POPGATE_SOURCE_DIR) + "/config/reference/names/surnames.csv");
  std::string line;
  std::getline(in, line);  // header
  std::vector<NameForms> names;
  while (names.size() < 4 * 300 && std::getline(in, line)) {
    const std::string name = line.substr(0, line.find(';'));
    std::string typo = name, dropped = name, swapped = name;
    typo[typo.size() / 2] = 'x';
    dropped.erase(dropped.size() / 2, 1);
    std::swap(swapped[1], swapped[2]);
    for (const std::string& variant : {name, typo, dropped, swapped})
      names.push_back(name_forms(variant));
  }
  ASSERT_EQ(names.size(), 1200u);
  std::size_t exact = 0, ruled_out = 0;
  for (const double floor : {0.5, 0.8659}) {
    for (const NameForms& a : names) {
      for (std::size_t j = 0; j < names.size(); j += 7) {
        const double full = name_similarity(a, names[j]);
        const double quick = similarity_at_least(a, names[j], floor);
        if (full >= floor) {
          ASSERT_EQ(quick, full) << floor;
          ++exact;
        } else {
          ASSERT_LT(quick, floor) << floor;
          ++ruled_out;
        }
      }
    }
  }
  EXPECT_GT(exact, 500u);
  EXPECT_GT(ruled_out, 50000u);
}

}  // namespace
}  // namespace popgate::registry
