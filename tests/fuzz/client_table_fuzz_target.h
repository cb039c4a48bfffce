// The client-table fuzz target's input function: any bytes, read as a client's table the way
// the update service reads an upload. Every documented error is caught; anything else (a
// crash, a sanitizer report, another exception) is a finding. Built as a libFuzzer target
// under clang (tests/fuzz/CMakeLists.txt) and replayed over the seeds as a GoogleTest under
// g++ (tests/unit/formats/hostile_tables_test.cpp).
#ifndef POPGATE_TESTS_FUZZ_CLIENT_TABLE_FUZZ_TARGET_H_
#define POPGATE_TESTS_FUZZ_CLIENT_TABLE_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "adapters/formats/client_table.h"
#include "adapters/formats/text_decoding.h"

namespace popgate::fuzz {

inline void read_client_table(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // The first byte picks the layout, so that the fuzzer reaches the fixed-width reader too.
  formats::ClientTableOptions options;
  if (!bytes.empty() && bytes[0] == '#')
    options.fixed_width = {{formats::ClientField::hetu, 2, 11},
                           {formats::ClientField::last_name, 13, 20}};
  std::istringstream in(bytes);
  try {
    formats::ClientTableReader reader(in, options);
    formats::ClientTableRow row;
    while (reader.next(row)) {
    }
  } catch (const formats::TableError&) {
  } catch (const formats::TextDecodingError&) {
  }
}

}  // namespace popgate::fuzz

#endif  // POPGATE_TESTS_FUZZ_CLIENT_TABLE_FUZZ_TARGET_H_
