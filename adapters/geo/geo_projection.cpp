#include "adapters/geo/geo_projection.h"

#include <proj.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace popgate::geo {
namespace {

struct ContextDeleter {
  void operator()(PJ_CONTEXT* context) const { proj_context_destroy(context); }
};
struct TransformDeleter {
  void operator()(PJ* transform) const { proj_destroy(transform); }
};

}  // namespace

struct EtrsTm35Fin::Handles {
  std::unique_ptr<PJ_CONTEXT, ContextDeleter> context;
  std::unique_ptr<PJ, TransformDeleter> transform;
  // EPSG:3067's area of use in degrees (west, south, east, north).
  double west = 0, south = 0, east = 0, north = 0;
};

EtrsTm35Fin::EtrsTm35Fin() : handles_(std::make_unique<Handles>()) {
  handles_->context.reset(proj_context_create());
  if (!handles_->context) throw std::runtime_error("PROJ: cannot create a context");
  PJ* raw = proj_create_crs_to_crs(handles_->context.get(), "EPSG:4326", "EPSG:3067", nullptr);
  if (raw == nullptr) {
    throw std::runtime_error(
        std::string("PROJ cannot transform WGS84 to ETRS-TM35FIN: ") +
        proj_context_errno_string(handles_->context.get(),
                                  proj_context_errno(handles_->context.get())) +
        " (is proj-data installed?)");
  }
  // EPSG:4326 takes latitude first; normalised, every input is (longitude, latitude) and every
  // output (east, north), so that neither can be swapped silently.
  PJ* normalised = proj_normalize_for_visualization(handles_->context.get(), raw);
  proj_destroy(raw);
  if (normalised == nullptr) throw std::runtime_error("PROJ: cannot normalise the axis order");
  handles_->transform.reset(normalised);
  PJ* target = proj_create(handles_->context.get(), "EPSG:3067");
  const char* name = nullptr;
  const bool known =
      target != nullptr &&
      proj_get_area_of_use(handles_->context.get(), target, &handles_->west, &handles_->south,
                           &handles_->east, &handles_->north, &name) != 0;
  if (target != nullptr) proj_destroy(target);
  if (!known) throw std::runtime_error("PROJ: no area of use for EPSG:3067");
}

EtrsTm35Fin::~EtrsTm35Fin() = default;

std::optional<registry::MapPoint> EtrsTm35Fin::to_map(double latitude, double longitude) const {
  const Handles& h = *handles_;
  if (!(latitude >= h.south && latitude <= h.north && longitude >= h.west && longitude <= h.east))
    return std::nullopt;
  std::lock_guard lock(mu_);
  const PJ_COORD result =
      proj_trans(h.transform.get(), PJ_FWD, proj_coord(longitude, latitude, 0, 0));
  if (!std::isfinite(result.xy.x) || !std::isfinite(result.xy.y)) return std::nullopt;
  return registry::MapPoint{result.xy.x, result.xy.y};
}

}  // namespace popgate::geo
