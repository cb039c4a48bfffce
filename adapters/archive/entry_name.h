// The rules an entry's name must follow, shared by the writer (our own names) and by safe
// unpacking (a client's names). Names use '/' between components, as zip and tar do.
#ifndef POPGATE_ADAPTERS_ARCHIVE_ENTRY_NAME_H_
#define POPGATE_ADAPTERS_ARCHIVE_ENTRY_NAME_H_

#include <string>
#include <string_view>

namespace popgate::archive {

// Why `name` may not be used, as the end of a sentence ("absolute paths are not allowed"), or
// empty when it may. Refused: empty names, control characters, backslashes (a Windows
// separator that would mean something else to the next program), absolute paths and any ".."
// component.
std::string entry_name_problem(std::string_view name);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
// The writer requires it of its names: zip and pax declare their names UTF-8.
bool is_utf8(std::string_view text);

// `name` without "." components, empty components and trailing slashes: "./a//b/" is "a/b".
// "." and "./" give "" (the archive's root).
std::string normalized_entry_name(std::string_view name);

// `name` in single quotes for a message, control characters and bytes past the 200th shown
// safely, so that a hostile name cannot forge log lines or flood them.
std::string quoted_entry_name(std::string_view name);

}  // namespace popgate::archive

#endif  // POPGATE_ADAPTERS_ARCHIVE_ENTRY_NAME_H_
