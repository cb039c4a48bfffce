#include "workflows/engine/backoff.h"

#include <algorithm>

namespace popgate::workflows {

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt, double jitter) {
  const long long cap = std::max<long long>(0, policy.max_backoff.count());
  long long delay = std::max<long long>(0, policy.backoff.count());
  // Doubling stops at the cap, which also keeps the arithmetic far from overflow.
  for (int i = 1; i < attempt && delay < cap; ++i)
    delay *= 2;
  delay = std::min(delay, cap);
  const double fraction = std::clamp(jitter, 0.0, 1.0) * 0.2;
  return std::chrono::milliseconds(delay +
                                   static_cast<long long>(static_cast<double>(delay) * fraction));
}

}  // namespace popgate::workflows
