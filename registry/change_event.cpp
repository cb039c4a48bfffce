#include "registry/change_event.h"

#include "registry/enum_names.h"

namespace popgate::registry {
namespace {

template <typename E>
using P = std::pair<E, std::string_view>;
constexpr auto kSubjects = make_enum_names<SubjectKind>(P<SubjectKind>{SubjectKind::person, "person"},
                                                        P<SubjectKind>{SubjectKind::building, "building"});
using K = ChangeKind;
constexpr auto kKinds = make_enum_names<K>(
    P<K>{K::birth, "birth"}, P<K>{K::death, "death"}, P<K>{K::move, "move"},
    P<K>{K::marriage, "marriage"}, P<K>{K::divorce, "divorce"}, P<K>{K::widowhood, "widowhood"},
    P<K>{K::name_change, "name_change"}, P<K>{K::immigration, "immigration"},
    P<K>{K::emigration, "emigration"}, P<K>{K::disclosure_ban, "disclosure_ban"},
    P<K>{K::correction, "correction"}, P<K>{K::building_new, "building_new"},
    P<K>{K::building_change, "building_change"});

}  // namespace

std::string_view to_string(SubjectKind subject) { return kSubjects.name(subject); }
std::optional<SubjectKind> parse_subject_kind(std::string_view text) { return kSubjects.parse(text); }
std::string_view to_string(ChangeKind kind) { return kKinds.name(kind); }
std::optional<ChangeKind> parse_change_kind(std::string_view text) { return kKinds.parse(text); }

}  // namespace popgate::registry
