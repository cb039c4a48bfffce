// The stock `openssl` command, as clients use it: certificates and keys made with
// `openssl req`, messages encrypted, decrypted, signed and verified with `openssl cms`. Tests
// check popgate's CMS against it rather than against popgate itself.
#ifndef POPGATE_TESTS_UNIT_TEST_SUPPORT_OPENSSL_TOOL_H_
#define POPGATE_TESTS_UNIT_TEST_SUPPORT_OPENSSL_TOOL_H_

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace popgate::testing {

struct ShellResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, stderr merged into the captured output.
inline ShellResult shell(const std::string& command) {
  ShellResult result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A directory under /tmp, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "popgate-crypto-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct KeyPair {
  std::string key;          // PEM private key path
  std::string certificate;  // PEM certificate path
};

// `openssl req -x509` with a new key ("rsa": RSA 2048; "ec": P-256 made by `openssl ecparam`),
// subject CN=`name`, valid 30 days, plus `extra` arguments; DIR/<name>.key and .crt.
inline KeyPair make_certificate(const std::filesystem::path& dir, const std::string& name,
                                const std::string& key_type = "rsa",
                                const std::string& extra = "") {
  KeyPair pair{(dir / (name + ".key")).string(), (dir / (name + ".crt")).string()};
  std::string key_args = "-newkey rsa:2048 -keyout " + pair.key;
  if (key_type == "ec") {
    const std::string make_key = "openssl ecparam -name prime256v1 -genkey -noout -out " + pair.key;
    if (shell(make_key).exit_code != 0) throw std::runtime_error("cannot run: " + make_key);
    key_args = "-key " + pair.key;
  }
  const std::string command = "openssl req -x509 -new -nodes -subj /CN=" + name + " " + key_args +
                              " -out " + pair.certificate + " -days 30 " + extra;
  const ShellResult result = shell(command);
  if (result.exit_code != 0) throw std::runtime_error(command + ": " + result.output);
  return pair;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// `size` bytes that do not compress and differ from run to run of the generator's seed.
inline std::string random_bytes(std::size_t size, unsigned seed = 1) {
  std::mt19937_64 generator(seed);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>(generator() & 0xff);
  return bytes;
}

// Flips one bit of the byte at `offset` (negative: from the end).
inline void flip_bit(const std::filesystem::path& path, long offset) {
  std::string bytes = read_bytes(path);
  const std::size_t at = offset >= 0 ? static_cast<std::size_t>(offset)
                                     : bytes.size() - static_cast<std::size_t>(-offset);
  bytes.at(at) = static_cast<char>(bytes.at(at) ^ 0x01);
  write_bytes(path, bytes);
}

}  // namespace popgate::testing

#endif  // POPGATE_TESTS_UNIT_TEST_SUPPORT_OPENSSL_TOOL_H_
