// Character-level helpers shared by the identity codes (HETU, PRT, business ID, apartment).
#ifndef POPGATE_REGISTRY_CODE_CHARACTERS_H_
#define POPGATE_REGISTRY_CODE_CHARACTERS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace popgate::registry {

// The HETU's and the PRT's check character: a number mod 31 indexed into this alphabet
// (G, I, O, Q and Z are left out as too easily misread).
inline constexpr std::string_view kMod31CheckCharacters = "0123456789ABCDEFHJKLMNPRSTUVWXY";
inline char mod31_check_character(std::int64_t number) {
  return kMod31CheckCharacters[static_cast<std::size_t>(number % 31)];
}

inline bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_ascii_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
inline bool is_ascii_lower(char c) {
  return c >= 'a' && c <= 'z';
}
inline bool is_printable_ascii(char c) {
  return c >= ' ' && c <= '~';
}

// 'x' for printable ASCII, 0x09 for anything else: an error text never carries a control
// byte or a broken UTF-8 sequence into a report.
inline std::string describe_character(char c) {
  if (is_printable_ascii(c)) return std::string{'\'', c, '\''};
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  return std::string{'0', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
}

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_CODE_CHARACTERS_H_
