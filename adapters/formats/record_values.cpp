#include "adapters/formats/record_values.h"

#include <charconv>

#include "adapters/formats/format_error.h"
#include "base/strings.h"
#include "base/utf8.h"

namespace popgate::formats {
namespace {

using registry::AddressKind;
using registry::ChangeKind;
using registry::DataGroup;
using registry::Heating;
using registry::MaritalStatus;
using registry::Relation;
using registry::Sex;
using registry::SubjectKind;

constexpr char kSeparator = '|';

// Each enum's parse function, so that one template serves them all.
std::optional<Sex> parse_name(std::string_view t, Sex*) {
  return registry::parse_sex(t);
}
std::optional<MaritalStatus> parse_name(std::string_view t, MaritalStatus*) {
  return registry::parse_marital_status(t);
}
std::optional<AddressKind> parse_name(std::string_view t, AddressKind*) {
  return registry::parse_address_kind(t);
}
std::optional<Relation> parse_name(std::string_view t, Relation*) {
  return registry::parse_relation(t);
}
std::optional<Heating> parse_name(std::string_view t, Heating*) {
  return registry::parse_heating(t);
}
std::optional<SubjectKind> parse_name(std::string_view t, SubjectKind*) {
  return registry::parse_subject_kind(t);
}
std::optional<ChangeKind> parse_name(std::string_view t, ChangeKind*) {
  return registry::parse_change_kind(t);
}
std::optional<DataGroup> parse_name(std::string_view t, DataGroup*) {
  return registry::parse_data_group(t);
}

template <typename Bit, typename Parse, typename Name>
std::uint32_t parse_bits(const std::vector<std::string>& names, std::string_view field, Parse parse,
                         Name name) {
  std::uint32_t bits = 0;
  for (const std::string& n : names) {
    auto bit = parse(n);
    if (!bit) {
      std::string choices;
      for (int i = 0; i < 32; ++i) {
        const auto candidate = static_cast<Bit>(1u << i);
        if (parse(name(candidate)) == candidate) {
          if (!choices.empty()) choices += ", ";
          choices += name(candidate);
        }
      }
      throw FormatError(0, std::string(field),
                        base::quoted(n, '\'') + " is not one of: " + choices);
    }
    bits |= *bit;
  }
  return bits;
}

template <typename Items>
std::string join_items(const Items& items, std::string_view field) {
  for (const auto& item : items) {
    if (std::string_view(item).empty() ||
        std::string_view(item).find(kSeparator) != std::string_view::npos) {
      throw FormatError(0, std::string(field),
                        "item " + base::quoted(item, '\'') +
                            " is empty or contains '|'; a CSV list cannot hold it");
    }
  }
  return base::join(items, std::string_view(&kSeparator, 1));
}

}  // namespace

registry::Date parse_date_value(std::string_view text, std::string_view field) {
  auto date = registry::Date::parse(text);
  // Date::parse also takes the Finnish form; only ISO is ours.
  if (!date || text.size() != 10 || text[4] != '-') {
    throw FormatError(0, std::string(field),
                      base::quoted(text, '\'') + " is not a date (YYYY-MM-DD)");
  }
  return *date;
}

std::optional<registry::Date> parse_optional_date_value(std::string_view text,
                                                        std::string_view field) {
  if (text.empty()) return std::nullopt;
  return parse_date_value(text, field);
}

std::string checked_text(std::string text, std::string_view field, std::string_view allowed) {
  if (std::optional<std::string> control = base::find_control_character(text, allowed)) {
    throw FormatError(0, std::string(field), "holds " + *control);
  }
  return text;
}

std::string_view allowed_controls(std::string_view field_name) {
  return field_name.ends_with("street") ? "\t\n\r" : "";
}

std::int64_t parse_int_value(std::string_view text, std::string_view field, std::int64_t min,
                             std::int64_t max) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    throw FormatError(0, std::string(field), base::quoted(text, '\'') + " is not a whole number");
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    throw FormatError(0, std::string(field),
                      base::quoted(text, '\'') + " is out of range (" + std::to_string(min) + ".." +
                          std::to_string(max) + ")");
  }
  return value;
}

template <typename Enum>
std::string enum_choices() {
  std::string choices;
  // Every enum here is scoped with names for small values; try them all.
  for (int raw = 0; raw < 256; ++raw) {
    const auto value = static_cast<Enum>(raw);
    const std::string_view name = registry::to_string(value);
    if (parse_name(name, static_cast<Enum*>(nullptr)) != value) continue;
    if (!choices.empty()) choices += ", ";
    choices += name;
  }
  return choices;
}

template <typename Enum>
Enum parse_enum_value(std::string_view text, std::string_view field) {
  if (auto value = parse_name(text, static_cast<Enum*>(nullptr))) return *value;
  throw FormatError(0, std::string(field),
                    base::quoted(text, '\'') + " is not one of: " + enum_choices<Enum>());
}

#define POPGATE_ENUM_VALUE(Enum)                                            \
  template Enum parse_enum_value<Enum>(std::string_view, std::string_view); \
  template std::string enum_choices<Enum>();
POPGATE_ENUM_VALUE(Sex)
POPGATE_ENUM_VALUE(MaritalStatus)
POPGATE_ENUM_VALUE(AddressKind)
POPGATE_ENUM_VALUE(Relation)
POPGATE_ENUM_VALUE(Heating)
POPGATE_ENUM_VALUE(SubjectKind)
POPGATE_ENUM_VALUE(ChangeKind)
POPGATE_ENUM_VALUE(DataGroup)
#undef POPGATE_ENUM_VALUE

std::uint32_t parse_bans(const std::vector<std::string>& names, std::string_view field) {
  return parse_bits<registry::Ban>(
      names, field, [](std::string_view t) { return registry::parse_ban(t); },
      [](registry::Ban b) { return registry::ban_name(b); });
}

std::uint32_t parse_equipment(const std::vector<std::string>& names, std::string_view field) {
  return parse_bits<registry::Equipment>(
      names, field, [](std::string_view t) { return registry::parse_equipment(t); },
      [](registry::Equipment e) { return registry::equipment_name(e); });
}

std::string join_list(const std::vector<std::string>& items, std::string_view field) {
  return join_items(items, field);
}

std::string join_list(const std::vector<std::string_view>& items, std::string_view field) {
  return join_items(items, field);
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  if (text.empty()) return items;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(kSeparator, start);
    items.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return items;
}

}  // namespace popgate::formats
