#include "daemon/config_checks.h"

#include <chrono>
#include <filesystem>

#include "adapters/crypto/certificate.h"

namespace popgate::cli {

void check_client_certificates(const workflows::ConfigSet& config, workflows::Diagnostics& out) {
  const auto now = std::chrono::system_clock::now();
  for (const workflows::ClientConfig& client : config.clients) {
    if (client.disabled) continue;
    const std::vector<std::filesystem::path> paths = client.certificate_paths();
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const std::string why = crypto::encryption_certificate_error(paths[i], now);
      if (!why.empty()) out.error(client.source_file, client.certificate_marks[i], why);
    }
  }
}

workflows::ConfigSet lint_with_adapters(const std::vector<std::string>& paths,
                                        const workflows::StepRegistry& steps,
                                        workflows::Diagnostics& out) {
  workflows::ConfigSet config = workflows::lint_config(paths, steps, out);
  check_client_certificates(config, out);
  return config;
}

}  // namespace popgate::cli
