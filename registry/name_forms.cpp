#include "registry/name_forms.h"

#include <algorithm>
#include <array>
#include <functional>
#include <span>

#include "base/utf8.h"

namespace popgate::registry {
namespace {

// Windows-1252's 0x80-0x9F, for bytes that are not UTF-8 (a Latin-1 file read as UTF-8).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

char32_t single_byte(unsigned char byte) {
  if (byte >= 0x80 && byte < 0xA0) return kCp1252High[byte - 0x80];
  return byte;
}

// Decodes the character at text[i] and advances i; a byte that does not start a valid UTF-8
// sequence is taken as Windows-1252.
char32_t next_character(std::string_view text, std::size_t& i) {
  const std::size_t start = i;
  const long c = base::decode_utf8(text, i);
  // Not UTF-8: the byte as the single-byte encodings clients' files come in read it.
  return c >= 0 ? static_cast<char32_t>(c) : single_byte(static_cast<unsigned char>(text[start]));
}

char32_t lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;  // Latin-1 capitals (not ×)
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x138 && c != 0x178) {
    // Latin Extended-A pairs capitals with the next code point, in two runs of parity.
    const bool odd_capitals = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if ((c % 2 == 1) == odd_capitals) return c + 1;
  }
  if (c == 0x178) return 0xFF;  // Ÿ
  return c;
}

// The folded spelling of one lower-case character: "" to drop it.
std::u32string_view fold(char32_t c) {
  switch (c) {
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3:
    case 0xE4:
    case 0xE5:
    case 0x101:
    case 0x103:
    case 0x105:
      return U"a";
    case 0xE6:
      return U"ae";
    case 0xE7:
    case 0x107:
    case 0x10D:
      return U"c";
    case 0x10F:
    case 0x111:
    case 0xF0:
      return U"d";
    case 0xE8:
    case 0xE9:
    case 0xEA:
    case 0xEB:
    case 0x113:
    case 0x117:
    case 0x119:
    case 0x11B:
      return U"e";
    case 0x11F:
      return U"g";
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
    case 0x12B:
    case 0x131:
      return U"i";
    case 0x142:
    case 0x13E:
    case 0x13A:
      return U"l";
    case 0xF1:
    case 0x144:
    case 0x148:
      return U"n";
    case 0xF2:
    case 0xF3:
    case 0xF4:
    case 0xF5:
    case 0xF6:
    case 0xF8:
    case 0x14D:
    case 0x151:
      return U"o";
    case 0x153:
      return U"oe";
    case 0x155:
    case 0x159:
      return U"r";
    case 0x15B:
    case 0x15F:
    case 0x161:
      return U"s";
    case 0xDF:
      return U"ss";
    case 0x163:
    case 0x165:
      return U"t";
    case 0xFE:
      return U"th";
    case 0xF9:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0x16B:
    case 0x16F:
    case 0x171:
      return U"u";
    case 0xFD:
    case 0xFF:
      return U"y";
    case 0x17A:
    case 0x17C:
    case 0x17E:
      return U"z";
    default:
      return {};
  }
}

// The German/Nordic transliteration where it differs from folding.
std::u32string_view transliterate(char32_t c) {
  switch (c) {
    case 0xE4:
    case 0xE6:
      return U"ae";
    case 0xF6:
    case 0xF8:
      return U"oe";
    case 0xE5:
      return U"aa";
    case 0xFC:
      return U"ue";
    default:
      return fold(c);
  }
}

bool is_letter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) ||
         (c >= 0x100 && c <= 0x17F);
}

void append_word_break(std::u32string& out) {
  if (!out.empty() && out.back() != U' ') out.push_back(U' ');
}

}  // namespace

NameForms name_forms(std::string_view name) {
  NameForms forms;
  // Matching makes these for every candidate of a birth date: one allocation per form.
  forms.written.reserve(name.size());
  forms.folded.reserve(name.size());
  forms.transliterated.reserve(name.size() + 4);
  for (std::size_t i = 0; i < name.size();) {
    const char32_t c = lower(next_character(name, i));
    if (c == U' ' || c == U'\t' || c == 0xA0) {
      append_word_break(forms.written);
      append_word_break(forms.folded);
      append_word_break(forms.transliterated);
      continue;
    }
    if (c == U'-' || c == 0x2010 || c == 0x2013) {
      forms.written.push_back(U'-');
      forms.folded.push_back(U'-');
      forms.transliterated.push_back(U'-');
      continue;
    }
    if (!is_letter(c)) continue;  // apostrophes, dots, digits, stray symbols
    forms.written.push_back(c);
    const std::u32string_view folded = c < 0x80 ? std::u32string_view(&c, 1) : fold(c);
    const std::u32string_view translit = c < 0x80 ? std::u32string_view(&c, 1) : transliterate(c);
    forms.folded.append(folded.empty() ? std::u32string_view(&c, 1) : folded);
    forms.transliterated.append(translit.empty() ? std::u32string_view(&c, 1) : translit);
  }
  for (std::u32string* s : {&forms.written, &forms.folded, &forms.transliterated}) {
    if (!s->empty() && s->back() == U' ') s->pop_back();
  }
  for (const char32_t c : forms.folded) {
    std::uint8_t& count = forms.folded_counts[c & 31];
    if (count < 255) ++count;
  }
  return forms;
}

std::vector<NameForms> name_words(std::string_view names) {
  std::vector<NameForms> words;
  std::size_t start = 0;
  while (start <= names.size()) {
    std::size_t end = names.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = names.size();
    NameForms word = name_forms(names.substr(start, end - start));
    if (!word.empty()) words.push_back(std::move(word));
    start = end + 1;
  }
  return words;
}

double jaro_winkler(std::u32string_view a, std::u32string_view b) {
  if (a.empty() || b.empty()) return a.empty() && b.empty() ? 1.0 : 0.0;
  if (a == b) return 1.0;
  const std::size_t window = std::max<std::size_t>(std::max(a.size(), b.size()) / 2, 1) - 1;
  // The inner loop of matching by names: no allocation for names of usual length.
  constexpr std::size_t kOnStack = 64;
  std::array<bool, kOnStack> a_stack{}, b_stack{};
  std::vector<bool> a_heap, b_heap;
  const bool on_stack = a.size() <= kOnStack && b.size() <= kOnStack;
  if (!on_stack) {
    a_heap.resize(a.size());
    b_heap.resize(b.size());
  }
  const auto a_matched = [&](std::size_t i) -> bool { return on_stack ? a_stack[i] : a_heap[i]; };
  const auto b_matched = [&](std::size_t j) -> bool { return on_stack ? b_stack[j] : b_heap[j]; };
  const auto mark = [&](std::size_t i, std::size_t j) {
    if (on_stack) {
      a_stack[i] = b_stack[j] = true;
    } else {
      a_heap[i] = b_heap[j] = true;
    }
  };
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t from = i > window ? i - window : 0;
    const std::size_t to = std::min(b.size(), i + window + 1);
    for (std::size_t j = from; j < to; ++j) {
      if (b_matched(j) || a[i] != b[j]) continue;
      mark(i, j);
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  std::size_t transpositions = 0;
  for (std::size_t i = 0, j = 0; i < a.size(); ++i) {
    if (!a_matched(i)) continue;
    while (!b_matched(j))
      ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
                       (m - static_cast<double>(transpositions) / 2.0) / m) /
                      3.0;
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix])
    ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

namespace {

bool same_in_some_form(const NameForms& a, const NameForms& b) {
  return a.written == b.written || a.folded == b.folded || a.transliterated == b.transliterated ||
         a.written == b.transliterated || a.transliterated == b.written ||
         a.folded == b.transliterated || a.transliterated == b.folded;
}

// An upper bound of jaro_winkler(a.folded, b.folded). Jaro is (m/|a| + m/|b| + (m - t/2)/m) / 3
// for m matching characters and t transpositions: at most (m/|a| + m/|b| + 1) / 3, and m is at
// most the characters the two have in common (counted by bucket, which can only overcount).
// Winkler adds 0.1 (1 - jaro) for each of the first four characters the two share.
double jaro_winkler_bound(const NameForms& a, const NameForms& b) {
  std::size_t common = 0;
  for (std::size_t k = 0; k < a.folded_counts.size(); ++k)
    common += std::min(a.folded_counts[k], b.folded_counts[k]);
  const std::size_t la = a.folded.size(), lb = b.folded.size();
  common = std::min({common, la, lb});
  if (common == 0) return 0.0;
  const double m = static_cast<double>(common);
  const double jaro = (m / static_cast<double>(la) + m / static_cast<double>(lb) + 1.0) / 3.0;
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a.folded[prefix] == b.folded[prefix])
    ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

}  // namespace

double name_similarity(const NameForms& a, const NameForms& b) {
  if (a.empty() || b.empty()) return 0.0;
  if (same_in_some_form(a, b)) return 1.0;
  return jaro_winkler(a.folded, b.folded);
}

double similarity_at_least(const NameForms& a, const NameForms& b, double floor) {
  if (a.empty() || b.empty()) return 0.0;
  if (same_in_some_form(a, b)) return 1.0;
  const double bound = jaro_winkler_bound(a, b);
  if (bound < floor) return bound;
  return jaro_winkler(a.folded, b.folded);
}

namespace {

// Calls add(key) with the letters of each key of a surname's folded form (see surname_keys in
// the header), duplicates included, in a buffer of the thread's reused between calls: matching
// files every person of each day it reads under its keys (28 million a million rows), and an
// allocation each was a fifth of that.
template <class Add>
void visit_surname_keys(std::u32string_view folded, Add&& add) {
  thread_local std::u32string letters;
  const auto key = [&add](std::u32string_view word) {
    letters.clear();
    for (const char32_t c : word) {
      if (c == U'-' || c == U' ') continue;
      if (c == U'e' && !letters.empty() &&
          (letters.back() == U'a' || letters.back() == U'o' || letters.back() == U'u')) {
        continue;  // the written-out ä, ö, ü
      }
      if (!letters.empty() && letters.back() == c) continue;
      letters.push_back(c);
    }
    if (!letters.empty()) add(std::u32string_view(letters));
  };
  key(folded);
  const auto each_part = [folded](auto&& visit) {
    std::u32string_view rest = folded;
    for (std::size_t parts = 0; !rest.empty() && parts < kMaxSurnameParts;) {
      const std::size_t end = std::min(rest.find_first_of(U"- "), rest.size());
      if (end > 0) {
        visit(rest.substr(0, end));
        ++parts;
      }
      rest.remove_prefix(std::min(end + 1, rest.size()));
    }
  };
  std::size_t parts = 0;
  each_part([&parts](std::u32string_view) { ++parts; });
  if (parts >= 2) each_part(key);
}

}  // namespace

namespace {

constexpr std::uint64_t kAnyLetter = (1u << 27) - 1;
constexpr std::uint64_t kAnyInitials = kAnyLetter | kAnyLetter << 32;
constexpr std::size_t kLongName = 12;  // letters: see given_name_initials in the header

std::uint64_t letter_bit(char32_t c) {
  return c >= U'a' && c <= U'z' ? std::uint64_t{1} << (c - U'a') : std::uint64_t{1} << 26;
}

// A word's first letter (F) and second letter (S, from bit 32) of its folded form, every bit for
// a long word, 0 for a word without letters.
std::uint64_t initial_bits(std::u32string_view folded) {
  std::uint64_t bits = 0;
  std::size_t letters = 0;
  for (const char32_t c : folded) {
    if (c == U'-') continue;
    if (letters < 2) bits |= letter_bit(c) << (letters == 0 ? 0 : 32);
    ++letters;
  }
  return letters >= kLongName ? kAnyInitials : bits;
}

// A word's initials and those of the parts of a hyphenated one (given_name_initials).
std::uint64_t word_initials(std::u32string_view folded) {
  std::uint64_t initials = initial_bits(folded);
  while (!folded.empty()) {
    const std::size_t end = std::min(folded.find(U'-'), folded.size());
    if (end > 0) initials |= initial_bits(folded.substr(0, end));
    folded.remove_prefix(std::min(end + 1, folded.size()));
  }
  return initials;
}

// The folded words of given names in plain ASCII, as name_words would make them (lower case,
// '-' kept, other characters than letters dropped), without making their other forms: matching
// asks this of the persons a mistyped birth date brings, most of whose names are ASCII.
// Calls visit(folded) for each non-empty word; false when the names are not ASCII.
template <class Visit>
bool visit_ascii_folded_words(std::string_view names, Visit&& visit) {
  if (std::any_of(names.begin(), names.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return false;
  }
  std::u32string word;
  const auto flush = [&] {
    if (!word.empty()) visit(std::u32string_view(word));
    word.clear();
  };
  for (const char c : names) {
    if (c == ' ' || c == '\t') {
      flush();
    } else if (c == '-' || (c >= 'a' && c <= 'z')) {
      word.push_back(static_cast<char32_t>(c));
    } else if (c >= 'A' && c <= 'Z') {
      word.push_back(static_cast<char32_t>(c - 'A' + 'a'));
    }
  }
  flush();
  return true;
}

}  // namespace

std::uint64_t given_name_initials(std::string_view first_names) {
  std::uint64_t initials = 0;
  const auto add = [&initials](std::u32string_view folded) { initials |= word_initials(folded); };
  if (visit_ascii_folded_words(first_names, add)) return initials;
  for (const NameForms& word : name_words(first_names))
    add(word.folded);
  return initials;
}

std::vector<std::uint64_t> initials_asked(std::string_view first_names) {
  std::vector<std::uint64_t> asked;
  for (const NameForms& word : name_words(first_names)) {
    const std::uint64_t bits = initial_bits(word.folded);
    if (bits != 0 && bits != kAnyInitials) asked.push_back(bits);
  }
  return asked;
}

bool initials_may_agree(std::span<const std::uint64_t> asked, std::uint64_t initials) {
  const std::uint64_t firsts = initials & kAnyLetter;
  const std::uint64_t seconds = initials >> 32;
  return std::all_of(asked.begin(), asked.end(), [&](std::uint64_t word) {
    const std::uint64_t first = word & kAnyLetter;
    const std::uint64_t second = word >> 32;
    return (first & firsts) != 0 || (second & firsts) != 0 || (first & seconds) != 0;
  });
}

std::vector<std::string> surname_keys(std::string_view surname) {
  return surname_keys(name_forms(surname));
}

std::vector<std::string> surname_keys(const NameForms& forms) {
  std::vector<std::string> keys;
  visit_surname_keys(forms.folded, [&keys](std::u32string_view letters) {
    std::string key;
    for (const char32_t c : letters)
      base::append_code_point(key, c);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  });
  return keys;
}

void surname_key_hashes(const NameForms& forms, std::vector<std::uint64_t>& hashes) {
  const std::size_t first = hashes.size();
  visit_surname_keys(forms.folded, [&hashes, first](std::u32string_view letters) {
    const auto hash = static_cast<std::uint64_t>(std::hash<std::u32string_view>{}(letters));
    const auto mine = hashes.begin() + static_cast<std::ptrdiff_t>(first);
    if (std::find(mine, hashes.end(), hash) == hashes.end()) hashes.push_back(hash);
  });
}

}  // namespace popgate::registry
