// How names are compared when a client's row has no HETU: the same name may reach us as
// "MÄKINEN", "Mäkinen", "Makinen" or "Maekinen", with its given names in another order, only
// some of them, or with a typo. Each name is turned into comparable forms:
//   written         case folded, whitespace collapsed, punctuation other than '-' dropped;
//   folded          diacritics stripped (ä -> a, ö -> o, å -> a, é -> e, š -> s, ...);
//   transliterated  the German/Nordic spelling without diacritics (ä -> ae, ö -> oe,
//                   å -> aa, ü -> ue), so "Maekinen" meets "Mäkinen".
// Two names are the same when any form of one equals any of the other; otherwise their
// Jaro-Winkler similarity on the folded forms says how close they are (small typos).
#ifndef POPGATE_REGISTRY_NAME_FORMS_H_
#define POPGATE_REGISTRY_NAME_FORMS_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::registry {

struct NameForms {
  std::u32string written;
  std::u32string folded;
  std::u32string transliterated;
  // How often each character of `folded` occurs, counted by its low five bits (a bucket may
  // hold several characters): enough to bound the Jaro-Winkler similarity of two names
  // without running it (similarity_at_least).
  std::array<std::uint8_t, 32> folded_counts{};
  bool empty() const { return written.empty(); }
};

// The forms of one name (or of several words: the words keep single spaces between them).
// Invalid UTF-8 bytes are read as Windows-1252 characters, the usual source of such bytes.
NameForms name_forms(std::string_view name);

// The words of a name list: split on spaces ("Anna Maria" is two names, "Anna-Maria" one).
std::vector<NameForms> name_words(std::string_view names);

// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4 characters).
double jaro_winkler(std::u32string_view a, std::u32string_view b);

// 1 when the names are the same in any form, else the Jaro-Winkler similarity of their
// folded forms (0 when either is empty).
double name_similarity(const NameForms& a, const NameForms& b);

// name_similarity when it is at least `floor`; otherwise some value below `floor`. Matching
// compares a row's surname with every surname of a birth date's candidates and only those
// that come close count: an upper bound from the characters the two names share (the Jaro
// similarity cannot exceed what their common characters allow) rules most of them out
// without running Jaro-Winkler.
double similarity_at_least(const NameForms& a, const NameForms& b, double floor);

// The keys under which a surname is filed for finding persons by surname rather than by birth
// date (matching a row whose birth date is mistyped): the folded surname with "ae", "oe" and
// "ue" read as the letter they write out and runs of one letter as one ("Maekinen",
// "MÄKINEN" and "Mäkkinen" all file as "makinen"), and of a double surname also each part
// ("Virtanen-Korhonen": "virtanenkorhonen", "virtanen", "korhonen"). Each key once; none for a
// name without letters. Coarser than the names compare: keys only gather candidates. Only the
// first kMaxSurnameParts parts count (real surnames have two, "de la Cruz y Martínez" five): a
// client's "a-b-c-d-..." must not make a hundred keys of one row.
constexpr std::size_t kMaxSurnameParts = 4;
std::vector<std::string> surname_keys(std::string_view surname);
// The same of a surname's forms already made (name_forms of the whole surname). The keys as
// text are for reading them (tests, diagnostics); matching files by their hashes:
std::vector<std::string> surname_keys(const NameForms& surname);
// Appends their hashes (std::hash of the key's code points) to `hashes`, each once: what
// matching files persons under, without making the keys' strings.
void surname_key_hashes(const NameForms& surname, std::vector<std::uint64_t>& hashes);

// The initials of given names, so that persons whose given names cannot agree with a row's are
// passed over without comparing them. Two names of under 12 letters whose Jaro-Winkler
// similarity reaches 0.95 have the same first letter, unless one of them is the other with a
// letter put in or left out at the front, or the first two swapped ("Øystein", "aØystein",
// "ystein", "yØstein"): with another first letter there is no common prefix, and the Jaro
// similarity alone stays below 0.95. So a row's name (first letter f, second s) may agree with
// one of the person's when f or s is a first letter of the person's names, or f a second letter
// (f in F, s in F, f in S). A name of 12 letters or more, whose first letter may simply be
// wrong, asks for nothing and stands for any.
//   given_name_initials   a person's: F (the first letters, bits 0-26: a-z of the folded
//                         forms, 26 for any other letter) and S (the second letters, the same
//                         bits from 32), of each word and each part of a hyphenated name
//   initials_asked        a row's: the same of each word apart (nothing for a long one), each
//                         of which must meet the person's (initials_may_agree)
constexpr double kInitialsMinSimilarity = 0.95;
std::uint64_t given_name_initials(std::string_view first_names);
std::vector<std::uint64_t> initials_asked(std::string_view first_names);
bool initials_may_agree(std::span<const std::uint64_t> asked, std::uint64_t initials);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_NAME_FORMS_H_
