// The Finnish business ID (Y-tunnus) of a client organisation: seven digits, a hyphen and a
// mod-11 check digit ("0737546-2"). Weights 7 9 10 5 8 4 2; remainder 0 gives check digit 0,
// remainder 1 is never issued, otherwise 11 - remainder.
#ifndef POPGATE_REGISTRY_BUSINESS_ID_H_
#define POPGATE_REGISTRY_BUSINESS_ID_H_

#include <string>
#include <string_view>

namespace popgate::registry {

// Empty when `text` is a valid business ID; otherwise why it is not.
std::string business_id_error(std::string_view text);
inline bool valid_business_id(std::string_view text) { return business_id_error(text).empty(); }

// The check digit of seven digits, or -1 when no valid ID has these digits (remainder 1).
int business_id_check_digit(std::string_view seven_digits);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_BUSINESS_ID_H_
