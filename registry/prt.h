// Building and dwelling identifiers.
//
// PRT, the permanent building identifier (pysyvä rakennustunnus): nine digits starting with 1
// and a check character computed like the HETU's (the nine digits mod 31 indexed into
// "0123456789ABCDEFHJKLMNPRSTUVWXY"), e.g. "100012345N".
//
// An apartment within a building is identified by stairwell letter, apartment number and
// division letter (huoneistotunnus: "A 12", "B 3 a", "12"). A person's residence code is the
// building's PRT with the apartment in fixed form: PRT + stair (or space) + 3-digit number
// + division (or space), e.g. "100012345NA012 " — 15 characters, sortable, unique per dwelling.
#ifndef POPGATE_REGISTRY_PRT_H_
#define POPGATE_REGISTRY_PRT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace popgate::registry {

// Empty when `text` is a valid PRT; otherwise why it is not.
std::string prt_error(std::string_view text);
inline bool valid_prt(std::string_view text) { return prt_error(text).empty(); }

// Builds a PRT from its nine-digit number (100000000..199999999).
std::string make_prt(std::int64_t number);

struct Apartment {
  char stair = 0;       // 'A'..'Z', 0 when none
  int number = 0;       // 1..999, 0 when the building has one dwelling (no apartment)
  char division = 0;    // 'a'..'z', 0 when none
  bool empty() const { return stair == 0 && number == 0 && division == 0; }
  // "A 12", "A 12 b", "12", "" for none.
  std::string to_string() const;
  friend bool operator==(const Apartment&, const Apartment&) = default;
};

// Parses "A 12", "A12", "a 12 b", "12", "" (case of the stair letter folded to upper, the
// division letter to lower). nullopt for anything else.
std::optional<Apartment> parse_apartment(std::string_view text);

// The 15-character residence code of a dwelling (see above). Precondition: valid PRT.
std::string residence_code(std::string_view prt, const Apartment& apartment);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_PRT_H_
