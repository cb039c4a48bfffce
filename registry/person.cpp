#include "registry/person.h"

#include "registry/enum_names.h"

namespace popgate::registry {
namespace {

template <typename E>
using P = std::pair<E, std::string_view>;

constexpr auto kSex = make_enum_names<Sex>(P<Sex>{Sex::male, "male"}, P<Sex>{Sex::female, "female"});

using M = MaritalStatus;
constexpr auto kMarital = make_enum_names<M>(
    P<M>{M::unknown, "unknown"}, P<M>{M::unmarried, "unmarried"}, P<M>{M::married, "married"},
    P<M>{M::divorced, "divorced"}, P<M>{M::widowed, "widowed"},
    P<M>{M::registered_partnership, "registered_partnership"},
    P<M>{M::dissolved_partnership, "dissolved_partnership"},
    P<M>{M::surviving_partner, "surviving_partner"});

using K = AddressKind;
constexpr auto kKinds =
    make_enum_names<K>(P<K>{K::permanent, "permanent"}, P<K>{K::temporary, "temporary"},
                       P<K>{K::postal, "postal"}, P<K>{K::foreign, "foreign"});

using R = Relation;
constexpr auto kRelations =
    make_enum_names<R>(P<R>{R::spouse, "spouse"}, P<R>{R::parent, "parent"},
                       P<R>{R::child, "child"}, P<R>{R::guardian, "guardian"}, P<R>{R::ward, "ward"});

constexpr auto kBans = make_enum_names<Ban>(
    P<Ban>{kBanSafety, "safety"}, P<Ban>{kBanDirectMarketing, "direct_marketing"},
    P<Ban>{kBanMarketResearch, "market_research"}, P<Ban>{kBanGenealogy, "genealogy"},
    P<Ban>{kBanPersonDirectory, "person_directory"},
    P<Ban>{kBanAddressServices, "address_services"},
    P<Ban>{kBanCustomerRegisterUpdate, "customer_register_update"});

}  // namespace

const Address* Person::address(AddressKind kind) const {
  for (const Address& a : addresses) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

std::string_view to_string(Sex sex) { return kSex.name(sex); }
std::optional<Sex> parse_sex(std::string_view text) { return kSex.parse(text); }
std::string_view to_string(MaritalStatus status) { return kMarital.name(status); }
std::optional<MaritalStatus> parse_marital_status(std::string_view text) {
  return kMarital.parse(text);
}
std::string_view to_string(AddressKind kind) { return kKinds.name(kind); }
std::optional<AddressKind> parse_address_kind(std::string_view text) { return kKinds.parse(text); }
std::string_view to_string(Relation relation) { return kRelations.name(relation); }
std::optional<Relation> parse_relation(std::string_view text) { return kRelations.parse(text); }
std::string_view ban_name(Ban ban) { return kBans.name(ban); }
std::optional<Ban> parse_ban(std::string_view text) { return kBans.parse(text); }

std::vector<std::string_view> ban_names(std::uint32_t bans) {
  std::vector<std::string_view> names;
  for (const auto& [ban, name] : kBans.entries) {
    if (bans & ban) names.push_back(name);
  }
  return names;
}

}  // namespace popgate::registry
