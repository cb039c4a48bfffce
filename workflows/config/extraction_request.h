// An extraction request as a client uploads it (inbox/extraction/*.yaml or *.json; JSON is read
// as the YAML it is a subset of): what to extract (persons or buildings), the criteria, how many
// (all, a sample of n or of a fraction, stratified), which data (a package or data groups),
// when (once, or on a schedule), under which permit. docs/client-guide.md describes the format
// with examples.
//
// Reading checks everything that can be checked without the register or the permit, and
// reports each problem at its file:line:column with why (an unknown municipality, an age range
// the wrong way round, a sample of 0): a request with any error is refused before any data is
// read. Regions and wellbeing services counties become the set of their municipalities here;
// map coordinates (WGS84 latitude and longitude, as GeoJSON writes them: [lon, lat]) become
// ETRS-TM35FIN through `project`, which an adapter provides (PROJ).
#ifndef POPGATE_WORKFLOWS_CONFIG_EXTRACTION_REQUEST_H_
#define POPGATE_WORKFLOWS_CONFIG_EXTRACTION_REQUEST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/data_group.h"
#include "registry/data_package.h"
#include "registry/date.h"
#include "registry/extraction_criteria.h"
#include "registry/permit.h"
#include "registry/reference.h"
#include "workflows/config/diagnostics.h"
#include "workflows/engine/mark.h"

namespace popgate::workflows {

// WGS84 latitude and longitude (degrees) to ETRS-TM35FIN; nullopt when the point cannot be
// transformed (far outside Finland's projection zone).
using GeoProjector = std::function<std::optional<registry::MapPoint>(double lat, double lon)>;

enum class ExtractionUnit { persons, buildings };

// What a stratified sample divides the population by.
enum class StratumKey {
  municipality,
  region,
  wellbeing_county,
  sex,            // persons
  age_group,      // persons: by Stratification::age_bounds
  mother_tongue,  // persons
  use_class,      // buildings: the main class (first two digits)
  heating,        // buildings
};

enum class Allocation { proportional, equal, fixed };

struct Stratification {
  StratumKey by = StratumKey::municipality;
  Allocation allocation = Allocation::proportional;
  std::map<std::string, std::int64_t> sizes;  // fixed: each stratum's n, by its key's text
  // age_group: the lower bounds of the groups, ascending ("0, 18, 30, 65": 0-17, 18-29,
  // 30-64, 65+).
  std::vector<int> age_bounds;
  bool move_shortfall = false;  // a stratum's shortfall goes to the others
  Mark mark;
};

struct SampleSpec {
  std::optional<std::int64_t> n;
  std::optional<double> fraction;     // (0, 1]
  std::optional<std::uint64_t> seed;  // drawn at random when absent, and reported
  std::optional<Stratification> strata;
  Mark mark;
};

struct ExtractionRequest {
  ExtractionUnit unit = ExtractionUnit::persons;
  registry::PersonCriteria persons;
  registry::BuildingCriteria buildings;
  // The criteria as understood, one line per condition, indented by nesting: for the report.
  std::vector<std::string> understood;
  std::optional<registry::Date> reference_date;  // default: the day the job runs
  std::optional<SampleSpec> sample;              // nullopt: every unit that matches
  std::string package;                           // a data package of the configuration
  Mark package_mark;
  std::vector<registry::DataGroup> groups;  // or explicit data groups
  Mark groups_mark;
  std::string permit_id;  // empty: any of the client's permits for the service
  std::optional<std::string> cron;
  std::string timezone = "Europe/Helsinki";
  Mark schedule_mark;
  // Every municipality the criteria name (by themselves or through a region or county), with
  // where: the permit's region is checked against them.
  std::vector<std::pair<std::string, Mark>> municipalities;
  Mark extract_mark;  // where `extract:` is: for refusals of the request as a whole
};

// The columns a request delivers: its package's, or every field of its explicit groups. nullopt
// (and a diagnostic at `data:` or `groups:`) for an unknown package or one of the other unit.
std::optional<registry::DataPackage> requested_package(
    const ExtractionRequest& request,
    const std::function<const registry::DataPackage*(std::string_view name)>& find_package,
    std::string_view file, Diagnostics& out);

// Whether `permit` lets the request ask what it asks, before any data is read: every group of
// `package` granted, the request's population within the permit's (its municipalities named by
// a criterion that every selected unit must meet, its ages likewise), and a permit that covers
// only persons the client holds never searches the register. Each problem is a diagnostic at
// the offending item. Validity, the service and revocation are PermitSet::decide's.
void check_against_permit(const ExtractionRequest& request, const registry::DataPackage& package,
                          const registry::Permit& permit, std::string_view file, Diagnostics& out);

// Reads the request in `text` (the contents of `file`, named in diagnostics). nullopt when it
// has errors (all of them in `out`).
std::optional<ExtractionRequest> read_extraction_request(std::string_view text,
                                                         std::string_view file,
                                                         const registry::ReferenceData& reference,
                                                         const GeoProjector& project,
                                                         Diagnostics& out);

std::string_view to_string(StratumKey key);
std::string_view to_string(Allocation allocation);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_EXTRACTION_REQUEST_H_
