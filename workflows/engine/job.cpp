#include "workflows/engine/job.h"

#include <array>
#include <chrono>
#include <utility>

namespace popgate::workflows {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 6> kJobStates{{
    {JobState::queued, "queued"},
    {JobState::running, "running"},
    {JobState::retrying, "retrying"},
    {JobState::succeeded, "succeeded"},
    {JobState::failed, "failed"},
    {JobState::cancelled, "cancelled"},
}};

constexpr std::array<std::pair<AttemptState, std::string_view>, 6> kAttemptStates{{
    {AttemptState::running, "running"},
    {AttemptState::succeeded, "succeeded"},
    {AttemptState::failed, "failed"},
    {AttemptState::timed_out, "timed_out"},
    {AttemptState::cancelled, "cancelled"},
    {AttemptState::interrupted, "interrupted"},
}};

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                         Enum value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& names,
                             std::string_view text) {
  for (const auto& [v, name] : names) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(JobState state) {
  return name_of(kJobStates, state);
}
std::optional<JobState> parse_job_state(std::string_view text) {
  return value_of(kJobStates, text);
}
bool is_terminal(JobState state) {
  return state == JobState::succeeded || state == JobState::failed || state == JobState::cancelled;
}

std::string_view to_string(AttemptState state) {
  return name_of(kAttemptStates, state);
}
std::optional<AttemptState> parse_attempt_state(std::string_view text) {
  return value_of(kAttemptStates, text);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace popgate::workflows
