// Person, Building and ChangeEvent as CSV rows (';'-separated, UTF-8, a header row; see csv.h
// for quoting). One column per field, named as in record_json.h:
//
// Person:   hetu, first_names, last_name, former_last_names, sex, birth_date, death_date,
//           mother_tongue, nationalities, home_municipality, home_municipality_start,
//           then per address kind (permanent, temporary, postal, foreign) the columns
//           <kind>_street, _apartment, _postal_code, _post_office, _country, _start, _end,
//           then residence_building, residence_apartment, marital_status, family, bans
// Building: prt, municipality, address_street, address_postal_code, address_post_office,
//           address_language, north, east, use_class, completion_year, floors, floor_area_m2,
//           apartments, heating, equipment, demolished_year
// Change:   seq, record_date, effective_date, subject, subject_id, kind, group, values
//
// Lists are '|'-joined ("FI|SE"); family is "relation:HETU" items ("spouse:010190-123A|...");
// bans and equipment are '|'-joined names. A building's addresses are parallel lists: the n-th
// items of the four address_ columns make its n-th address. A change's values are one JSON
// object in the values column, since free text may contain any separator.
//
// What CSV cannot hold is refused on writing (FormatError): two addresses of one kind, a list
// item that is empty or contains '|', a building address without a street. Reading returns a
// person's addresses in kind order. Reading maps the file's header by name: columns may come
// in any order and may be missing (read as empty), but an unknown or repeated column is an
// error, and the key column (hetu, prt, subject_id) must be there.
#ifndef POPGATE_ADAPTERS_FORMATS_RECORD_CSV_H_
#define POPGATE_ADAPTERS_FORMATS_RECORD_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::formats {

// The columns a record kind writes, in order.
template <typename Record>
const std::vector<std::string>& csv_header();
template <>
const std::vector<std::string>& csv_header<registry::Person>();
template <>
const std::vector<std::string>& csv_header<registry::Building>();
template <>
const std::vector<std::string>& csv_header<registry::ChangeEvent>();

// A file's header mapped onto a record kind's columns.
class CsvLayout {
 public:
  // Throws FormatError (line 0) for an unknown or repeated column or a missing key column.
  CsvLayout(const std::vector<std::string>& columns, const std::vector<std::string>& file_header,
            std::string_view key_column);

  // The value of column `index` (in the record kind's order) in `row`; "" when the file has no
  // such column.
  std::string_view get(const std::vector<std::string>& row, size_t index) const;
  size_t file_columns() const { return file_columns_; }

 private:
  std::vector<int> position_;  // per column of the kind: its position in the file, or -1
  size_t file_columns_;
};

// The record as a row in csv_header() order. Throws FormatError for what CSV cannot hold.
void encode_csv(const registry::Person& person, std::vector<std::string>& row);
void encode_csv(const registry::Building& building, std::vector<std::string>& row);
void encode_csv(const registry::ChangeEvent& event, std::vector<std::string>& row);

// Throws FormatError (line 0) naming the column.
void decode_csv(const CsvLayout& layout, const std::vector<std::string>& row,
                registry::Person& out);
void decode_csv(const CsvLayout& layout, const std::vector<std::string>& row,
                registry::Building& out);
void decode_csv(const CsvLayout& layout, const std::vector<std::string>& row,
                registry::ChangeEvent& out);

// The key column a record kind's layout requires.
template <typename Record>
std::string_view csv_key_column();
template <>
std::string_view csv_key_column<registry::Person>();
template <>
std::string_view csv_key_column<registry::Building>();
template <>
std::string_view csv_key_column<registry::ChangeEvent>();

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_RECORD_CSV_H_
