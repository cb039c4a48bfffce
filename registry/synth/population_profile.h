// The statistical profile of Finland's population that synthesis reproduces: age and sex
// structure, mother tongues and where they are spoken, household shapes, disclosure bans and
// the yearly rates of change. Figures are public Statistics Finland / DVV orders of magnitude
// (2023-2024), rounded; they are targets for realism, not official statistics.
#ifndef POPGATE_REGISTRY_SYNTH_POPULATION_PROFILE_H_
#define POPGATE_REGISTRY_SYNTH_POPULATION_PROFILE_H_

#include <array>
#include <string_view>

namespace popgate::registry::profile {

// Living residents by five-year age band (0-4 ... 95-99, 100+), thousands, end of 2023.
struct AgeBand {
  int from_age;
  double males;
  double females;
};
extern const std::array<AgeBand, 21> kAgePyramid;

// National mother-tongue shares that synthesis targets.
constexpr double kFinnishShare = 0.86;
constexpr double kSwedishShare = 0.05;
constexpr double kSamiShare = 0.0004;

// Foreign mother tongues with their approximate share of the whole population; the rest of
// the foreign share is spread evenly over every other language in languages.csv.
struct LanguageShare {
  std::string_view code;
  double share;
  std::string_view country;  // the usual nationality of its speakers ("" = pick any)
};
extern const std::array<LanguageShare, 24> kForeignLanguages;

// Share of Swedish or Sami speakers in municipalities where it differs from the national
// background (bilingual coast, Åland, the Sami homeland). Scaled together so the national
// share meets the target above.
struct LocalShare {
  std::string_view municipality;
  double share;
};
extern const std::array<LocalShare, 45> kSwedishShares;
extern const std::array<LocalShare, 4> kSamiShares;
// Relative concentration of foreign-language speakers in the largest cities (1.0 = average).
extern const std::array<LocalShare, 11> kForeignConcentration;

// Approximate centre (ETRS-TM35FIN metres) and two-digit postal prefix of each wellbeing
// services county ("HKI" Helsinki, "AHV" Åland). Municipalities scatter around it.
struct CountyGeo {
  std::string_view county;
  int north;
  int east;
  int postal_prefix;
};
extern const std::array<CountyGeo, 23> kCounties;

// Register composition beyond living residents (shares of all person records).
constexpr double kAbroadShare = 0.045;    // Finns living abroad, with a foreign address
constexpr double kDeceasedShare = 0.095;  // died within the last ten years

// Disclosure bans: share of persons with each. Safety non-disclosure is set per household.
constexpr double kSafetyBanHouseholdShare = 0.002;
constexpr double kDirectMarketingBanShare = 0.10;
constexpr double kMarketResearchBanShare = 0.05;
constexpr double kGenealogyBanShare = 0.01;
constexpr double kPersonDirectoryBanShare = 0.02;
constexpr double kAddressServicesBanShare = 0.03;
constexpr double kCustomerRegisterUpdateBanShare = 0.005;

// Yearly numbers of events for a population of kFinlandPopulation; synthesis scales them.
constexpr double kFinlandPopulation = 5'600'000;
struct YearlyRates {
  double births = 45'000;
  double deaths = 57'000;
  double moves_between_municipalities = 290'000;
  double moves_within_municipality = 560'000;
  double marriages = 22'000;
  double divorces = 12'000;
  double name_changes = 9'000;
  double immigrations = 38'000;
  double emigrations = 15'000;
  double safety_bans = 1'200;
};

}  // namespace popgate::registry::profile

#endif  // POPGATE_REGISTRY_SYNTH_POPULATION_PROFILE_H_
