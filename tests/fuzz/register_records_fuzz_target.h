// The register-records fuzz target's input function: any bytes, read as a file of register
// records (persons, buildings, change events) in JSON Lines and in CSV, the way `popgate
// register import` reads one. Every documented error (FormatError, with its line) is caught;
// anything else (a crash, a sanitizer report, another exception) is a finding. Built as a
// libFuzzer target under clang (tests/fuzz/CMakeLists.txt) and replayed over its seeds as a
// GoogleTest under g++ (tests/unit/formats/hostile_records_test.cpp).
#ifndef POPGATE_TESTS_FUZZ_REGISTER_RECORDS_FUZZ_TARGET_H_
#define POPGATE_TESTS_FUZZ_REGISTER_RECORDS_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "adapters/formats/format_error.h"
#include "adapters/formats/record_io.h"
#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::fuzz {

template <typename Record>
void read_records(const std::string& bytes, formats::Format format) {
  std::istringstream in(bytes);
  try {
    auto reader = formats::make_record_reader<Record>(format, in);
    Record record;
    while (reader->next(record)) {
    }
  } catch (const formats::FormatError&) {
  }
}

inline void read_register_records(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const formats::Format format : {formats::Format::jsonl, formats::Format::csv}) {
    read_records<registry::Person>(bytes, format);
    read_records<registry::Building>(bytes, format);
    read_records<registry::ChangeEvent>(bytes, format);
  }
}

}  // namespace popgate::fuzz

#endif  // POPGATE_TESTS_FUZZ_REGISTER_RECORDS_FUZZ_TARGET_H_
