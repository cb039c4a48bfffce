// One entry of the register's change log. Every change to a person or a building is logged
// per data group, with a strictly increasing sequence number that the change data service
// uses as its cursor: a delivery covers (last delivered seq, current seq].
#ifndef POPGATE_REGISTRY_CHANGE_EVENT_H_
#define POPGATE_REGISTRY_CHANGE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/data_group.h"
#include "registry/date.h"

namespace popgate::registry {

enum class SubjectKind : std::uint8_t { person = 1, building = 2 };

// What happened. One happening (a move, say) logs one event per data group it touches.
enum class ChangeKind : std::uint8_t {
  birth,
  death,
  move,
  marriage,
  divorce,
  widowhood,
  name_change,
  immigration,
  emigration,
  disclosure_ban,
  correction,
  building_new,
  building_change,
};

// A field of a data group, by its export name, with its new value as text ("" = cleared).
struct Field {
  std::string name;
  std::string value;
  friend bool operator==(const Field&, const Field&) = default;
};

struct ChangeEvent {
  std::int64_t seq = 0;  // assigned by the store when appended
  Date record_date;      // when the register recorded the change
  Date effective_date;   // when it took effect (a death may be recorded days later)
  SubjectKind subject = SubjectKind::person;
  std::string subject_id;  // HETU or PRT
  ChangeKind kind = ChangeKind::correction;
  DataGroup group = DataGroup::identity;
  std::vector<Field> values;  // the group's values after the change

  friend bool operator==(const ChangeEvent&, const ChangeEvent&) = default;
};

std::string_view to_string(SubjectKind subject);
std::optional<SubjectKind> parse_subject_kind(std::string_view text);
std::string_view to_string(ChangeKind kind);
std::optional<ChangeKind> parse_change_kind(std::string_view text);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_CHANGE_EVENT_H_
