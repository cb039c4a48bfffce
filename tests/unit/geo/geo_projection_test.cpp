// WGS84 to ETRS-TM35FIN through PROJ, checked against points whose coordinates PROJ's own
// cs2cs gives (../shared/notes/libraries.md): the axis order cannot be swapped silently.
#include "adapters/geo/geo_projection.h"

#include <gtest/gtest.h>

namespace popgate::geo {
namespace {

TEST(EtrsTm35Fin, HelsinkiCathedralLandsWhereCs2csPutsIt) {
  const EtrsTm35Fin projection;
  const std::optional<registry::MapPoint> cathedral = projection.to_map(60.1702, 24.9522);
  ASSERT_TRUE(cathedral);
  EXPECT_NEAR(cathedral->east, 386377.9, 0.5);
  EXPECT_NEAR(cathedral->north, 6672128.0, 0.5);
  // On the zone's central meridian (27 E) easting is the false easting, 500 km.
  const std::optional<registry::MapPoint> meridian = projection.to_map(65.0, 27.0);
  ASSERT_TRUE(meridian);
  EXPECT_NEAR(meridian->east, 500000.0, 0.01);
}

TEST(EtrsTm35Fin, PointsOutsideFinlandsAreaOfUseAreRefused) {
  const EtrsTm35Fin projection;
  EXPECT_FALSE(projection.to_map(0, 0));
  EXPECT_FALSE(projection.to_map(24.95, 60.17)) << "latitude and longitude swapped";
  EXPECT_FALSE(projection.to_map(48.85, 2.35)) << "Paris";
}

}  // namespace
}  // namespace popgate::geo
