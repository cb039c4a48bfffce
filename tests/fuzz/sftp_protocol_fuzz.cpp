// libFuzzer entry for popgate's SFTP codec: framing, request decoding and the reply encoders
// fed with arbitrary client bytes. Built only with clang (see CMakeLists.txt):
//   CXX=clang++ cmake -S . -B build/fuzz -G Ninja && ninja -C build/fuzz sftp_protocol_fuzz
//   build/fuzz/tests/fuzz/sftp_protocol_fuzz -max_len=4096
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/sftp_protocol_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  popgate::sftp::fuzz::RunSftpProtocolInput(data, size);
  return 0;
}
