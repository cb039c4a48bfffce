#include "adapters/formats/record_csv.h"

#include <array>
#include <limits>

#include "adapters/formats/format_error.h"
#include "adapters/formats/json_fields.h"
#include "adapters/formats/record_values.h"
#include "base/strings.h"

namespace popgate::formats {

using registry::Address;
using registry::AddressKind;
using registry::Building;
using registry::BuildingAddress;
using registry::ChangeEvent;
using registry::Date;
using registry::FamilyLink;
using registry::Person;

namespace {

constexpr std::array<AddressKind, 4> kAddressKinds = {
    AddressKind::permanent, AddressKind::temporary, AddressKind::postal, AddressKind::foreign};
constexpr std::array<std::string_view, 7> kAddressParts = {
    "street", "apartment", "postal_code", "post_office", "country", "start", "end"};

// Person column numbers.
enum PersonColumn : size_t {
  kHetu,
  kFirstNames,
  kLastName,
  kFormerLastNames,
  kSex,
  kBirthDate,
  kDeathDate,
  kMotherTongue,
  kNationalities,
  kHomeMunicipality,
  kHomeMunicipalityStart,
  kFirstAddressColumn,  // kAddressKinds.size() * kAddressParts.size() columns from here
  kResidenceBuilding = kFirstAddressColumn + 4 * 7,
  kResidenceApartment,
  kMaritalStatus,
  kFamily,
  kBans,
  kPersonColumns,
};
static_assert(kAddressKinds.size() * kAddressParts.size() == 4 * 7);

enum BuildingColumn : size_t {
  kPrt,
  kMunicipality,
  kAddressStreet,
  kAddressPostalCode,
  kAddressPostOffice,
  kAddressLanguage,
  kNorth,
  kEast,
  kUseClass,
  kCompletionYear,
  kFloors,
  kFloorArea,
  kApartments,
  kHeating,
  kEquipment,
  kDemolishedYear,
  kBuildingColumns,
};

enum ChangeColumn : size_t {
  kSeq,
  kRecordDate,
  kEffectiveDate,
  kSubject,
  kSubjectId,
  kKind,
  kGroup,
  kValues,
  kChangeColumns,
};

std::vector<std::string> make_person_header() {
  std::vector<std::string> h = {"hetu",
                                "first_names",
                                "last_name",
                                "former_last_names",
                                "sex",
                                "birth_date",
                                "death_date",
                                "mother_tongue",
                                "nationalities",
                                "home_municipality",
                                "home_municipality_start"};
  for (AddressKind kind : kAddressKinds) {
    for (std::string_view part : kAddressParts) {
      h.push_back(std::string(registry::to_string(kind)) + "_" + std::string(part));
    }
  }
  for (const char* name :
       {"residence_building", "residence_apartment", "marital_status", "family", "bans"}) {
    h.emplace_back(name);
  }
  return h;
}

std::string iso_or_empty(const std::optional<Date>& date) {
  return date ? date->iso() : "";
}

const std::string& column_name(const std::vector<std::string>& header, size_t index) {
  return header[index];
}

// A view of one row through the layout, with the column names for errors.
class RowReader {
 public:
  RowReader(const CsvLayout& layout, const std::vector<std::string>& row,
            const std::vector<std::string>& header)
      : layout_(layout), row_(row), header_(header) {
    for (size_t column = 0; column < header_.size(); ++column)
      checked_text(string(column), name(column), allowed_controls(name(column)));
  }

  std::string_view text(size_t column) const { return layout_.get(row_, column); }
  const std::string& name(size_t column) const { return column_name(header_, column); }

  std::string string(size_t column) const { return std::string(text(column)); }
  std::string required(size_t column) const {
    if (text(column).empty()) throw FormatError(0, name(column), "missing");
    return string(column);
  }
  Date date(size_t column) const { return parse_date_value(text(column), name(column)); }
  std::optional<Date> optional_date(size_t column) const {
    return parse_optional_date_value(text(column), name(column));
  }
  // "" is 0, the structs' default.
  int integer(size_t column, std::int64_t min, std::int64_t max) const {
    if (text(column).empty()) return 0;
    return static_cast<int>(parse_int_value(text(column), name(column), min, max));
  }
  template <typename Enum>
  Enum enumeration(size_t column, std::optional<Enum> fallback) const {
    if (text(column).empty()) {
      if (!fallback) throw FormatError(0, name(column), "missing");
      return *fallback;
    }
    return parse_enum_value<Enum>(text(column), name(column));
  }

 private:
  const CsvLayout& layout_;
  const std::vector<std::string>& row_;
  const std::vector<std::string>& header_;
};

std::string encode_family(const std::vector<FamilyLink>& family) {
  std::vector<std::string> items;
  items.reserve(family.size());
  for (const FamilyLink& link : family) {
    items.push_back(std::string(registry::to_string(link.relation)) + ":" + link.hetu);
  }
  return join_list(items, "family");
}

std::vector<FamilyLink> decode_family(std::string_view text) {
  std::vector<FamilyLink> family;
  for (const std::string& item : split_list(text)) {
    const size_t colon = item.find(':');
    if (colon == std::string::npos || colon + 1 == item.size()) {
      throw FormatError(0, "family", "item '" + item + "' is not relation:HETU");
    }
    FamilyLink link;
    link.relation = parse_enum_value<registry::Relation>(item.substr(0, colon), "family");
    link.hetu = item.substr(colon + 1);
    family.push_back(std::move(link));
  }
  return family;
}

// Splits one of a building's parallel address columns into exactly `count` items.
std::vector<std::string> split_parallel(std::string_view text, size_t count,
                                        std::string_view field) {
  if (count == 0) {
    if (!text.empty()) {
      throw FormatError(0, std::string(field), "has values but address_street has none");
    }
    return {};
  }
  // An empty column (or one the file lacks) is `count` empty items; the writer writes "|"
  // for two empty ones, so this is no ambiguity.
  if (text.empty()) return std::vector<std::string>(count);
  std::vector<std::string> items = split_list(text);
  if (items.size() != count) {
    throw FormatError(
        0, std::string(field),
        std::to_string(items.size()) + " items but address_street has " + std::to_string(count));
  }
  return items;
}

// Joins a parallel column; unlike join_list, empty items are fine (the street column gives the
// count), but '|' is not.
std::string join_parallel(const std::vector<std::string_view>& items, std::string_view field) {
  for (const std::string_view item : items) {
    if (item.find('|') != std::string_view::npos) {
      throw FormatError(0, std::string(field),
                        "'" + std::string(item) + "' contains '|'; a CSV list cannot hold it");
    }
  }
  return base::join(items, "|");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Headers and layout

template <>
const std::vector<std::string>& csv_header<Person>() {
  static const std::vector<std::string> kHeader = make_person_header();
  return kHeader;
}

template <>
const std::vector<std::string>& csv_header<Building>() {
  static const std::vector<std::string> kHeader = {"prt",
                                                   "municipality",
                                                   "address_street",
                                                   "address_postal_code",
                                                   "address_post_office",
                                                   "address_language",
                                                   "north",
                                                   "east",
                                                   "use_class",
                                                   "completion_year",
                                                   "floors",
                                                   "floor_area_m2",
                                                   "apartments",
                                                   "heating",
                                                   "equipment",
                                                   "demolished_year"};
  return kHeader;
}

template <>
const std::vector<std::string>& csv_header<ChangeEvent>() {
  static const std::vector<std::string> kHeader = {
      "seq", "record_date", "effective_date", "subject", "subject_id", "kind", "group", "values"};
  return kHeader;
}

template <>
std::string_view csv_key_column<Person>() {
  return "hetu";
}
template <>
std::string_view csv_key_column<Building>() {
  return "prt";
}
template <>
std::string_view csv_key_column<ChangeEvent>() {
  return "subject_id";
}

CsvLayout::CsvLayout(const std::vector<std::string>& columns,
                     const std::vector<std::string>& file_header, std::string_view key_column)
    : position_(columns.size(), -1), file_columns_(file_header.size()) {
  for (size_t f = 0; f < file_header.size(); ++f) {
    size_t known = 0;
    while (known < columns.size() && columns[known] != file_header[f])
      ++known;
    if (known == columns.size()) throw FormatError(0, file_header[f], "unknown column");
    if (position_[known] >= 0) throw FormatError(0, file_header[f], "column appears twice");
    position_[known] = static_cast<int>(f);
  }
  for (size_t known = 0; known < columns.size(); ++known) {
    if (columns[known] == key_column && position_[known] < 0) {
      throw FormatError(0, std::string(key_column), "column missing from the header");
    }
  }
}

std::string_view CsvLayout::get(const std::vector<std::string>& row, size_t index) const {
  const int position = position_[index];
  if (position < 0 || static_cast<size_t>(position) >= row.size()) return {};
  return row[static_cast<size_t>(position)];
}

// ---------------------------------------------------------------------------------------------
// Persons

void encode_csv(const Person& p, std::vector<std::string>& row) {
  row.assign(kPersonColumns, std::string());
  row[kHetu] = p.hetu;
  row[kFirstNames] = p.first_names;
  row[kLastName] = p.last_name;
  row[kFormerLastNames] = join_list(p.former_last_names, "former_last_names");
  row[kSex] = registry::to_string(p.sex);
  row[kBirthDate] = p.birth_date.iso();
  row[kDeathDate] = iso_or_empty(p.death_date);
  row[kMotherTongue] = p.mother_tongue;
  row[kNationalities] = join_list(p.nationalities, "nationalities");
  row[kHomeMunicipality] = p.home_municipality;
  row[kHomeMunicipalityStart] = iso_or_empty(p.home_municipality_start);
  std::array<bool, kAddressKinds.size()> seen{};
  for (const Address& a : p.addresses) {
    size_t k = 0;
    while (kAddressKinds[k] != a.kind)
      ++k;
    if (seen[k]) {
      throw FormatError(
          0, "addresses",
          "two " + std::string(registry::to_string(a.kind)) + " addresses; CSV holds one per kind");
    }
    seen[k] = true;
    const size_t base = kFirstAddressColumn + k * kAddressParts.size();
    row[base + 0] = a.street;
    row[base + 1] = a.apartment;
    row[base + 2] = a.postal_code;
    row[base + 3] = a.post_office;
    row[base + 4] = a.country;
    row[base + 5] = a.start.iso();
    row[base + 6] = iso_or_empty(a.end);
  }
  row[kResidenceBuilding] = p.residence_building;
  row[kResidenceApartment] = p.residence_apartment;
  row[kMaritalStatus] = registry::to_string(p.marital_status);
  row[kFamily] = encode_family(p.family);
  row[kBans] = join_list(registry::ban_names(p.bans), "bans");
}

void decode_csv(const CsvLayout& layout, const std::vector<std::string>& row, Person& p) {
  const RowReader r(layout, row, csv_header<Person>());
  p = Person{};
  p.hetu = r.required(kHetu);
  p.first_names = r.string(kFirstNames);
  p.last_name = r.string(kLastName);
  p.former_last_names = split_list(r.text(kFormerLastNames));
  p.sex = r.enumeration<registry::Sex>(kSex, std::nullopt);
  p.birth_date = r.date(kBirthDate);
  p.death_date = r.optional_date(kDeathDate);
  p.mother_tongue = r.string(kMotherTongue);
  p.nationalities = split_list(r.text(kNationalities));
  p.home_municipality = r.string(kHomeMunicipality);
  p.home_municipality_start = r.optional_date(kHomeMunicipalityStart);
  for (size_t k = 0; k < kAddressKinds.size(); ++k) {
    const size_t base = kFirstAddressColumn + k * kAddressParts.size();
    bool present = false;
    for (size_t part = 0; part < kAddressParts.size(); ++part) {
      present = present || !r.text(base + part).empty();
    }
    if (!present) continue;
    Address a;
    a.kind = kAddressKinds[k];
    a.street = r.string(base + 0);
    a.apartment = r.string(base + 1);
    a.postal_code = r.string(base + 2);
    a.post_office = r.string(base + 3);
    a.country = r.string(base + 4);
    a.start = r.date(base + 5);
    a.end = r.optional_date(base + 6);
    p.addresses.push_back(std::move(a));
  }
  p.residence_building = r.string(kResidenceBuilding);
  p.residence_apartment = r.string(kResidenceApartment);
  p.marital_status =
      r.enumeration<registry::MaritalStatus>(kMaritalStatus, registry::MaritalStatus::unknown);
  p.family = decode_family(r.text(kFamily));
  p.bans = parse_bans(split_list(r.text(kBans)), "bans");
}

// ---------------------------------------------------------------------------------------------
// Buildings

void encode_csv(const Building& b, std::vector<std::string>& row) {
  row.assign(kBuildingColumns, std::string());
  row[kPrt] = b.prt;
  row[kMunicipality] = b.municipality;
  std::vector<std::string_view> streets, postal_codes, post_offices, languages;
  for (size_t i = 0; i < b.addresses.size(); ++i) {
    const BuildingAddress& a = b.addresses[i];
    if (a.street.empty()) {
      throw FormatError(0, "addresses[" + std::to_string(i) + "].street",
                        "empty; CSV needs a street for every address");
    }
    streets.push_back(a.street);
    postal_codes.push_back(a.postal_code);
    post_offices.push_back(a.post_office);
    languages.push_back(a.language);
  }
  row[kAddressStreet] = join_parallel(streets, "address_street");
  row[kAddressPostalCode] = join_parallel(postal_codes, "address_postal_code");
  row[kAddressPostOffice] = join_parallel(post_offices, "address_post_office");
  row[kAddressLanguage] = join_parallel(languages, "address_language");
  row[kNorth] = std::to_string(b.north);
  row[kEast] = std::to_string(b.east);
  row[kUseClass] = b.use_class;
  row[kCompletionYear] = std::to_string(b.completion_year);
  row[kFloors] = std::to_string(b.floors);
  row[kFloorArea] = std::to_string(b.floor_area_m2);
  row[kApartments] = std::to_string(b.apartments);
  row[kHeating] = registry::to_string(b.heating);
  row[kEquipment] = join_list(registry::equipment_names(b.equipment), "equipment");
  row[kDemolishedYear] = b.demolished_year ? std::to_string(*b.demolished_year) : "";
}

void decode_csv(const CsvLayout& layout, const std::vector<std::string>& row, Building& b) {
  const RowReader r(layout, row, csv_header<Building>());
  constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();
  b = Building{};
  b.prt = r.required(kPrt);
  b.municipality = r.string(kMunicipality);
  const std::vector<std::string> streets = split_list(r.text(kAddressStreet));
  const size_t n = streets.size();
  const auto postal_codes = split_parallel(r.text(kAddressPostalCode), n, "address_postal_code");
  const auto post_offices = split_parallel(r.text(kAddressPostOffice), n, "address_post_office");
  const auto languages = split_parallel(r.text(kAddressLanguage), n, "address_language");
  for (size_t i = 0; i < n; ++i) {
    b.addresses.push_back({streets[i], postal_codes[i], post_offices[i], languages[i]});
  }
  b.north = r.integer(kNorth, 0, kMaxInt);
  b.east = r.integer(kEast, 0, kMaxInt);
  b.use_class = r.string(kUseClass);
  b.completion_year = r.integer(kCompletionYear, 0, 9999);
  b.floors = r.integer(kFloors, 0, 1000);
  b.floor_area_m2 = r.integer(kFloorArea, 0, kMaxInt);
  b.apartments = r.integer(kApartments, 0, kMaxInt);
  b.heating = r.enumeration<registry::Heating>(kHeating, registry::Heating::unknown);
  b.equipment = parse_equipment(split_list(r.text(kEquipment)), "equipment");
  if (!r.text(kDemolishedYear).empty()) b.demolished_year = r.integer(kDemolishedYear, 0, 9999);
}

// ---------------------------------------------------------------------------------------------
// Change events

void encode_csv(const ChangeEvent& e, std::vector<std::string>& row) {
  row.assign(kChangeColumns, std::string());
  row[kSeq] = std::to_string(e.seq);
  row[kRecordDate] = e.record_date.iso();
  row[kEffectiveDate] = e.effective_date.iso();
  row[kSubject] = registry::to_string(e.subject);
  row[kSubjectId] = e.subject_id;
  row[kKind] = registry::to_string(e.kind);
  row[kGroup] = registry::to_string(e.group);
  row[kValues] = json_fields(e.values);
}

void decode_csv(const CsvLayout& layout, const std::vector<std::string>& row, ChangeEvent& e) {
  const RowReader r(layout, row, csv_header<ChangeEvent>());
  e = ChangeEvent{};
  if (!r.text(kSeq).empty()) {
    e.seq = parse_int_value(r.text(kSeq), "seq", 0, std::numeric_limits<std::int64_t>::max());
  }
  e.record_date = r.date(kRecordDate);
  e.effective_date = r.date(kEffectiveDate);
  e.subject = r.enumeration<registry::SubjectKind>(kSubject, std::nullopt);
  e.subject_id = r.required(kSubjectId);
  e.kind = r.enumeration<registry::ChangeKind>(kKind, std::nullopt);
  e.group = r.enumeration<registry::DataGroup>(kGroup, std::nullopt);
  if (!r.text(kValues).empty()) {
    const std::string error = parse_json_fields(r.text(kValues), e.values);
    if (!error.empty()) {
      throw FormatError(0, "values", "not a JSON object of strings: " + error);
    }
    for (const registry::Field& field : e.values) {
      checked_text(field.name, "values");
      checked_text(field.value, "values." + field.name, allowed_controls(field.name));
    }
  }
}

}  // namespace popgate::formats
