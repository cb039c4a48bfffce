#include "registry/name_forms.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <random>
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

TEST(SurnameKeys, SpellingsOfOneSurnameShareAKey) {
  for (const char* spelling : {"Mäkinen", "MÄKINEN", "Makinen", "Maekinen", "Mäkkinen"})
    EXPECT_EQ(surname_keys(spelling), std::vector<std::string>{"makinen"}) << spelling;
  EXPECT_EQ(surname_keys("Saarinen"), surname_keys("Sarinen"));
  EXPECT_NE(surname_keys("Saarinen"), surname_keys("Salminen"));
  EXPECT_EQ(surname_keys("Virtanen-Korhonen"),
            (std::vector<std::string>{"virtanenkorhonen", "virtanen", "korhonen"}));
  EXPECT_EQ(surname_keys("von Wright"), (std::vector<std::string>{"vonwright", "von", "wright"}));
  EXPECT_TRUE(surname_keys("").empty());
  EXPECT_TRUE(surname_keys("--").empty());
  EXPECT_EQ(surname_keys("O'Brien"), std::vector<std::string>{"obrien"});
  EXPECT_EQ(surname_keys("ab-cd-ef-gh-ij-kl-mn"),
            (std::vector<std::string>{"abcdefghijklmn", "ab", "cd", "ef", "gh"}))
      << "a hostile row's hundred parts make five keys, not a hundred";
}

TEST(GivenNameInitials, AreTheFirstAndSecondFoldedLettersOfEachNameAndPart) {
  const auto bits = [](std::string_view firsts, std::string_view seconds) {
    std::uint64_t out = 0;
    for (const char c : firsts)
      out |= std::uint64_t{1} << (c - 'a');
    for (const char c : seconds)
      out |= std::uint64_t{1} << (32 + c - 'a');
    return out;
  };
  EXPECT_EQ(given_name_initials("Anna-Maria Ülla"), bits("amu", "nal"));
  EXPECT_EQ(initials_asked("Anna-Maria Ülla"),
            (std::vector<std::uint64_t>{bits("a", "n"), bits("u", "l")}));
  EXPECT_EQ(given_name_initials("ÄIJÄ"), bits("a", "i"));
  EXPECT_EQ(given_name_initials(""), 0u);
  EXPECT_EQ(initials_asked("Maximilianusz Anna"), std::vector<std::uint64_t>{bits("a", "n")})
      << "a long name asks for nothing";
  EXPECT_EQ(given_name_initials("Maximilianusz") & bits("z", "z"), bits("z", "z"))
      << "and stands for any";
  const auto may_agree = [](std::string_view row, std::string_view person) {
    return initials_may_agree(initials_asked(row), given_name_initials(person));
  };
  EXPECT_TRUE(may_agree("Nna Ilona", "Anna Ilona")) << "the first letter left out";
  EXPECT_TRUE(may_agree("Kanna", "Anna")) << "a letter put in front";
  EXPECT_TRUE(may_agree("Nana", "Anna")) << "the first two swapped";
  EXPECT_FALSE(may_agree("Eeva", "Anna Ilona"));
  EXPECT_FALSE(may_agree("Matti", "Kari")) << "sharing only the second letter";
  EXPECT_FALSE(may_agree("Anna Eeva", "Anna Ilona")) << "every name of the row must";
  EXPECT_TRUE(initials_may_agree({}, 0u)) << "a row without usable initials asks for nothing";
}

// The initials pass over persons before their names are compared: they must never pass over
// one whose name the comparison would have found close enough (kInitialsMinSimilarity).
TEST(GivenNameInitials, NeverRuleOutANameCloseEnoughToMatch) {
  const std::vector<std::string> names = {
      "Anna",         "Aino",        "Eeva",        "Ilona",   "Jukka",      "Olli",
      "Matti",        "Ülla",        "Äijä",        "Øystein", "Juha-Pekka", "Kristiina",
      "Maximilianus", "Christoffer", "Aleksanteri", "Bo",      "Li"};
  const std::string letters = "abcdefghijklmnopqrstuvwxyzä";
  std::vector<std::string> variants;
  for (const std::string& name : names) {
    variants.push_back(name);
    for (std::size_t at = 0; at <= name.size(); ++at) {
      for (const char c : letters) {
        if (at < name.size()) variants.push_back(name.substr(0, at) + c + name.substr(at + 1));
        variants.push_back(name.substr(0, at) + c + name.substr(at));
      }
      if (at < name.size()) variants.push_back(name.substr(0, at) + name.substr(at + 1));
      if (at + 1 < name.size()) {
        std::string swapped = name;
        std::swap(swapped[at], swapped[at + 1]);
        variants.push_back(swapped);
      }
    }
  }
  int close = 0;
  for (const std::string& name : names) {
    const NameForms person = name_forms(name);
    for (const std::string& typed : variants) {
      if (name_similarity(name_forms(typed), person) < kInitialsMinSimilarity) continue;
      ++close;
      EXPECT_TRUE(initials_may_agree(initials_asked(typed), given_name_initials(name)))
          << typed << " for " << name;
    }
  }
  EXPECT_GT(close, 500);
}

// Plain ASCII names take a shorter way to their initials (matching asks for those of every
// person a mistyped birth date brings): the same bits as through name_words. A word of a
// non-ASCII character that is not a letter adds nothing, and sends the names the long way.
TEST(GivenNameInitials, AsciiNamesHaveTheSameInitialsEitherWay) {
  std::mt19937 random(17);
  const std::string alphabet = "abcdeKLMNZ -\t'.0x";
  int compared = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string names;
    const auto length = std::uniform_int_distribution<std::size_t>(0, 24)(random);
    for (std::size_t i = 0; i < length; ++i)
      names += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
    EXPECT_EQ(given_name_initials(names), given_name_initials(names + " \u2019")) << names;
    ++compared;
  }
  EXPECT_EQ(given_name_initials("Anna-Maria  Eeva\tKristiina-Aleksandra"),
            given_name_initials("Anna-Maria  Eeva\tKristiina-Aleksandra \u2019"));
  EXPECT_EQ(compared, 20000);
}

TEST(SurnameKeys, HashesAreThoseOfTheKeysEachOnce) {
  const auto hashes_of = [](std::string_view surname) {
    std::vector<std::uint64_t> hashes;
    surname_key_hashes(name_forms(surname), hashes);
    return hashes;
  };
  for (const char* surname :
       {"Mäkinen", "Virtanen-Korhonen", "von Wright", "", "--", "Aho-Aho", "ab-cd-ef-gh-ij"}) {
    const std::vector<std::string> keys = surname_keys(surname);
    const std::vector<std::uint64_t> hashes = hashes_of(surname);
    ASSERT_EQ(hashes.size(), keys.size()) << surname;
    for (std::size_t k = 0; k < keys.size(); ++k)
      EXPECT_EQ(hashes[k], hashes_of(keys[k]).front()) << surname;
  }
  EXPECT_EQ(hashes_of("Maekinen"), hashes_of("MÄKINEN"));
  EXPECT_NE(hashes_of("Saarinen"), hashes_of("Salminen"));
  std::vector<std::uint64_t> appended = {1, 2};
  surname_key_hashes(name_forms("Aho-Aho"), appended);
  EXPECT_EQ(appended,
            (std::vector<std::uint64_t>{1, 2, hashes_of("ahoaho")[0], hashes_of("aho")[0]}))
      << "appended after what is there, each of its own once";
}

}  // namespace
}  // namespace popgate::registry
