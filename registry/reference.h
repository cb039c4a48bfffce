// The open reference data popgate ships (config/reference/, compiled into the binary):
// municipalities with their region (maakunta) and wellbeing services county (hyvinvointialue),
// languages, countries and Finnish name frequencies.
#ifndef POPGATE_REGISTRY_REFERENCE_H_
#define POPGATE_REGISTRY_REFERENCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/person.h"

namespace popgate::registry {

struct Municipality {
  std::string code;  // 3 digits
  std::string name_fi;
  std::string name_sv;
  std::int64_t population = 0;   // end of 2020, the weight of synthesis
  std::string wellbeing_county;  // e.g. "PI"; "HKI" for Helsinki, "AHV" for Åland
  std::string region;            // the region's 2-digit code ("06"), from the county
};

// A region (maakunta).
struct Region {
  std::string code;  // 2 digits: "01" Uusimaa ... "21" Ahvenanmaa
  std::string name_fi;
  std::string name_sv;
  std::string name_en;
};

// A wellbeing services county (hyvinvointialue), or Helsinki, which arranges the same services
// itself. Åland has none.
struct WellbeingCounty {
  std::string code;  // "PI"; "HKI" for Helsinki
  std::string name_fi;
  std::string name_sv;
  std::string region;  // the region it lies in: each county is one region or a part of Uusimaa
};

// A language (ISO 639-1) or country (ISO 3166-1 alpha-2) with its names.
struct CodeName {
  std::string code;
  std::string name_fi;
  std::string name_sv;
  std::string name_en;
};

struct NameCount {
  std::string name;
  std::int64_t count = 0;
};

class ReferenceData {
 public:
  // The data compiled into the binary, parsed once (thread-safe).
  static const ReferenceData& embedded();

  // Parses one semicolon-separated table; throws std::runtime_error "FILE:LINE: why".
  static ReferenceData parse(std::string_view (*read)(std::string_view file));

  const std::vector<Municipality>& municipalities() const { return municipalities_; }
  const Municipality* municipality(std::string_view code) const;
  const std::vector<Region>& regions() const { return regions_; }
  const Region* region(std::string_view code) const;
  const std::vector<WellbeingCounty>& wellbeing_counties() const { return counties_; }
  const WellbeingCounty* wellbeing_county(std::string_view code) const;
  const std::vector<CodeName>& languages() const { return languages_; }
  const CodeName* language(std::string_view code) const;
  const std::vector<CodeName>& countries() const { return countries_; }
  const CodeName* country(std::string_view code) const;

  // Name frequencies: given names as first or as other given name, by sex; surnames.
  const std::vector<NameCount>& first_names(Sex sex, bool as_first) const;
  const std::vector<NameCount>& surnames() const { return surnames_; }

 private:
  std::vector<Municipality> municipalities_;
  std::vector<Region> regions_;
  std::vector<WellbeingCounty> counties_;
  std::vector<CodeName> languages_;
  std::vector<CodeName> countries_;
  std::vector<NameCount> male_first_, male_other_, female_first_, female_other_;
  std::vector<NameCount> surnames_;
};

// The raw bytes of an embedded reference file ("municipalities.csv", "names/surnames.csv").
// Defined in the generated reference_data.cpp; empty for an unknown name.
std::string_view embedded_reference(std::string_view name);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_REFERENCE_H_
