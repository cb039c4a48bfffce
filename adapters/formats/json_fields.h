// The values of a change event as one flat JSON object of strings, in the event's order:
// {"street":"Koivukatu 12","postal_code":"00100"}. The store keeps them in this form and the
// JSON Lines format embeds the same object, so both share this code.
//
// The parser is a small one of its own (not Poco::JSON) because the store decodes one object per
// change-log row on every export, and because it must keep the order and any repeated name.
#ifndef POPGATE_ADAPTERS_FORMATS_JSON_FIELDS_H_
#define POPGATE_ADAPTERS_FORMATS_JSON_FIELDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/json_writer.h"
#include "registry/change_event.h"

namespace popgate::formats {

void write_json_fields(JsonWriter& writer, const std::vector<registry::Field>& fields);
// The compact form.
std::string json_fields(const std::vector<registry::Field>& fields);

// Parses a JSON object whose values are all strings into `out` (cleared first), in the text's
// order. Returns "" on success, otherwise why the text is not such an object.
std::string parse_json_fields(std::string_view text, std::vector<registry::Field>& out);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_JSON_FIELDS_H_
