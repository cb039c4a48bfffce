// Deterministic pseudo-random numbers for synthesis and sampling.
//
// The standard library's distributions are not specified bit-for-bit, so the same seed could
// give another population on another libstdc++. Everything here is defined by this file alone:
// xoshiro256** seeded through SplitMix64, Lemire's unbiased bounded integers, and Walker's
// alias method for weighted choices. Same seed, same numbers, on every platform.
#ifndef POPGATE_REGISTRY_RANDOM_H_
#define POPGATE_REGISTRY_RANDOM_H_

#include <cstdint>
#include <span>
#include <vector>

namespace popgate::registry {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [0, n). n > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1).
  double unit();
  bool chance(double probability) { return unit() < probability; }
  // Normal(mean, stddev) by Box-Muller (one value per call; simple and exact enough).
  double normal(double mean, double stddev);
  // Poisson(mean) (Knuth for small means, normal approximation for large ones).
  std::int64_t poisson(double mean);
  // A new independent stream derived from this one (for per-municipality generators).
  Random fork();

 private:
  std::uint64_t s_[4];
};

// O(1) weighted choice among n items (Walker's alias method). Weights need not be normalised;
// zero weights are never chosen. At least one weight must be positive.
class WeightedChoice {
 public:
  WeightedChoice() = default;
  explicit WeightedChoice(std::span<const double> weights);
  std::size_t pick(Random& random) const;
  std::size_t size() const { return probability_.size(); }

 private:
  std::vector<double> probability_;
  std::vector<std::uint32_t> alias_;
};

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_RANDOM_H_
