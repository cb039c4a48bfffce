// WGS84 latitude and longitude (GPS, GeoJSON) to ETRS-TM35FIN (EPSG:3067), the register's
// coordinates, with PROJ's own transformation rather than a hand-written projection: the
// extraction service's areas on the map arrive in WGS84 and buildings are in ETRS-TM35FIN.
#ifndef POPGATE_ADAPTERS_GEO_GEO_PROJECTION_H_
#define POPGATE_ADAPTERS_GEO_GEO_PROJECTION_H_

#include <memory>
#include <mutex>
#include <optional>

#include "registry/extraction_criteria.h"

namespace popgate::geo {

class EtrsTm35Fin {
 public:
  // Throws std::runtime_error, saying why, when PROJ cannot make the transformation (its
  // database, package proj-data, missing).
  EtrsTm35Fin();
  ~EtrsTm35Fin();
  EtrsTm35Fin(const EtrsTm35Fin&) = delete;
  EtrsTm35Fin& operator=(const EtrsTm35Fin&) = delete;

  // The point in metres (east, north); nullopt when PROJ cannot transform it or it lies
  // outside the projection's area of use (Finland and its waters: latitude 59.3-70.2,
  // longitude 19.0-31.6, as PROJ's database gives EPSG:3067), where the result would be
  // meaningless. Thread-safe.
  std::optional<registry::MapPoint> to_map(double latitude, double longitude) const;

 private:
  struct Handles;
  std::unique_ptr<Handles> handles_;
  mutable std::mutex mu_;  // a PJ is not to be used from two threads at once
};

}  // namespace popgate::geo

#endif  // POPGATE_ADAPTERS_GEO_GEO_PROJECTION_H_
