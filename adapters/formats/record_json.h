// Person, Building and ChangeEvent as JSON objects: one per line in JSON Lines files, indented
// for `popgate register person`.
//
// Field names are the members of the registry structs (hetu, first_names, birth_date, ...);
// dates are ISO 8601 strings; enums are their names ("female", "permanent"); bit sets are
// arrays of names ("bans": ["safety"]); absent optional values are null; addresses and family
// links are arrays of objects. The store's `id` never leaves popgate and is not written.
//
// Person:   hetu, first_names, last_name, former_last_names[], sex, birth_date, death_date,
//           mother_tongue, nationalities[], home_municipality, home_municipality_start,
//           addresses[{kind, street, apartment, postal_code, post_office, country, start, end}],
//           residence_building, residence_apartment, marital_status,
//           family[{relation, hetu}], bans[]
// Building: prt, municipality, addresses[{street, postal_code, post_office, language}], north,
//           east, use_class, completion_year, floors, floor_area_m2, apartments, heating,
//           equipment[], demolished_year
// Change:   seq, record_date, effective_date, subject, subject_id, kind, group,
//           values{name: value, ...}
//
// Decoding is strict: an unknown field is an error (a misspelt name would otherwise drop data
// silently), and so is a value of the wrong JSON type. Missing fields take the struct's default,
// except the identifying and dating ones, which are required.
#ifndef POPGATE_ADAPTERS_FORMATS_RECORD_JSON_H_
#define POPGATE_ADAPTERS_FORMATS_RECORD_JSON_H_

#include <memory>
#include <string>
#include <string_view>

#include "adapters/formats/json_writer.h"
#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::formats {

void write_json(JsonWriter& writer, const registry::Person& person);
void write_json(JsonWriter& writer, const registry::Building& building);
void write_json(JsonWriter& writer, const registry::ChangeEvent& event);

// The record as JSON text: compact on one line (indent 0) or indented.
template <typename Record>
std::string to_json(const Record& record, int indent = 0) {
  std::string out;
  JsonWriter writer(out, indent);
  write_json(writer, record);
  return out;
}

// Decodes one JSON text into a record. Reusable: it keeps its parser between calls. Throws
// FormatError (line 0) naming the field, e.g. "addresses[1].start".
class JsonRecordDecoder {
 public:
  JsonRecordDecoder();
  ~JsonRecordDecoder();
  JsonRecordDecoder(const JsonRecordDecoder&) = delete;
  JsonRecordDecoder& operator=(const JsonRecordDecoder&) = delete;

  void decode(std::string_view text, registry::Person& out);
  void decode(std::string_view text, registry::Building& out);
  void decode(std::string_view text, registry::ChangeEvent& out);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_RECORD_JSON_H_
