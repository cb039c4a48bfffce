#include "registry/synth/update_testdata.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "base/strings.h"

namespace popgate::registry {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (const char c : text + " ") {
    if (c == ' ') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return out;
}

// The UTF-8 spellings of ä ö å Ä Ö Å and their replacements.
struct Spelling {
  const char* letter;
  const char* stripped;
  const char* written_out;
};
constexpr Spelling kNordic[] = {{"ä", "a", "ae"}, {"ö", "o", "oe"}, {"å", "a", "aa"},
                                {"Ä", "A", "Ae"}, {"Ö", "O", "Oe"}, {"Å", "A", "Aa"}};

std::string respelled(std::string text, bool written_out) {
  for (const Spelling& s : kNordic) {
    const std::string from = s.letter;
    const std::string to = written_out ? s.written_out : s.stripped;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return text;
}

std::string upper_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return text;
}

bool ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::string with_typo(const std::string& text, Random& random) {
  std::vector<std::size_t> letters;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (ascii_letter(text[i])) letters.push_back(i);
  }
  if (letters.empty()) return text;
  const std::size_t at = letters[random.below(letters.size())];
  const char replacement = static_cast<char>('a' + random.below(26));
  std::string out = text;
  switch (random.below(4)) {
    case 0:
      out[at] = replacement;
      break;
    case 1:
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), replacement);
      break;
    case 2:
      if (letters.size() > 3) out.erase(at, 1);  // a short name keeps its letters
      break;
    default:
      if (at + 1 < out.size() && ascii_letter(out[at + 1])) std::swap(out[at], out[at + 1]);
      break;
  }
  return out;
}

// The birth date with one of the errors typed birth dates carry (registry/date_typos.h), and
// which: "digit" (one digit of DD.MM.YYYY wrong), "transposed" (two adjacent digits of a field
// swapped), "day_month" (swapped), "century" (a two-digit year read into the wrong century).
// Always another valid date; nullopt when none of the kinds gives one.
std::optional<std::pair<Date, std::string>> mistyped_birth_date(const Date& born, Random& random) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    Date typed = born;
    std::string kind;
    switch (random.below(4)) {
      case 0: {
        kind = "digit";
        const int digit = static_cast<int>(random.below(8));  // of DDMMYYYY
        const int other = static_cast<int>(random.below(9)) + 1;
        int* field = digit < 2 ? &typed.day : digit < 4 ? &typed.month : &typed.year;
        const int place = digit < 2 ? 1 - digit : digit < 4 ? 3 - digit : 7 - digit;
        int scale = 1;
        for (int i = 0; i < place; ++i)
          scale *= 10;
        const int old_digit = (*field / scale) % 10;
        *field += ((old_digit + other) % 10 - old_digit) * scale;
        break;
      }
      case 1:
        kind = "day_month";
        std::swap(typed.day, typed.month);
        break;
      case 2: {
        kind = "transposed";
        // Of DD, MM or the year's last two digits, the places typists swap.
        const int field = static_cast<int>(random.below(3));
        int& value = field == 0 ? typed.day : field == 1 ? typed.month : typed.year;
        const int tens = value / 10 % 10;
        const int ones = value % 10;
        value += (ones - tens) * 10 + (tens - ones);
        break;
      }
      default:
        kind = "century";
        typed.year += typed.year + 100 <= Date::today().year ? 100 : -100;
        break;
    }
    // A year the register's dates can hold, written with four digits like the true one.
    if (typed.valid() && typed != born && typed <= Date::today() && typed.year >= 1850)
      return std::pair(typed, kind);
  }
  return std::nullopt;
}

TestRow corrupted_row(const Person& person, const std::string& ref, const CorruptionRates& rates,
                      Random& random) {
  TestRow t;
  t.true_hetu = person.hetu;
  ClientRow& r = t.row;
  r.client_ref = ref;
  r.hetu = person.hetu;
  r.last_name = person.last_name;
  r.first_names = person.first_names;
  r.birth_date = std::to_string(person.birth_date.day) + "." +
                 std::to_string(person.birth_date.month) + "." +
                 std::to_string(person.birth_date.year);
  if (random.chance(rates.missing_hetu)) {
    r.hetu.clear();
    t.damage.push_back("missing_hetu");
  }
  if (!person.former_last_names.empty() && random.chance(rates.old_surname)) {
    r.last_name = person.former_last_names.front();
    t.damage.push_back("old_surname");
  }
  std::vector<std::string> given = words(r.first_names);
  if (given.size() > 1 && random.chance(rates.drop_given)) {
    const std::size_t keep = 1 + random.below(given.size() - 1);
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < given.size() && kept.size() < keep; ++i) {
      if (random.chance(0.5) || given.size() - i <= keep - kept.size()) kept.push_back(given[i]);
    }
    given = kept;
    t.damage.push_back("dropped_given_names");
  }
  if (given.size() > 1 && random.chance(rates.reorder_given)) {
    std::reverse(given.begin(), given.end());
    t.damage.push_back("reordered_given_names");
  }
  r.first_names = base::join(given, " ");
  if (random.chance(rates.typo)) {
    if (random.chance(0.5)) {
      r.last_name = with_typo(r.last_name, random);
    } else {
      std::vector<std::string> names = words(r.first_names);
      if (!names.empty()) {
        std::string& name = names[random.below(names.size())];
        name = with_typo(name, random);
        r.first_names = base::join(names, " ");
      }
    }
    t.damage.push_back("typo");
  }
  if (random.chance(rates.strip_diacritics)) {
    r.last_name = respelled(r.last_name, false);
    r.first_names = respelled(r.first_names, false);
    t.damage.push_back("stripped_diacritics");
  } else if (random.chance(rates.transliterate)) {
    r.last_name = respelled(r.last_name, true);
    r.first_names = respelled(r.first_names, true);
    t.damage.push_back("transliterated");
  }
  if (random.chance(rates.upper_case)) {
    r.last_name = upper_ascii(r.last_name);
    r.first_names = upper_ascii(r.first_names);
    t.damage.push_back("upper_case");
  }
  if (random.chance(rates.with_municipality)) r.municipality = person.home_municipality;
  if (rates.birth_date_error > 0 && random.chance(rates.birth_date_error)) {
    if (const auto typed = mistyped_birth_date(person.birth_date, random)) {
      r.birth_date = std::to_string(typed->first.day) + "." + std::to_string(typed->first.month) +
                     "." + std::to_string(typed->first.year);
      t.damage.push_back("birth_date_error");
      t.damage.push_back("birth_date_" + typed->second);
    }
  }
  if (rates.with_postal_code > 0 && random.chance(rates.with_postal_code)) {
    if (const Address* a = person.address(AddressKind::permanent)) r.postal_code = a->postal_code;
  }
  if (rates.outdated_evidence > 0 && random.chance(rates.outdated_evidence) &&
      (!r.municipality.empty() || !r.postal_code.empty())) {
    // Another place: the postal code's digits shifted, a municipality code from elsewhere.
    if (!r.municipality.empty()) r.municipality = r.municipality == "091" ? "837" : "091";
    if (!r.postal_code.empty())
      r.postal_code = r.postal_code[0] == '9' ? "00100" : "9" + r.postal_code.substr(1);
    t.damage.push_back("outdated_evidence");
  }
  return t;
}

CorruptionRates date_error_rates() {
  CorruptionRates rates;
  rates.missing_hetu = 1.0;
  rates.birth_date_error = 0.08;
  rates.with_municipality = 0.7;
  rates.with_postal_code = 0.7;
  rates.outdated_evidence = 0.1;
  rates.not_in_register = 0.02;
  return rates;
}

std::vector<TestRow> test_rows(std::span<const Person> persons, std::size_t count,
                               const CorruptionRates& rates, Random& random) {
  std::vector<TestRow> rows;
  rows.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Person& person = persons[random.below(persons.size())];
    rows.push_back(corrupted_row(person, std::to_string(i), rates, random));
    if (rates.not_in_register > 0 && random.chance(rates.not_in_register)) {
      const std::string& other = persons[random.below(persons.size())].last_name;
      if (other != person.last_name) {
        rows.back().row.last_name = other;
        rows.back().true_hetu.clear();
        rows.back().damage.push_back("not_in_register");
      }
    }
  }
  return rows;
}

}  // namespace popgate::registry
