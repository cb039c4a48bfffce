// libFuzzer entry for the configuration loader (yaml-cpp's parser under our tree builder, then
// the workflow schema): any bytes as a workflow file. Built only with clang (see
// CMakeLists.txt); the target fuzz_config_yaml runs it for a minute from
// tests/fuzz/seeds-config-yaml/:
//   CXX=clang++ cmake -S . -B build/fuzz -G Ninja && ninja -C build/fuzz fuzz_config_yaml
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/config_yaml_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  popgate::fuzz::read_config_yaml(data, size);
  return 0;
}
