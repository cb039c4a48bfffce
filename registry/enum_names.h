// A constexpr table between an enum and its stable external names (YAML, JSON, CSV, SQL).
// One table per enum keeps both directions in one place.
#ifndef POPGATE_REGISTRY_ENUM_NAMES_H_
#define POPGATE_REGISTRY_ENUM_NAMES_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace popgate::registry {

template <typename E, std::size_t N>
struct EnumNames {
  std::array<std::pair<E, std::string_view>, N> entries;

  constexpr std::string_view name(E value) const {
    for (const auto& [v, n] : entries) {
      if (v == value) return n;
    }
    return "unknown";
  }

  constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [v, n] : entries) {
      if (n == text) return v;
    }
    return std::nullopt;
  }
};

template <typename E, typename... Entries>
constexpr auto make_enum_names(Entries... entries) {
  return EnumNames<E, sizeof...(Entries)>{{{entries...}}};
}

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_ENUM_NAMES_H_
