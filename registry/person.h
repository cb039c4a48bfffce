// A person as the population register holds them: the current state of every data group,
// with start dates where the register keeps them. The HETU is the external identity;
// `id` is the store's internal key and never leaves popgate.
#ifndef POPGATE_REGISTRY_PERSON_H_
#define POPGATE_REGISTRY_PERSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/date.h"

namespace popgate::registry {

enum class Sex : std::uint8_t { male = 1, female = 2 };

// The register's marital status codes (siviilisääty).
enum class MaritalStatus : std::uint8_t {
  unknown = 0,
  unmarried = 1,
  married = 2,
  divorced = 3,
  widowed = 4,
  registered_partnership = 5,
  dissolved_partnership = 6,
  surviving_partner = 7,
};

enum class AddressKind : std::uint8_t { permanent, temporary, postal, foreign };

// A Finnish address (permanent, temporary, postal) or a foreign one. For a foreign address
// `street` holds the free-form lines, `post_office` the place and `country` the ISO code.
struct Address {
  AddressKind kind = AddressKind::permanent;
  std::string street;     // street name and house number: "Koivukatu 12"
  std::string apartment;  // stairwell and apartment: "A 5"; empty for a detached house
  std::string postal_code;
  std::string post_office;
  std::string country;  // ISO 3166-1 alpha-2; "FI" for Finnish addresses
  Date start;
  std::optional<Date> end;

  friend bool operator==(const Address&, const Address&) = default;
};

enum class Relation : std::uint8_t { spouse, parent, child, guardian, ward };

// A family link to another person in the register, by HETU.
struct FamilyLink {
  Relation relation = Relation::parent;
  std::string hetu;
  friend bool operator==(const FamilyLink&, const FamilyLink&) = default;
};

// Disclosure bans a person has set or been granted (a bit set). `safety` is the
// non-disclosure for personal safety (turvakielto): it withholds addresses and the home
// municipality from every client whose permit lacks that right.
enum Ban : std::uint32_t {
  kBanSafety = 1u << 0,
  kBanDirectMarketing = 1u << 1,
  kBanMarketResearch = 1u << 2,
  kBanGenealogy = 1u << 3,
  kBanPersonDirectory = 1u << 4,
  kBanAddressServices = 1u << 5,
  kBanCustomerRegisterUpdate = 1u << 6,
};
constexpr std::uint32_t kAllBans = (1u << 7) - 1;

struct Person {
  std::int64_t id = 0;  // store key; 0 until stored
  std::string hetu;
  std::string first_names;  // all given names, space separated, in order
  std::string last_name;
  std::vector<std::string> former_last_names;  // most recent first
  Sex sex = Sex::female;
  Date birth_date;
  std::optional<Date> death_date;
  std::string mother_tongue;               // ISO 639-1
  std::vector<std::string> nationalities;  // ISO 3166-1 alpha-2
  std::string home_municipality;           // 3-digit code; empty when none (abroad)
  std::optional<Date> home_municipality_start;
  std::vector<Address> addresses;  // current ones, at most one per kind
  std::string residence_building;  // PRT of the permanent residence
  std::string residence_apartment;
  MaritalStatus marital_status = MaritalStatus::unknown;
  std::vector<FamilyLink> family;
  std::uint32_t bans = 0;

  bool deceased() const { return death_date.has_value(); }
  bool has_ban(Ban ban) const { return (bans & ban) != 0; }
  const Address* address(AddressKind kind) const;

  friend bool operator==(const Person&, const Person&) = default;
};

std::string_view to_string(Sex sex);
std::optional<Sex> parse_sex(std::string_view text);
std::string_view to_string(MaritalStatus status);
std::optional<MaritalStatus> parse_marital_status(std::string_view text);
std::string_view to_string(AddressKind kind);
std::optional<AddressKind> parse_address_kind(std::string_view text);
std::string_view to_string(Relation relation);
std::optional<Relation> parse_relation(std::string_view text);
std::string_view ban_name(Ban ban);
std::optional<Ban> parse_ban(std::string_view text);
// All set bans as names, in bit order.
std::vector<std::string_view> ban_names(std::uint32_t bans);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_PERSON_H_
