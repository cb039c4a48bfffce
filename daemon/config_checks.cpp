#include "daemon/config_checks.h"

#include <chrono>
#include <filesystem>

#include "adapters/crypto/certificate.h"

namespace popgate::cli {

void check_client_certificates(const workflows::ConfigSet& config, workflows::Diagnostics& out) {
  const auto now = std::chrono::system_clock::now();
  for (const workflows::ClientConfig& client : config.clients) {
    if (client.certificate.empty() || client.disabled) continue;
    std::filesystem::path path = client.certificate;
    if (path.is_relative()) path = std::filesystem::path(client.source_file).parent_path() / path;
    const std::string why = crypto::encryption_certificate_error(path, now);
    if (!why.empty()) out.error(client.source_file, client.certificate_mark, why);
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
