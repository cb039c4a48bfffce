// The text forms of record values that the JSON Lines and CSV codecs share: dates (ISO 8601),
// enums and bit sets by their stable names, whole numbers, '|'-joined lists. Decoders throw
// FormatError (line 0) naming the field and saying what was expected.
#ifndef POPGATE_ADAPTERS_FORMATS_RECORD_VALUES_H_
#define POPGATE_ADAPTERS_FORMATS_RECORD_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/data_group.h"
#include "registry/date.h"
#include "registry/person.h"

namespace popgate::formats {

// `text` as the value of a text field, refused (FormatError) when it holds a control character
// other than the ASCII ones in `allowed` ("\t\n\r" for a street, which may span lines). The
// readers have checked the UTF-8 already (the JSON parser refuses an escaped lone surrogate).
std::string checked_text(std::string text, std::string_view field, std::string_view allowed = {});
// The controls a field may hold: a street's line breaks and tabs, nothing anywhere else.
std::string_view allowed_controls(std::string_view field_name);

// "YYYY-MM-DD" only: files written by popgate are ISO, and accepting the Finnish form here
// would make "01.02.2003" and "2003-02-01" two spellings of one value in the register.
registry::Date parse_date_value(std::string_view text, std::string_view field);
// "" is absent.
std::optional<registry::Date> parse_optional_date_value(std::string_view text,
                                                        std::string_view field);

std::int64_t parse_int_value(std::string_view text, std::string_view field, std::int64_t min,
                             std::int64_t max);

// Enums by name. The error lists the names that are allowed.
template <typename Enum>
Enum parse_enum_value(std::string_view text, std::string_view field);
// The names an enum has, in value order (for error messages and documentation).
template <typename Enum>
std::string enum_choices();

// Bit sets by the names of their bits.
std::uint32_t parse_bans(const std::vector<std::string>& names, std::string_view field);
std::uint32_t parse_equipment(const std::vector<std::string>& names, std::string_view field);

// Lists in one CSV cell, '|'-joined. join_list() refuses (FormatError) an item that is empty
// or contains '|', since it would not read back as the same list.
std::string join_list(const std::vector<std::string>& items, std::string_view field);
std::string join_list(const std::vector<std::string_view>& items, std::string_view field);
// "" is the empty list.
std::vector<std::string> split_list(std::string_view text);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_RECORD_VALUES_H_
