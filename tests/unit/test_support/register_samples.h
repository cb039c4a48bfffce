// Records with every field set, valid identity codes and a scratch directory: what the store,
// formats and CLI tests share. Header-only; the test globs pick up only the suites' .cpp files.
#ifndef POPGATE_TESTS_UNIT_TEST_SUPPORT_REGISTER_SAMPLES_H_
#define POPGATE_TESTS_UNIT_TEST_SUPPORT_REGISTER_SAMPLES_H_

#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::testing {

constexpr char kCheckCharacters[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";

// A valid HETU, computed here so that the tests do not depend on the code under test.
inline std::string hetu(int day, int month, int year, int individual_number) {
  const char sign = year >= 2000 ? 'A' : (year >= 1900 ? '-' : '+');
  char text[32];  // 12 suffice for valid arguments; the compiler cannot know
  const long long digits = (day * 10000LL + month * 100 + year % 100) * 1000 + individual_number;
  std::snprintf(text, sizeof text, "%02d%02d%02d%c%03d%c", day, month, year % 100, sign,
                individual_number, kCheckCharacters[digits % 31]);
  return text;
}

// A valid PRT for a nine-digit number 100000000..199999999.
inline std::string prt(std::int64_t number) {
  return std::to_string(number) + kCheckCharacters[number % 31];
}

// A person with every field set, including all four address kinds; born on day.month.year,
// female (even individual number).
inline registry::Person full_person(int day = 15, int month = 3, int year = 1975,
                                    int individual_number = 246) {
  using namespace registry;
  Person p;
  p.hetu = hetu(day, month, year, individual_number);
  p.first_names = "Aino Maria \"Mia\"";
  p.last_name = "Mäkelä-Korhonen";
  p.former_last_names = {"Korhonen", "Virtanen"};
  p.sex = Sex::female;
  p.birth_date = Date{year, month, day};
  p.death_date = Date{2024, 12, 1};
  p.mother_tongue = "sv";
  p.nationalities = {"FI", "SE"};
  p.home_municipality = "091";
  p.home_municipality_start = Date{2001, 6, 1};
  p.addresses = {
      {AddressKind::permanent, "Koivukatu 12", "A 5", "00100", "Helsinki", "FI", Date{2001, 6, 1},
       std::nullopt},
      {AddressKind::temporary, "Rantatie 3; piha", "", "90100", "Oulu", "FI", Date{2023, 1, 1},
       Date{2023, 12, 31}},
      {AddressKind::postal, "PL 123", "", "00101", "Helsinki", "FI", Date{2010, 2, 3},
       std::nullopt},
      {AddressKind::foreign, "12 Rue de la Paix\nApt 4", "", "75002", "Paris", "FR",
       Date{2020, 9, 1}, std::nullopt},
  };
  p.residence_building = prt(100012345);
  p.residence_apartment = "A 5";
  p.marital_status = MaritalStatus::widowed;
  p.family = {{Relation::spouse, hetu(1, 1, 1970, 123)}, {Relation::child, hetu(2, 2, 2005, 24)}};
  p.bans = kBanSafety | kBanGenealogy;
  return p;
}

inline registry::Building full_building(std::int64_t number = 100012345) {
  using namespace registry;
  Building b;
  b.prt = prt(number);
  b.municipality = "091";
  b.addresses = {{"Koivukatu 12", "00100", "Helsinki", "fi"},
                 {"Björkgatan 12", "00100", "Helsingfors", "sv"}};
  b.north = 6672000;
  b.east = 385000;
  b.use_class = "0121";
  b.completion_year = 1962;
  b.floors = 5;
  b.floor_area_m2 = 2400;
  b.apartments = 30;
  b.heating = Heating::district;
  b.equipment = kEquipElevator | kEquipSauna | kEquipSewer;
  b.demolished_year = 2030;
  return b;
}

inline registry::ChangeEvent sample_change(const std::string& subject_hetu) {
  using namespace registry;
  ChangeEvent e;
  e.record_date = Date{2024, 5, 2};
  e.effective_date = Date{2024, 5, 1};
  e.subject = SubjectKind::person;
  e.subject_id = subject_hetu;
  e.kind = ChangeKind::move;
  e.group = DataGroup::permanent_address;
  // Quotes, a backslash and a line break (a street may span lines; no other value may).
  e.values = {{"street", "Uusi \"katu\" 1\\2\nrivi ✓"},
              {"postal_code", "00100"},
              {"note", "rivi ✓"},
              {"end_date", ""}};
  return e;
}

// A directory under /tmp for one test, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "popgate-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace popgate::testing

#endif  // POPGATE_TESTS_UNIT_TEST_SUPPORT_REGISTER_SAMPLES_H_
