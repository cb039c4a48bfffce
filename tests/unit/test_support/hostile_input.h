// What the hostile-input tests share: big inputs made by repetition, and the seeds of a fuzz
// target (tests/fuzz/seeds-*/) read back for replaying them under the test build's sanitizers.
#ifndef POPGATE_TESTS_UNIT_TEST_SUPPORT_HOSTILE_INPUT_H_
#define POPGATE_TESTS_UNIT_TEST_SUPPORT_HOSTILE_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace popgate::testing {

// `piece` `times` times over.
inline std::string repeated(const std::string& piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i)
    out += piece;
  return out;
}

// Every file of tests/fuzz/<directory>/, as bytes.
inline std::vector<std::string> fuzz_seeds(const std::string& directory) {
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(POPGATE_SOURCE_DIR) / "tests" / "fuzz" / directory)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    seeds.push_back(bytes.str());
  }
  return seeds;
}

// Runs a fuzz target's input function `read(data, size)` on prefixes of each seed: every one,
// or about `max_prefixes` evenly spaced for a long seed (a cut leaves a quote, a key or a
// block open somewhere).
template <typename Read>
void replay_prefixes(const std::vector<std::string>& seeds, Read read,
                     std::size_t max_prefixes = static_cast<std::size_t>(-1)) {
  for (const std::string& seed : seeds) {
    const std::size_t stride = max_prefixes >= seed.size() ? 1 : seed.size() / max_prefixes + 1;
    for (std::size_t length = 0; length <= seed.size(); length += stride)
      read(reinterpret_cast<const std::uint8_t*>(seed.data()), length);
  }
}

}  // namespace popgate::testing

#endif  // POPGATE_TESTS_UNIT_TEST_SUPPORT_HOSTILE_INPUT_H_
