// libFuzzer entry for the client-table reader (CSV with its quoting, encodings, fixed width):
// any bytes as an uploaded customer register. Built only with clang (see CMakeLists.txt); the
// target fuzz_client_table runs it for a minute from tests/fuzz/seeds-client-table/ (the
// hostile files of tests/unit/formats/hostile_tables_test.cpp and ordinary tables):
//   CXX=clang++ cmake -S . -B build/fuzz -G Ninja && ninja -C build/fuzz fuzz_client_table
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/client_table_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  popgate::fuzz::read_client_table(data, size);
  return 0;
}
