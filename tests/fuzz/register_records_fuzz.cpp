// libFuzzer entry for the register-records readers (JSON Lines through Poco's parser and our
// strict decoder, CSV through the register layout): any bytes as a file given to `popgate
// register import`. Built only with clang (see CMakeLists.txt); the target
// fuzz_register_records runs it for a minute from tests/fuzz/seeds-register-records/:
//   CXX=clang++ cmake -S . -B build/fuzz -G Ninja && ninja -C build/fuzz fuzz_register_records
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/register_records_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  popgate::fuzz::read_register_records(data, size);
  return 0;
}
