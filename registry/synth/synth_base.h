// Draws the base population of synthesis into a SynthWorld: residents in households and
// dwellings per municipality, Finns abroad and the recently deceased. Internal to synthesis.
#ifndef POPGATE_REGISTRY_SYNTH_SYNTH_BASE_H_
#define POPGATE_REGISTRY_SYNTH_SYNTH_BASE_H_

#include <cstdint>

#include "registry/date.h"
#include "registry/random.h"
#include "registry/synth/synth_world.h"

namespace popgate::registry::synth {

// Weighted pickers for names, languages and places, built once from the reference data.
class Pickers {
 public:
  Pickers(const SynthWorld& world);

  std::uint16_t given_name(Sex sex, bool first, Random& random) const;
  std::uint32_t surname(Random& random) const {
    return static_cast<std::uint32_t>(surnames_.pick(random));
  }
  // A mother tongue for a resident of municipality m.
  std::uint16_t language(const SynthWorld& world, std::uint16_t m, Random& random) const;
  std::uint16_t foreign_language(Random& random) const;
  // The usual nationality of a language's speakers (a country index).
  std::uint16_t nationality_for(const SynthWorld& world, std::uint16_t language,
                                Random& random) const;
  std::uint16_t municipality(Random& random) const {
    return static_cast<std::uint16_t>(municipalities_.pick(random));
  }
  std::uint16_t foreign_place(Random& random) const {
    return static_cast<std::uint16_t>(foreign_places_.pick(random));
  }

 private:
  WeightedChoice male_first_, male_other_, female_first_, female_other_, surnames_;
  WeightedChoice foreign_;  // over all languages except fi, sv, se
  std::vector<std::uint16_t> foreign_index_;
  std::vector<std::uint16_t> usual_country_;  // per language; 0xFFFF = any
  WeightedChoice municipalities_;
  WeightedChoice foreign_places_;
};

// Fills world.municipalities: language shares, centre, postal codes.
void setup_municipalities(SynthWorld& world);

// Appends `count` residents in households and dwellings, as of `as_of`.
// Returns the number of households formed.
std::int64_t generate_residents(SynthWorld& world, const Pickers& pickers, std::int64_t count,
                                Date as_of, Random& random);
void generate_abroad(SynthWorld& world, const Pickers& pickers, std::int64_t count, Date as_of,
                     Random& random);
void generate_deceased(SynthWorld& world, const Pickers& pickers, std::int64_t count, Date as_of,
                       Random& random);
// Cottages and non-residential buildings in proportion to each municipality's population.
void generate_other_buildings(SynthWorld& world, Random& random);

// Marries two persons; the wife usually takes the husband's surname.
void marry(SynthWorld& world, std::uint32_t woman, std::uint32_t man, Random& random);

// Fills in a new person's given names, surname (when kNone), HETU, nationality and bans.
void complete_identity(SynthWorld& world, const Pickers& pickers, std::uint32_t person,
                       bool recent_immigrant, Random& random);

}  // namespace popgate::registry::synth

#endif  // POPGATE_REGISTRY_SYNTH_SYNTH_BASE_H_
