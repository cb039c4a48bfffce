// JSON string literals, once for all of popgate (JsonWriter, diagnostics, status files).
//
// One policy: what JSON requires is escaped ('"', '\\', U+0000-U+001F, with the short forms
// \n \r \t \b \f), U+007F too (so that a status file shown on a terminal cannot carry a
// control character), and every byte that is not part of well-formed UTF-8 becomes \ufffd:
// JSON text must be Unicode, and a client's Windows-1252 file name must not make our own
// status file unreadable. Everything else, UTF-8 included, is copied as it is.
#ifndef POPGATE_BASE_JSON_TEXT_H_
#define POPGATE_BASE_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace popgate::base {

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

}  // namespace popgate::base

#endif  // POPGATE_BASE_JSON_TEXT_H_
