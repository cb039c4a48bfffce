// How long a job waits before retrying a step: exponential backoff with bounded jitter.
#ifndef POPGATE_WORKFLOWS_ENGINE_BACKOFF_H_
#define POPGATE_WORKFLOWS_ENGINE_BACKOFF_H_

#include <chrono>

#include "workflows/engine/workflow.h"

namespace popgate::workflows {

// The delay after failed attempt number `attempt` (1-based): backoff * 2^(attempt-1), capped
// at max_backoff, plus jitter * 20% of that (jitter in [0, 1)). The jitter spreads the retries
// of many jobs that failed together (a remote host down) so they do not return together.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempt, double jitter);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_ENGINE_BACKOFF_H_
