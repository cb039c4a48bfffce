// The little UTF-8 decoding that diagnostics need: validating configuration text, counting
// columns in code points and escaping JSON. (adapters/formats has a full codec, but the engine
// must not depend on an adapter.)
#ifndef POPGATE_WORKFLOWS_UTF8_H_
#define POPGATE_WORKFLOWS_UTF8_H_

#include <cstddef>
#include <string_view>

namespace popgate::workflows {

// Decodes the code point at text[pos] and advances pos past it. A byte that does not start a
// well-formed sequence (overlong forms, surrogates and values above U+10FFFF included) yields
// -1 and advances pos by one, so that a caller can report or replace it and carry on.
long decode_utf8(std::string_view text, std::size_t& pos);

// The byte offset of the first ill-formed sequence, or text.size() when all of it is UTF-8.
std::size_t find_invalid_utf8(std::string_view text);

// Code points in `text`; an ill-formed byte counts as one.
std::size_t count_code_points(std::string_view text);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_UTF8_H_
