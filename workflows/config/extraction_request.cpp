#include "workflows/config/extraction_request.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>

#include "base/strings.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/config_values.h"
#include "workflows/config/did_you_mean.h"
#include "workflows/config/yaml_loader.h"
#include "workflows/schedule/cron.h"

namespace popgate::workflows {
namespace {

using registry::BuildingCondition;
using registry::BuildingCriteria;
using registry::PersonCondition;
using registry::PersonCriteria;

constexpr std::string_view kTopKeys[] = {"extract", "permit", "reference_date", "criteria",
                                         "sample",  "data",   "groups",         "schedule"};
constexpr std::string_view kPersonFields[] = {"age",
                                              "birth_date",
                                              "sex",
                                              "mother_tongue",
                                              "nationality",
                                              "municipality",
                                              "region",
                                              "wellbeing_county",
                                              "status",
                                              "living",
                                              "postal_code",
                                              "marital_status",
                                              "residence_building",
                                              "area"};
constexpr std::string_view kBuildingFields[] = {
    "use_class",     "completion_year", "municipality", "region",    "wellbeing_county", "floors",
    "floor_area_m2", "apartments",      "heating",      "equipment", "demolished",       "area"};
constexpr std::string_view kStratumKeys[] = {"municipality", "region",    "wellbeing_county",
                                             "sex",          "age_group", "mother_tongue",
                                             "use_class",    "heating"};
// Ages and years a request may name: wide enough for any register, narrow enough to catch
// typos (a year 20225).
constexpr std::int64_t kMaxAge = 150;
constexpr std::int64_t kMinYear = 1000;
constexpr std::int64_t kMaxYear = 2999;
// A sample larger than this is not a sample: ask for everything instead.
constexpr std::int64_t kMaxSample = 10'000'000;

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

// The shortest text that reads back as `value` ("5000", "60.17", "0.25").
std::string format_number(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::string suggestion(std::string_view word, std::span<const std::string_view> candidates) {
  if (const std::optional<std::string> close = did_you_mean(word, candidates))
    return " (did you mean '" + *close + "'?)";
  std::string all;
  for (const std::string_view c : candidates)
    all += (all.empty() ? "" : ", ") + std::string(c);
  return " (one of: " + all + ")";
}

class RequestReader {
 public:
  RequestReader(std::string_view file, const registry::ReferenceData& reference,
                const GeoProjector& project, Diagnostics& out)
      : file_(file), reference_(reference), project_(project), out_(out) {}

  std::optional<ExtractionRequest> read(const ConfigNode& root) {
    if (!check_keys(root, kTopKeys, std::initializer_list<std::string_view>{"extract"}, out_,
                    file_) &&
        !root.is_mapping())
      return std::nullopt;
    read_unit(root);
    if (const ConfigNode* n = root.find("permit")) request_.permit_id = string(*n).value_or("");
    if (const ConfigNode* n = root.find("reference_date")) request_.reference_date = date(*n);
    if (const ConfigNode* n = root.find("criteria")) read_criteria(*n);
    if (const ConfigNode* n = root.find("sample")) read_sample(*n);
    read_data(root);
    if (const ConfigNode* n = root.find("schedule")) read_schedule(*n);
    if (out_.has_errors()) return std::nullopt;
    return std::move(request_);
  }

 private:
  // --- values --------------------------------------------------------------------------
  void error(const ConfigNode& at, std::string message) {
    out_.error(file_, at.mark(), std::move(message));
  }

  std::optional<std::string> string(const ConfigNode& node) { return as_string(node, out_, file_); }

  std::optional<registry::Date> date(const ConfigNode& node) {
    const std::optional<std::string> text = string(node);
    if (!text) return std::nullopt;
    const std::optional<registry::Date> day = registry::Date::parse(*text);
    if (!day || !day->valid()) {
      error(node, "expected a date YYYY-MM-DD, got " + node.describe());
      return std::nullopt;
    }
    return day;
  }

  std::optional<double> number(const ConfigNode& node, double min, double max) {
    const std::optional<double> value =
        node.is_scalar() && !node.quoted() ? parse_number(node.text()) : std::nullopt;
    if (!value) {
      error(node, "expected a number, got " + node.describe());
      return std::nullopt;
    }
    if (*value < min || *value > max) {
      error(node, node.text() + " is out of range (" + format_number(min) + " to " +
                      format_number(max) + ")");
      return std::nullopt;
    }
    return value;
  }

  // {min: A, max: B}, either optional but not both, A <= B.
  std::optional<registry::IntRange> int_range(const ConfigNode& node, std::int64_t lo,
                                              std::int64_t hi) {
    if (!check_keys(node, {"min", "max"}, {}, out_, file_)) return std::nullopt;
    registry::IntRange range;
    if (const ConfigNode* n = node.find("min")) range.min = as_int(*n, lo, hi, out_, file_);
    if (const ConfigNode* n = node.find("max")) range.max = as_int(*n, lo, hi, out_, file_);
    if (!range.min && !range.max) {
      error(node, "give min, max or both");
      return std::nullopt;
    }
    if (range.min && range.max && *range.min > *range.max) {
      error(node, "min " + std::to_string(*range.min) + " is greater than max " +
                      std::to_string(*range.max));
      return std::nullopt;
    }
    return range;
  }

  static std::string describe(const registry::IntRange& range, std::string_view unit) {
    if (range.min && range.max)
      return std::to_string(*range.min) + "-" + std::to_string(*range.max) + std::string(unit);
    if (range.min) return "at least " + std::to_string(*range.min) + std::string(unit);
    return "at most " + std::to_string(*range.max) + std::string(unit);
  }

  // A sequence of scalars, or one scalar standing for a sequence of one.
  std::vector<std::pair<std::string, const ConfigNode*>> list(const ConfigNode& node) {
    std::vector<std::pair<std::string, const ConfigNode*>> items;
    if (node.is_scalar()) {
      items.emplace_back(node.text(), &node);
      return items;
    }
    if (!expect_sequence(node, out_, file_)) return items;
    if (node.items().empty()) error(node, "an empty list matches nothing: name at least one");
    for (const ConfigNode& item : node.items()) {
      if (const std::optional<std::string> text = string(item)) items.emplace_back(*text, &item);
    }
    return items;
  }

  // --- places ----------------------------------------------------------------------------
  const registry::Municipality* municipality_named(const std::string& text) const {
    if (const registry::Municipality* m = reference_.municipality(text)) return m;
    for (const registry::Municipality& m : reference_.municipalities())
      if (m.name_fi == text || m.name_sv == text) return &m;
    return nullptr;
  }

  // municipality, region or wellbeing_county: the set of municipalities, and the names.
  std::optional<registry::MunicipalitySet> places(std::string_view kind, const ConfigNode& node,
                                                  std::string& said) {
    registry::MunicipalitySet set;
    bool ok = true;
    for (const auto& [text, at] : list(node)) {
      std::vector<const registry::Municipality*> members;
      std::string name;
      if (kind == "municipality") {
        const registry::Municipality* m = municipality_named(text);
        if (m == nullptr) {
          error(*at,
                "no municipality " + base::quoted(text) +
                    (text.size() < 3 && !text.empty() &&
                             std::isdigit(static_cast<unsigned char>(text[0]))
                         ? ": codes have 3 digits (write \"" + std::string(3 - text.size(), '0') +
                               text + "\")"
                         : std::string(" (a 3-digit code or the name in Finnish or Swedish)")));
          ok = false;
          continue;
        }
        members.push_back(m);
        name = m->name_fi;
      } else if (kind == "region") {
        const registry::Region* region = nullptr;
        for (const registry::Region& r : reference_.regions())
          if (r.code == text || r.name_fi == text || r.name_sv == text || r.name_en == text)
            region = &r;
        if (region == nullptr) {
          error(*at, "no region " + base::quoted(text) +
                         " (a 2-digit code such as \"01\", or its name)");
          ok = false;
          continue;
        }
        for (const registry::Municipality& m : reference_.municipalities())
          if (m.region == region->code) members.push_back(&m);
        name = region->name_fi;
      } else {
        const registry::WellbeingCounty* county = nullptr;
        for (const registry::WellbeingCounty& c : reference_.wellbeing_counties())
          if (c.code == text || c.name_fi == text || c.name_sv == text) county = &c;
        if (county == nullptr) {
          error(*at, "no wellbeing services county " + base::quoted(text) +
                         " (an id such as \"PI\", \"HKI\" for Helsinki, or its name)");
          ok = false;
          continue;
        }
        for (const registry::Municipality& m : reference_.municipalities())
          if (m.wellbeing_county == county->code) members.push_back(&m);
        name = county->name_fi;
      }
      for (const registry::Municipality* m : members) {
        set.add(m->code);
        request_.municipalities.emplace_back(m->code, at->mark());
      }
      said += (said.empty() ? "" : ", ") + name +
              (kind == "municipality" ? ""
                                      : " (" + std::to_string(members.size()) + " municipalities)");
    }
    if (!ok) return std::nullopt;
    return set;
  }

  // --- the map ---------------------------------------------------------------------------
  std::optional<registry::MapPoint> projected(const ConfigNode& at, double lat, double lon) {
    std::optional<registry::MapPoint> point = project_ ? project_(lat, lon) : std::nullopt;
    if (!point)
      error(at, "latitude " + format_number(lat) + ", longitude " + format_number(lon) +
                    " cannot be placed on the register's map (ETRS-TM35FIN)");
    return point;
  }

  std::optional<registry::MapArea> circle(const ConfigNode& node, std::string& said) {
    if (!check_keys(node, {}, {"lat", "lon", "radius_m"}, out_, file_)) return std::nullopt;
    const std::optional<double> lat = number(*node.find("lat"), -90, 90);
    const std::optional<double> lon = number(*node.find("lon"), -180, 180);
    const std::optional<double> radius = number(*node.find("radius_m"), 1, 2'000'000);
    if (!lat || !lon || !radius) return std::nullopt;
    const std::optional<registry::MapPoint> center = projected(node, *lat, *lon);
    if (!center) return std::nullopt;
    registry::MapArea area;
    area.center = center;
    area.radius_m = *radius;
    said = "within " + format_number(*radius) + " m of " + format_number(*lat) + " N, " +
           format_number(*lon) + " E";
    return area;
  }

  // A GeoJSON Polygon geometry: {type: Polygon, coordinates: [[[lon, lat], ...], ...]}, each
  // ring closed (its last position its first), the first the outside, the others holes.
  std::optional<registry::MapArea> polygon(const ConfigNode& node, std::string& said) {
    if (!check_keys(node, {"type", "coordinates"}, {"type", "coordinates"}, out_, file_))
      return std::nullopt;
    if (string(*node.find("type")).value_or("") != "Polygon") {
      error(*node.find("type"),
            "expected \"Polygon\" (GeoJSON), got " + node.find("type")->describe());
      return std::nullopt;
    }
    const ConfigNode& rings = *node.find("coordinates");
    if (!expect_sequence(rings, out_, file_)) return std::nullopt;
    if (rings.items().empty()) {
      error(rings, "a polygon needs at least its outer ring");
      return std::nullopt;
    }
    registry::MapArea area;
    std::size_t positions = 0;
    for (const ConfigNode& ring : rings.items()) {
      if (!expect_sequence(ring, out_, file_)) return std::nullopt;
      if (ring.items().size() < 4) {
        error(ring, "a ring needs at least 4 positions (the last repeats the first), got " +
                        std::to_string(ring.items().size()));
        return std::nullopt;
      }
      std::vector<registry::MapPoint> points;
      std::vector<std::pair<double, double>> given;
      for (const ConfigNode& position : ring.items()) {
        if (!expect_sequence(position, out_, file_)) return std::nullopt;
        if (position.items().size() != 2) {
          error(position, "a position is [longitude, latitude], got " +
                              std::to_string(position.items().size()) + " numbers");
          return std::nullopt;
        }
        const std::optional<double> lon = number(position.items()[0], -180, 180);
        const std::optional<double> lat = number(position.items()[1], -90, 90);
        if (!lon || !lat) return std::nullopt;
        given.emplace_back(*lon, *lat);
        const std::optional<registry::MapPoint> point = projected(position, *lat, *lon);
        if (!point) return std::nullopt;
        points.push_back(*point);
      }
      if (given.front() != given.back()) {
        error(ring.items().back(),
              "a ring must end where it starts (GeoJSON): the last position repeats the first");
        return std::nullopt;
      }
      points.pop_back();
      positions += points.size();
      area.rings.push_back(std::move(points));
    }
    said =
        "inside a polygon of " + std::to_string(positions) + " corners" +
        (area.rings.size() > 1 ? " with " + std::to_string(area.rings.size() - 1) + " holes" : "");
    return area;
  }

  std::optional<registry::MapArea> map_area(const ConfigNode& node, std::string& said) {
    if (!check_keys(node, {"circle", "polygon"}, {}, out_, file_)) return std::nullopt;
    const ConfigNode* c = node.find("circle");
    const ConfigNode* p = node.find("polygon");
    if ((c == nullptr) == (p == nullptr)) {
      error(node, "give either circle or polygon");
      return std::nullopt;
    }
    return c != nullptr ? circle(*c, said) : polygon(*p, said);
  }

  // --- criteria --------------------------------------------------------------------------
  void note(int depth, const std::string& text) {
    request_.understood.push_back(std::string(static_cast<std::size_t>(depth) * 2, ' ') + text);
  }

  void read_unit(const ConfigNode& root) {
    const ConfigNode* n = root.find("extract");
    if (n == nullptr) return;
    request_.extract_mark = n->mark();
    const std::string unit = string(*n).value_or("");
    if (unit == "persons") {
      request_.unit = ExtractionUnit::persons;
    } else if (unit == "buildings") {
      request_.unit = ExtractionUnit::buildings;
    } else {
      error(*n, "extract: expected persons or buildings, got " + n->describe());
    }
  }

  void read_criteria(const ConfigNode& node) {
    if (request_.unit == ExtractionUnit::persons)
      request_.persons = criteria_node<PersonCondition>(node, 0);
    else
      request_.buildings = criteria_node<BuildingCondition>(node, 0);
  }

  // A mapping: all/any/not with their operands, or conditions (several: all of them).
  template <typename Condition>
  registry::CriteriaNode<Condition> criteria_node(const ConfigNode& node, int depth) {
    using Node = registry::CriteriaNode<Condition>;
    Node result;
    if (!expect_mapping(node, out_, file_)) return result;
    if (node.entries().empty()) {
      error(node, "no criteria here: leave the key out to select every unit");
      return result;
    }
    const bool several = node.entries().size() > 1;
    if (several) note(depth, "all of:");
    for (const ConfigEntry& entry : node.entries()) {
      Node child = criteria_entry<Condition>(entry, depth + (several ? 1 : 0));
      if (!several) return child;
      result.children.push_back(std::move(child));
    }
    return result;
  }

  template <typename Condition>
  registry::CriteriaNode<Condition> criteria_entry(const ConfigEntry& entry, int depth) {
    using Node = registry::CriteriaNode<Condition>;
    const std::string& key = entry.key.text();
    Node result;
    if (key == "all" || key == "any") {
      result.kind = key == "all" ? Node::Kind::all : Node::Kind::any;
      note(depth, key + " of:");
      if (!expect_sequence(entry.value, out_, file_)) return result;
      if (entry.value.items().empty()) error(entry.value, key + " needs at least one criterion");
      for (const ConfigNode& item : entry.value.items())
        result.children.push_back(criteria_node<Condition>(item, depth + 1));
      return result;
    }
    if (key == "not") {
      result.kind = Node::Kind::negation;
      note(depth, "not:");
      result.children.push_back(criteria_node<Condition>(entry.value, depth + 1));
      return result;
    }
    result.kind = Node::Kind::condition;
    std::string said;
    if (std::optional<Condition> c = condition_of<Condition>(key, entry, said)) {
      result.condition = std::move(*c);
      note(depth, key + ": " + said);
    }
    return result;
  }

  template <typename Condition>
  std::optional<Condition> condition_of(const std::string& key, const ConfigEntry& entry,
                                        std::string& said) {
    if constexpr (std::is_same_v<Condition, PersonCondition>) {
      return person_condition(key, entry, said);
    } else {
      return building_condition(key, entry, said);
    }
  }

  std::optional<PersonCondition> person_condition(const std::string& key, const ConfigEntry& entry,
                                                  std::string& said) {
    const ConfigNode& v = entry.value;
    using Field = PersonCondition::Field;
    PersonCondition c;
    if (key == "age") {
      c.field = Field::age;
      const std::optional<registry::IntRange> range = int_range(v, 0, kMaxAge);
      if (!range) return std::nullopt;
      c.range = *range;
      said = describe(*range, " years on the reference date");
    } else if (key == "birth_date") {
      c.field = Field::birth_date;
      if (!check_keys(v, {"from", "to"}, {}, out_, file_)) return std::nullopt;
      if (const ConfigNode* n = v.find("from")) c.dates.from = date(*n);
      if (const ConfigNode* n = v.find("to")) c.dates.to = date(*n);
      if (!c.dates.from && !c.dates.to) {
        error(v, "give from, to or both");
        return std::nullopt;
      }
      if (c.dates.from && c.dates.to && *c.dates.to < *c.dates.from) {
        error(v, "to " + c.dates.to->iso() + " is before from " + c.dates.from->iso());
        return std::nullopt;
      }
      said = (c.dates.from ? "from " + c.dates.from->iso() : std::string()) +
             (c.dates.from && c.dates.to ? " " : "") +
             (c.dates.to ? "to " + c.dates.to->iso() : "");
    } else if (key == "sex") {
      c.field = Field::sex;
      const std::string text = string(v).value_or("");
      const std::optional<registry::Sex> sex = registry::parse_sex(text);
      if (!sex) {
        error(v, "sex: expected male or female, got " + v.describe());
        return std::nullopt;
      }
      c.sex = *sex;
      said = text;
    } else if (key == "mother_tongue" || key == "nationality") {
      c.field = key == "mother_tongue" ? Field::mother_tongue : Field::nationality;
      for (const auto& [text, at] : list(v)) {
        const bool known = key == "mother_tongue" ? reference_.language(text) != nullptr
                                                  : reference_.country(text) != nullptr;
        if (!known) {
          error(*at, "no " + std::string(key == "mother_tongue" ? "language" : "country") + " " +
                         base::quoted(text) +
                         (key == "mother_tongue" ? " (an ISO 639-1 code such as \"fi\")"
                                                 : " (an ISO 3166-1 code such as \"FI\")"));
          continue;
        }
        c.codes.codes.push_back(text);
        said += (said.empty() ? "" : ", ") + text;
      }
      std::sort(c.codes.codes.begin(), c.codes.codes.end());
    } else if (key == "municipality" || key == "region" || key == "wellbeing_county") {
      c.field = Field::municipality;
      std::optional<registry::MunicipalitySet> set = places(key, v, said);
      if (!set) return std::nullopt;
      c.municipalities = *set;
    } else if (key == "status") {
      c.field = Field::life;
      const std::string text = string(v).value_or("");
      if (text == "alive")
        c.life = registry::LifeStatus::alive;
      else if (text == "deceased")
        c.life = registry::LifeStatus::deceased;
      else if (text == "any")
        c.life = registry::LifeStatus::any;
      else {
        error(v, "status: expected alive, deceased or any, got " + v.describe());
        return std::nullopt;
      }
      said = text;
    } else if (key == "living") {
      c.field = Field::residence;
      const std::string text = string(v).value_or("");
      if (text == "finland")
        c.residence = registry::Residence::finland;
      else if (text == "abroad")
        c.residence = registry::Residence::abroad;
      else {
        error(v, "living: expected finland or abroad, got " + v.describe());
        return std::nullopt;
      }
      said = "in " + text;
    } else if (key == "postal_code") {
      c.field = Field::postal_code;
      for (const auto& [text, at] : list(v)) {
        const std::size_t dash = text.find('-');
        std::string low = text.substr(0, dash);
        std::string high = dash == std::string::npos ? low : text.substr(dash + 1);
        const auto five_digits = [](const std::string& s) {
          return s.size() == 5 &&
                 std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        };
        if (!five_digits(low) || !five_digits(high) || high < low) {
          error(*at, "postal code " + base::quoted(text) +
                         ": expected 5 digits or a range \"00100-00990\"");
          continue;
        }
        c.postal_codes.emplace_back(low, high);
        said += (said.empty() ? "" : ", ") + text;
      }
    } else if (key == "marital_status") {
      c.field = Field::marital_status;
      for (const auto& [text, at] : list(v)) {
        const std::optional<registry::MaritalStatus> status = registry::parse_marital_status(text);
        if (!status) {
          error(*at, "no marital status " + base::quoted(text) +
                         " (unmarried, married, divorced, widowed, registered_partnership, "
                         "dissolved_partnership, surviving_partner)");
          continue;
        }
        c.marital.push_back(*status);
        said += (said.empty() ? "" : ", ") + text;
      }
    } else if (key == "residence_building") {
      c.field = Field::building;
      if (!expect_mapping(v, out_, file_)) return std::nullopt;
      if (v.entries().size() != 1) {
        error(v, "residence_building: one building criterion per entry (combine them with all)");
        return std::nullopt;
      }
      std::optional<BuildingCondition> b =
          building_condition(v.entries().front().key.text(), v.entries().front(), said);
      if (!b) return std::nullopt;
      c.building = std::move(*b);
      said = "the home's building: " + v.entries().front().key.text() + " " + said;
    } else if (key == "area") {
      c.field = Field::area;
      std::optional<registry::MapArea> area = map_area(v, said);
      if (!area) return std::nullopt;
      c.area = std::move(*area);
      said = "the home's building " + said;
    } else {
      error(entry.key, "unknown criterion " + base::quoted(key, '\'') + " for persons" +
                           suggestion(key, kPersonFields));
      return std::nullopt;
    }
    return c;
  }

  std::optional<BuildingCondition> building_condition(const std::string& key,
                                                      const ConfigEntry& entry, std::string& said) {
    const ConfigNode& v = entry.value;
    using Field = BuildingCondition::Field;
    BuildingCondition c;
    const auto ranged = [&](Field field, std::int64_t lo, std::int64_t hi,
                            std::string_view unit) -> bool {
      c.field = field;
      const std::optional<registry::IntRange> range = int_range(v, lo, hi);
      if (!range) return false;
      c.range = *range;
      said = describe(*range, unit);
      return true;
    };
    if (key == "use_class") {
      c.field = Field::use_class;
      for (const auto& [text, at] : list(v)) {
        const bool digits =
            !text.empty() && text.size() <= 4 &&
            std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        if (!digits || text.size() < 2) {
          error(*at, "use class " + base::quoted(text) +
                         ": 2 to 4 digits of Rakennusluokitus 2018 (\"01\" residential, \"0110\" "
                         "detached houses)");
          continue;
        }
        if (text.size() == 4)
          c.codes.codes.push_back(text);
        else
          c.prefixes.push_back(text);
        said += (said.empty() ? "" : ", ") + text;
      }
      std::sort(c.codes.codes.begin(), c.codes.codes.end());
    } else if (key == "completion_year") {
      if (!ranged(Field::completion_year, kMinYear, kMaxYear, "")) return std::nullopt;
    } else if (key == "floors") {
      if (!ranged(Field::floors, 0, 200, " floors")) return std::nullopt;
    } else if (key == "floor_area_m2") {
      if (!ranged(Field::floor_area_m2, 0, 10'000'000, " m2")) return std::nullopt;
    } else if (key == "apartments") {
      if (!ranged(Field::apartments, 0, 100'000, " apartments")) return std::nullopt;
    } else if (key == "municipality" || key == "region" || key == "wellbeing_county") {
      c.field = Field::municipality;
      std::optional<registry::MunicipalitySet> set = places(key, v, said);
      if (!set) return std::nullopt;
      c.municipalities = *set;
    } else if (key == "heating") {
      c.field = Field::heating;
      for (const auto& [text, at] : list(v)) {
        const std::optional<registry::Heating> heating = registry::parse_heating(text);
        if (!heating) {
          error(*at, "no heating " + base::quoted(text));
          continue;
        }
        c.heating.push_back(*heating);
        said += (said.empty() ? "" : ", ") + text;
      }
    } else if (key == "equipment") {
      c.field = Field::equipment;
      for (const auto& [text, at] : list(v)) {
        const std::optional<registry::Equipment> item = registry::parse_equipment(text);
        if (!item) {
          error(*at, "no equipment " + base::quoted(text));
          continue;
        }
        c.equipment |= *item;
        said += (said.empty() ? "all of " : ", ") + text;
      }
    } else if (key == "demolished") {
      c.field = Field::demolished;
      const std::optional<bool> flag = as_bool(v, out_, file_);
      if (!flag) return std::nullopt;
      c.flag = *flag;
      said = *flag ? "demolished" : "standing";
    } else if (key == "area") {
      c.field = Field::area;
      std::optional<registry::MapArea> area = map_area(v, said);
      if (!area) return std::nullopt;
      c.area = std::move(*area);
    } else {
      error(entry.key, "unknown criterion " + base::quoted(key, '\'') + " for buildings" +
                           suggestion(key, kBuildingFields));
      return std::nullopt;
    }
    return c;
  }

  // --- how many, which data, when -------------------------------------------------------
  void read_sample(const ConfigNode& node) {
    if (!check_keys(node, {"n", "fraction", "seed", "stratify"}, {}, out_, file_)) return;
    SampleSpec sample;
    sample.mark = node.mark();
    if (const ConfigNode* n = node.find("n")) sample.n = as_int(*n, 1, kMaxSample, out_, file_);
    if (const ConfigNode* n = node.find("fraction")) {
      sample.fraction = number(*n, 0, 1);
      if (sample.fraction && *sample.fraction <= 0) {
        error(*n, "a fraction of 0 selects nothing: give a fraction above 0, at most 1");
        sample.fraction.reset();
      }
    }
    if (const ConfigNode* n = node.find("seed"))
      sample.seed = static_cast<std::uint64_t>(as_int(*n, 0, INT64_MAX, out_, file_).value_or(0));
    const bool has_n = node.find("n") != nullptr, has_fraction = node.find("fraction") != nullptr;
    if (const ConfigNode* n = node.find("stratify")) sample.strata = stratification(*n, has_n);
    const bool fixed = sample.strata && sample.strata->allocation == Allocation::fixed;
    if (has_n == has_fraction && !fixed) error(node, "give either n or fraction");
    if (fixed && (has_n || has_fraction))
      error(node,
            "a fixed allocation gives each stratum's size in stratify.sizes: leave out n and "
            "fraction");
    request_.sample = std::move(sample);
  }

  std::optional<Stratification> stratification(const ConfigNode& node, bool has_n) {
    if (!check_keys(node, {"by", "allocation", "sizes", "age_groups", "move_shortfall"}, {"by"},
                    out_, file_))
      return std::nullopt;
    (void)has_n;
    Stratification s;
    s.mark = node.mark();
    const ConfigNode& by = *node.find("by");
    const std::string key = string(by).value_or("");
    const std::optional<StratumKey> parsed = stratum_key(key);
    if (!parsed) {
      error(by, "cannot stratify by " + base::quoted(key, '\'') + suggestion(key, kStratumKeys));
      return std::nullopt;
    }
    s.by = *parsed;
    const bool for_persons = s.by == StratumKey::sex || s.by == StratumKey::age_group ||
                             s.by == StratumKey::mother_tongue;
    const bool for_buildings = s.by == StratumKey::use_class || s.by == StratumKey::heating;
    if ((request_.unit == ExtractionUnit::persons && for_buildings) ||
        (request_.unit == ExtractionUnit::buildings && for_persons))
      error(by,
            "cannot stratify " +
                std::string(request_.unit == ExtractionUnit::persons ? "persons" : "buildings") +
                " by " + key);
    if (const ConfigNode* n = node.find("allocation")) {
      const std::string text = string(*n).value_or("");
      if (text == "proportional")
        s.allocation = Allocation::proportional;
      else if (text == "equal")
        s.allocation = Allocation::equal;
      else if (text == "fixed")
        s.allocation = Allocation::fixed;
      else
        error(*n, "allocation: expected proportional, equal or fixed, got " + n->describe());
    }
    if (const ConfigNode* n = node.find("sizes")) {
      if (s.allocation != Allocation::fixed) error(*n, "sizes are for allocation: fixed");
      if (expect_mapping(*n, out_, file_)) {
        for (const ConfigEntry& e : n->entries())
          if (const std::optional<std::int64_t> size = as_int(e.value, 0, kMaxSample, out_, file_))
            s.sizes[e.key.text()] = *size;
      }
    } else if (s.allocation == Allocation::fixed) {
      error(node, "allocation fixed needs sizes: each stratum and its n");
    }
    if (const ConfigNode* n = node.find("age_groups")) {
      if (s.by != StratumKey::age_group) error(*n, "age_groups are for by: age_group");
      if (expect_sequence(*n, out_, file_)) {
        for (const ConfigNode& item : n->items()) {
          const std::optional<std::int64_t> bound = as_int(item, 0, kMaxAge, out_, file_);
          if (!bound) continue;
          if (!s.age_bounds.empty() && *bound <= s.age_bounds.back())
            error(item, "age groups' lower bounds must ascend");
          s.age_bounds.push_back(static_cast<int>(*bound));
        }
      }
    } else if (s.by == StratumKey::age_group) {
      error(node, "by age_group needs age_groups: the groups' lower bounds, e.g. [0, 18, 30, 65]");
    }
    if (const ConfigNode* n = node.find("move_shortfall"))
      s.move_shortfall = as_bool(*n, out_, file_).value_or(false);
    return s;
  }

  static std::optional<StratumKey> stratum_key(std::string_view text) {
    for (const StratumKey key :
         {StratumKey::municipality, StratumKey::region, StratumKey::wellbeing_county,
          StratumKey::sex, StratumKey::age_group, StratumKey::mother_tongue, StratumKey::use_class,
          StratumKey::heating})
      if (to_string(key) == text) return key;
    return std::nullopt;
  }

  void read_data(const ConfigNode& root) {
    const ConfigNode* package = root.find("data");
    const ConfigNode* groups = root.find("groups");
    if ((package == nullptr) == (groups == nullptr)) {
      error(root,
            "give either data (a data package, e.g. data: contact) or groups (a list of data "
            "groups)");
      return;
    }
    if (package != nullptr) {
      request_.package = string(*package).value_or("");
      request_.package_mark = package->mark();
      return;
    }
    request_.groups_mark = groups->mark();
    for (const auto& [text, at] : list(*groups)) {
      const std::optional<registry::DataGroup> group = registry::parse_data_group(text);
      if (!group) {
        error(*at, "no data group " + base::quoted(text));
        continue;
      }
      request_.groups.push_back(*group);
    }
  }

  void read_schedule(const ConfigNode& node) {
    if (!check_keys(node, {"cron", "timezone"}, {"cron"}, out_, file_)) return;
    request_.schedule_mark = node.mark();
    const ConfigNode& cron = *node.find("cron");
    const std::string text = string(cron).value_or("");
    const CronParse parsed = CronSchedule::parse(text);
    if (!parsed.schedule) {
      error(cron, "cron " + base::quoted(text) + ": " + parsed.error);
      return;
    }
    request_.cron = text;
    if (const ConfigNode* tz = node.find("timezone"))
      request_.timezone = string(*tz).value_or(request_.timezone);
  }

  std::string_view file_;
  const registry::ReferenceData& reference_;
  const GeoProjector& project_;
  Diagnostics& out_;
  ExtractionRequest request_;
};

// The conditions every selected unit meets: the top level's, and those of a top-level all.
std::vector<const PersonCondition*> conjuncts(const PersonCriteria& criteria) {
  std::vector<const PersonCondition*> out;
  if (criteria.kind == PersonCriteria::Kind::condition) {
    out.push_back(&criteria.condition);
  } else if (criteria.kind == PersonCriteria::Kind::all) {
    for (const PersonCriteria& child : criteria.children) {
      const std::vector<const PersonCondition*> inner = conjuncts(child);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  }
  return out;
}

std::string age_text(const std::optional<int>& min, const std::optional<int>& max) {
  return (min ? std::to_string(*min) : std::string("0")) + "-" +
         (max ? std::to_string(*max) : std::string());
}

void check_population(const ExtractionRequest& request, const registry::Permit& permit,
                      std::string_view file, Diagnostics& out) {
  const registry::PopulationRestriction& population = permit.population;
  const std::vector<const PersonCondition*> every = conjuncts(request.persons);
  if (!population.municipalities.empty()) {
    const bool restricted = std::any_of(every.begin(), every.end(), [](const PersonCondition* c) {
      return c->field == PersonCondition::Field::municipality;
    });
    if (!restricted) {
      out.error(file, request.extract_mark,
                "permit " + permit.id + " covers only the municipalities " +
                    base::join(population.municipalities, ", ") +
                    ": the criteria must select within them (municipality, region or "
                    "wellbeing_county, not under any or not)");
    }
    for (const auto& [code, mark] : request.municipalities) {
      if (std::find(population.municipalities.begin(), population.municipalities.end(), code) ==
          population.municipalities.end()) {
        out.error(file, mark,
                  "municipality " + code + " is outside permit " + permit.id + " (it covers " +
                      base::join(population.municipalities, ", ") + ")");
        break;  // one line per place named: a region would repeat it for each municipality
      }
    }
  }
  if (population.min_age || population.max_age) {
    const auto within = [&population](const PersonCondition* c) {
      return c->field == PersonCondition::Field::age &&
             (!population.min_age || (c->range.min && *c->range.min >= *population.min_age)) &&
             (!population.max_age || (c->range.max && *c->range.max <= *population.max_age));
    };
    if (std::none_of(every.begin(), every.end(), within)) {
      out.error(file, request.extract_mark,
                "permit " + permit.id + " covers ages " +
                    age_text(population.min_age, population.max_age) +
                    " only: the criteria must select an age range within it");
    }
  }
}

}  // namespace

std::optional<registry::DataPackage> requested_package(
    const ExtractionRequest& request,
    const std::function<const registry::DataPackage*(std::string_view name)>& find_package,
    std::string_view file, Diagnostics& out) {
  const registry::PackageUnit unit = request.unit == ExtractionUnit::persons
                                         ? registry::PackageUnit::persons
                                         : registry::PackageUnit::buildings;
  if (!request.package.empty()) {
    const registry::DataPackage* package = find_package ? find_package(request.package) : nullptr;
    if (package == nullptr) {
      out.error(file, request.package_mark, "no data package " + base::quoted(request.package));
      return std::nullopt;
    }
    if (package->unit() != unit) {
      out.error(file, request.package_mark,
                "data package " + request.package + " is for " +
                    (package->unit() == registry::PackageUnit::persons ? "persons" : "buildings"));
      return std::nullopt;
    }
    return *package;
  }
  // Explicit groups: every field of each, in the register's own names.
  std::vector<std::string> columns;
  for (const std::string& column : registry::package_columns(unit)) {
    const std::size_t dot = column.find('.');
    if (dot == std::string::npos) continue;  // derived values come only in packages
    const std::optional<registry::DataGroup> group =
        registry::parse_data_group(column.substr(0, dot));
    if (group &&
        std::find(request.groups.begin(), request.groups.end(), *group) != request.groups.end())
      columns.push_back(column);
  }
  std::string problem;
  std::optional<registry::DataPackage> package =
      registry::DataPackage::make("groups", unit, columns, &problem);
  if (!package)
    out.error(file, request.groups_mark,
              "these groups hold no data of " +
                  std::string(unit == registry::PackageUnit::persons ? "persons" : "buildings"));
  return package;
}

void check_against_permit(const ExtractionRequest& request, const registry::DataPackage& package,
                          const registry::Permit& permit, std::string_view file, Diagnostics& out) {
  const Mark data_mark = request.package.empty() ? request.groups_mark : request.package_mark;
  std::vector<std::string> missing;
  for (const registry::DataGroup group : package.groups())
    if (!permit.grants(group)) missing.emplace_back(registry::to_string(group));
  if (!missing.empty()) {
    out.error(file, data_mark,
              "permit " + permit.id + " does not grant the data group" +
                  (missing.size() > 1 ? "s " : " ") + base::join(missing, ", ") +
                  (request.package.empty() ? "" : " (of data package " + request.package + ")"));
  }
  if (request.unit != ExtractionUnit::persons) return;
  if (permit.population.only_held_persons) {
    out.error(file, request.extract_mark,
              "permit " + permit.id +
                  " covers only persons the client identifies itself: it allows no search of "
                  "the register");
    return;
  }
  check_population(request, permit, file, out);
}

std::string_view to_string(StratumKey key) {
  switch (key) {
    case StratumKey::municipality:
      return "municipality";
    case StratumKey::region:
      return "region";
    case StratumKey::wellbeing_county:
      return "wellbeing_county";
    case StratumKey::sex:
      return "sex";
    case StratumKey::age_group:
      return "age_group";
    case StratumKey::mother_tongue:
      return "mother_tongue";
    case StratumKey::use_class:
      return "use_class";
    case StratumKey::heating:
      return "heating";
  }
  return "municipality";
}

std::string_view to_string(Allocation allocation) {
  switch (allocation) {
    case Allocation::proportional:
      return "proportional";
    case Allocation::equal:
      return "equal";
    case Allocation::fixed:
      return "fixed";
  }
  return "proportional";
}

std::optional<ExtractionRequest> read_extraction_request(std::string_view text,
                                                         std::string_view file,
                                                         const registry::ReferenceData& reference,
                                                         const GeoProjector& project,
                                                         Diagnostics& out) {
  const std::optional<ConfigNode> root = parse_yaml(text, file, out);
  if (!root) return std::nullopt;
  return RequestReader(file, reference, project, out).read(*root);
}

}  // namespace popgate::workflows
