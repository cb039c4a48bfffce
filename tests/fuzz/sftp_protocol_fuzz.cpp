// libFuzzer entry for popgate's SFTP codec: framing, request decoding and the reply encoders
// fed with arbitrary client bytes. Built only with clang (see CMakeLists.txt); the target
// fuzz_sftp_protocol runs it for a minute from the seeds, what real clients send
// (tests/fuzz/seeds/, made by scripts/capture-sftp-seeds), keeping what it finds in
// build/fuzz/tests/fuzz/corpus-sftp_protocol:
//   CXX=clang++ cmake -S . -B build/fuzz -G Ninja && ninja -C build/fuzz fuzz_sftp_protocol
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/sftp_protocol_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  popgate::sftp::fuzz::run_sftp_protocol_input(data, size);
  return 0;
}
