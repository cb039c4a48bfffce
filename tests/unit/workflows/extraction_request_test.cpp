// Reading a client's extraction request (YAML or JSON): the criteria tree it means, regions as
// their municipalities, areas on the map through PROJ, how many and which data; and for every
// kind of mistake one error at the line and column of the offending item, saying why.
#include "workflows/config/extraction_request.h"

#include <gtest/gtest.h>

#include "adapters/geo/geo_projection.h"

namespace popgate::workflows {
namespace {

using registry::BuildingCondition;
using registry::PersonCondition;
using registry::PersonCriteria;

class ExtractionRequestTest : public ::testing::Test {
 protected:
  std::optional<ExtractionRequest> read(std::string_view text) {
    diagnostics_ = Diagnostics();
    return read_extraction_request(text, "order.yaml", registry::ReferenceData::embedded(),
                                   projector_, diagnostics_);
  }
  // The only error's text, "order.yaml:L:C: error: ..."; a test failure when not exactly one.
  std::string error_of(std::string_view text) {
    const std::optional<ExtractionRequest> request = read(text);
    EXPECT_FALSE(request) << "read although wrong";
    const std::vector<Diagnostic> all = diagnostics_.sorted();
    EXPECT_EQ(all.size(), 1u) << format_text(all);
    return all.empty() ? "" : format_text(all.front());
  }

  geo::EtrsTm35Fin projection_;
  GeoProjector projector_ = [this](double lat, double lon) { return projection_.to_map(lat, lon); };
  Diagnostics diagnostics_;
};

constexpr char kYoungAdults[] = R"(extract: persons
permit: DVV/12/2026
reference_date: 2026-12-31
criteria:
  all:
    - age: {min: 18, max: 29}
    - region: ["01"]
    - mother_tongue: [sv, fi]
    - not: {sex: male}
    - residence_building: {use_class: ["01"]}
sample:
  n: 10000
  seed: 42
  stratify: {by: municipality, allocation: proportional}
data: contact
schedule: {cron: "0 6 1 * *"}
)";

TEST_F(ExtractionRequestTest, ARequestBecomesTheCriteriaItMeans) {
  const std::optional<ExtractionRequest> request = read(kYoungAdults);
  ASSERT_TRUE(request) << format_text(diagnostics_.sorted());
  EXPECT_EQ(request->unit, ExtractionUnit::persons);
  EXPECT_EQ(request->permit_id, "DVV/12/2026");
  EXPECT_EQ(request->reference_date, (registry::Date{2026, 12, 31}));
  ASSERT_EQ(request->persons.kind, PersonCriteria::Kind::all);
  ASSERT_EQ(request->persons.children.size(), 5u);
  const PersonCondition& region = request->persons.children[1].condition;
  EXPECT_EQ(region.field, PersonCondition::Field::municipality);
  EXPECT_TRUE(region.municipalities.contains("091"));
  EXPECT_FALSE(region.municipalities.contains("837"));
  EXPECT_EQ(request->persons.children[2].condition.codes.codes,
            (std::vector<std::string>{"fi", "sv"}));
  EXPECT_EQ(request->persons.children[3].kind, PersonCriteria::Kind::negation);
  EXPECT_EQ(request->persons.children[4].condition.building.prefixes,
            (std::vector<std::string>{"01"}));
  EXPECT_EQ(request->understood,
            (std::vector<std::string>{"all of:", "  age: 18-29 years on the reference date",
                                      "  region: Uusimaa (26 municipalities)",
                                      "  mother_tongue: sv, fi", "  not:", "    sex: male",
                                      "  residence_building: the home's building: use_class 01"}));
  ASSERT_TRUE(request->sample);
  EXPECT_EQ(request->sample->n, 10000);
  EXPECT_EQ(request->sample->seed, 42u);
  ASSERT_TRUE(request->sample->strata);
  EXPECT_EQ(request->sample->strata->by, StratumKey::municipality);
  EXPECT_EQ(request->package, "contact");
  EXPECT_EQ(request->cron, "0 6 1 * *");
  // Every municipality named, with where, for the permit's region check.
  EXPECT_EQ(request->municipalities.size(), 26u);
  EXPECT_EQ(request->municipalities.front().second.line, 7);
}

TEST_F(ExtractionRequestTest, JsonIsReadAsWell) {
  const std::optional<ExtractionRequest> request = read(R"({
  "extract": "buildings",
  "criteria": {"use_class": ["01"], "completion_year": {"max": 1959}, "municipality": ["853"]},
  "groups": ["building"]
})");
  ASSERT_TRUE(request) << format_text(diagnostics_.sorted());
  EXPECT_EQ(request->unit, ExtractionUnit::buildings);
  ASSERT_EQ(request->buildings.children.size(), 3u);
  EXPECT_EQ(request->buildings.children[1].condition.field,
            BuildingCondition::Field::completion_year);
  EXPECT_FALSE(request->sample) << "no sample: every unit that matches";
  EXPECT_EQ(request->groups, (std::vector<registry::DataGroup>{registry::DataGroup::building}));
}

// A GeoJSON polygon in WGS84 ([lon, lat]) around Helsinki cathedral holds the cathedral's
// ETRS-TM35FIN point (386377.9 E, 6672128.0 N) and not one 2 km away.
TEST_F(ExtractionRequestTest, AnAreaOnTheMapArrivesInTheRegistersCoordinates) {
  const std::optional<ExtractionRequest> request = read(R"(extract: buildings
criteria:
  area:
    polygon:
      type: Polygon
      coordinates: [[[24.94, 60.165], [24.965, 60.165], [24.965, 60.175], [24.94, 60.175], [24.94, 60.165]]]
groups: [building]
)");
  ASSERT_TRUE(request) << format_text(diagnostics_.sorted());
  const registry::MapArea& area = request->buildings.condition.area;
  EXPECT_TRUE(area.contains({386377.9, 6672128.0}));
  EXPECT_FALSE(area.contains({388377.9, 6672128.0}));
  EXPECT_EQ(request->understood, (std::vector<std::string>{"area: inside a polygon of 4 corners"}));
  const std::optional<ExtractionRequest> circle = read(R"(extract: persons
criteria: {area: {circle: {lat: 60.1702, lon: 24.9522, radius_m: 500}}}
data: contact
)");
  ASSERT_TRUE(circle) << format_text(diagnostics_.sorted());
  EXPECT_NEAR(circle->persons.condition.area.center->east, 386377.9, 0.5);
}

TEST_F(ExtractionRequestTest, EachMistakeIsReportedWhereItIsAndWhy) {
  EXPECT_EQ(error_of("extract: persons\ncriteria:\n  age: {min: 30, max: 18}\ndata: contact\n"),
            "order.yaml:3:8: error: min 30 is greater than max 18");
  EXPECT_EQ(error_of("extract: persons\ncriteria:\n  agee: {min: 30}\ndata: contact\n"),
            "order.yaml:3:3: error: unknown criterion 'agee' for persons (did you mean 'age'?)");
  EXPECT_EQ(error_of("extract: persons\ncriteria:\n  municipality: [91]\ndata: contact\n"),
            "order.yaml:3:18: error: no municipality \"91\": codes have 3 digits (write "
            "\"091\")");
  EXPECT_EQ(error_of("extract: persons\ncriteria:\n  region: [Uusima]\ndata: contact\n"),
            "order.yaml:3:12: error: no region \"Uusima\" (a 2-digit code such as \"01\", or its "
            "name)");
  EXPECT_EQ(error_of("extract: persons\ncriteria:\n  mother_tongue: [xx]\ndata: contact\n"),
            "order.yaml:3:19: error: no language \"xx\" (an ISO 639-1 code such as \"fi\")");
  EXPECT_EQ(error_of("extract: persons\ndata: contact\nsample: {seed: 1}\n"),
            "order.yaml:3:9: error: give either n or fraction");
  EXPECT_EQ(error_of("extract: persons\ndata: contact\nsample: {fraction: 0}\n"),
            "order.yaml:3:20: error: a fraction of 0 selects nothing: give a fraction above 0, "
            "at most 1");
  EXPECT_EQ(error_of("extract: persons\ndata: contact\nsample: {n: 5, stratify: {by: heating}}\n"),
            "order.yaml:3:31: error: cannot stratify persons by heating");
  EXPECT_EQ(error_of("extract: persons\ndata: contact\n"
                     "sample: {stratify: {by: sex, allocation: fixed}}\n"),
            "order.yaml:3:20: error: allocation fixed needs sizes: each stratum and its n");
  EXPECT_EQ(error_of("extract: persons\n"),
            "order.yaml:1:1: error: give either data (a data package, e.g. data: contact) or "
            "groups (a list of data groups)");
  EXPECT_EQ(error_of("extract: persons\ngroups: [names, adress]\n"),
            "order.yaml:2:17: error: no data group \"adress\"");
  EXPECT_EQ(error_of("extract: people\ndata: contact\n"),
            "order.yaml:1:10: error: extract: expected persons or buildings, got 'people'");
  EXPECT_EQ(error_of("extract: persons\ndata: contact\nschedule: {cron: \"0 25 * * *\"}\n"),
            "order.yaml:3:18: error: cron \"0 25 * * *\": hour: 25 is out of range 0-23");
  EXPECT_EQ(error_of("extract: buildings\ngroups: [building]\ncriteria:\n  area:\n    polygon:\n"
                     "      type: Polygon\n"
                     "      coordinates: [[[24.9, 60.1], [25.0, 60.1], [25.0, 60.2], [24.9, "
                     "60.3]]]\n"),
            "order.yaml:7:64: error: a ring must end where it starts (GeoJSON): the last "
            "position repeats the first");
  EXPECT_EQ(error_of("extract: persons\ndata: contact\n"
                     "criteria: {area: {circle: {lat: 48.85, lon: 2.35, radius_m: 100}}}\n"),
            "order.yaml:3:27: error: latitude 48.85, longitude 2.35 cannot be placed on the "
            "register's map (ETRS-TM35FIN)");
}

registry::Permit permit_granting(std::vector<registry::DataGroup> groups) {
  registry::Permit permit;
  permit.id = "DVV/7/2026";
  permit.services = {registry::Service::extraction};
  permit.data_groups = std::move(groups);
  return permit;
}

const registry::DataPackage* shipped(std::string_view name) {
  static const registry::DataPackage kContact = *registry::DataPackage::make(
      "contact", registry::PackageUnit::persons,
      {"names.first_names", "names.last_name", "permanent_address.street"}, nullptr);
  static const registry::DataPackage kBuildings = *registry::DataPackage::make(
      "buildings_basic", registry::PackageUnit::buildings, {"building.prt"}, nullptr);
  if (name == "contact") return &kContact;
  if (name == "buildings_basic") return &kBuildings;
  return nullptr;
}

// What the permit allows is checked before any data is read, each refusal where the request
// asks too much.
TEST_F(ExtractionRequestTest, ARequestAskingMoreThanThePermitAllowsIsRefusedWhereItAsks) {
  const auto refusals = [&](std::string_view text, const registry::Permit& permit) {
    const std::optional<ExtractionRequest> request = read(text);
    EXPECT_TRUE(request) << format_text(diagnostics_.sorted());
    if (!request) return std::string();
    Diagnostics out;
    const std::optional<registry::DataPackage> package =
        requested_package(*request, shipped, "order.yaml", out);
    if (package) check_against_permit(*request, *package, permit, "order.yaml", out);
    return format_text(out.sorted());
  };
  const registry::Permit names_only = permit_granting({registry::DataGroup::names});
  EXPECT_EQ(refusals("extract: persons\ndata: contact\n", names_only),
            "order.yaml:2:7: error: permit DVV/7/2026 does not grant the data group "
            "permanent_address (of data package contact)\n");
  EXPECT_EQ(refusals("extract: persons\ngroups: [names]\n", names_only), "");

  registry::Permit helsinki = permit_granting({registry::DataGroup::names});
  helsinki.population.municipalities = {"091"};
  EXPECT_EQ(refusals("extract: persons\ngroups: [names]\n", helsinki),
            "order.yaml:1:10: error: permit DVV/7/2026 covers only the municipalities 091: the "
            "criteria must select within them (municipality, region or wellbeing_county, not "
            "under any or not)\n");
  EXPECT_EQ(refusals("extract: persons\ngroups: [names]\ncriteria: {municipality: [Helsinki]}\n",
                     helsinki),
            "");
  EXPECT_EQ(
      refusals("extract: persons\ngroups: [names]\ncriteria:\n  region: [\"01\"]\n", helsinki),
      "order.yaml:4:12: error: municipality 018 is outside permit DVV/7/2026 (it covers "
      "091)\n");

  registry::Permit adults = permit_granting({registry::DataGroup::names});
  adults.population.min_age = 18;
  EXPECT_EQ(
      refusals("extract: persons\ngroups: [names]\ncriteria: {age: {min: 18, max: 29}}\n", adults),
      "");
  EXPECT_EQ(refusals("extract: persons\ngroups: [names]\n"
                     "criteria: {any: [{age: {min: 18}}, {sex: male}]}\n",
                     adults),
            "order.yaml:1:10: error: permit DVV/7/2026 covers ages 18- only: the criteria must "
            "select an age range within it\n");

  registry::Permit held = permit_granting({registry::DataGroup::names});
  held.population.only_held_persons = true;
  EXPECT_EQ(refusals("extract: persons\ngroups: [names]\n", held),
            "order.yaml:1:10: error: permit DVV/7/2026 covers only persons the client identifies "
            "itself: it allows no search of the register\n");
}

TEST_F(ExtractionRequestTest, APackageMustExistAndBeForTheUnitExtracted) {
  const auto problem = [&](std::string_view text) {
    const std::optional<ExtractionRequest> request = read(text);
    EXPECT_TRUE(request) << format_text(diagnostics_.sorted());
    Diagnostics out;
    if (request) requested_package(*request, shipped, "order.yaml", out);
    return format_text(out.sorted());
  };
  EXPECT_EQ(problem("extract: persons\ndata: contacts\n"),
            "order.yaml:2:7: error: no data package \"contacts\"\n");
  EXPECT_EQ(problem("extract: persons\ndata: buildings_basic\n"),
            "order.yaml:2:7: error: data package buildings_basic is for buildings\n");
  const std::optional<ExtractionRequest> request = read("extract: persons\ngroups: [death]\n");
  ASSERT_TRUE(request);
  Diagnostics out;
  const std::optional<registry::DataPackage> package =
      requested_package(*request, shipped, "order.yaml", out);
  ASSERT_TRUE(package);
  EXPECT_EQ(package->column_names(), (std::vector<std::string>{"death.death_date"}));
}

}  // namespace
}  // namespace popgate::workflows
