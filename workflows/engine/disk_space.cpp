#include "workflows/engine/disk_space.h"

namespace popgate::workflows {

bool is_short_of_disk_space(std::string_view error) {
  for (const std::string_view words :
       {"No space left on device", "Disk quota exceeded", "database or disk is full",
        "no space left", "short of disk space"})
    if (error.find(words) != std::string_view::npos) return true;
  return false;
}

}  // namespace popgate::workflows
