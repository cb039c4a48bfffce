#include "registry/random.h"

#include <cmath>
#include <stdexcept>

namespace popgate::registry {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 128-bit products for Lemire's method; __extension__ keeps -Wpedantic quiet about the type.
__extension__ using Uint128 = unsigned __int128;

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Random::Random(std::uint64_t seed) {
  for (auto& s : s_)
    s = splitmix64(seed);
}

std::uint64_t Random::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Random::below(std::uint64_t n) {
  // Lemire: multiply-shift with rejection of the biased low range.
  Uint128 m = static_cast<Uint128>(next()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<Uint128>(next()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Random::between(std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
}

double Random::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Random::normal(double mean, double stddev) {
  double u1 = unit();
  while (u1 <= 0.0)
    u1 = unit();
  const double u2 = unit();
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::int64_t Random::poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean > 60) {
    const double x = std::round(normal(mean, std::sqrt(mean)));
    return x < 0 ? 0 : static_cast<std::int64_t>(x);
  }
  const double limit = std::exp(-mean);
  std::int64_t k = 0;
  double p = unit();
  while (p > limit) {
    ++k;
    p *= unit();
  }
  return k;
}

Random Random::fork() {
  return Random(next());
}

WeightedChoice::WeightedChoice(std::span<const double> weights) {
  const std::size_t n = weights.size();
  double total = 0;
  for (double w : weights) {
    if (w < 0 || !std::isfinite(w)) throw std::invalid_argument("weights must be finite and >= 0");
    total += w;
  }
  if (n == 0 || total <= 0) throw std::invalid_argument("no positive weight to choose from");
  probability_.assign(n, 0.0);
  alias_.assign(n, 0);
  std::vector<double> scaled(n);
  std::vector<std::uint32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back();
    small.pop_back();
    const std::uint32_t l = large.back();
    probability_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (std::uint32_t i : large)
    probability_[i] = 1.0;
  // Left-overs in `small` are 1.0 up to rounding, except true zeros, which keep an alias.
  // Aliasing them to the heaviest item keeps "zero weight is never chosen" true.
  std::uint32_t heaviest = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (weights[i] > weights[heaviest]) heaviest = static_cast<std::uint32_t>(i);
  }
  for (std::uint32_t i : small) {
    probability_[i] = weights[i] > 0 ? 1.0 : 0.0;
    alias_[i] = heaviest;
  }
}

std::size_t WeightedChoice::pick(Random& random) const {
  const std::size_t i = random.below(probability_.size());
  return random.unit() < probability_[i] ? i : alias_[i];
}

}  // namespace popgate::registry
