#include "daemon/cli/config_edit.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "base/atomic_file.h"
#include "daemon/cli/cli.h"
#include "daemon/config_checks.h"
#include "steps/builtin_steps.h"
#include "workflows/config/diagnostics.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Published atomically, so a reader (a reloading daemon) sees the old file or the new one.
void replace_file(const fs::path& path, const std::string& text) {
  base::write_file_atomically(path, text, 0644);
}

// The configuration's errors, or an empty string.
std::string lint_errors(const fs::path& config_dir) {
  const workflows::StepRegistry steps = workflows::steps::builtin_steps();
  workflows::Diagnostics diagnostics;
  lint_with_adapters({config_dir.string()}, steps, diagnostics);
  std::string errors;
  for (const workflows::Diagnostic& d : diagnostics.sorted()) {
    if (d.severity == workflows::Severity::error) errors += workflows::format_text(d) + "\n";
  }
  return errors;
}

}  // namespace

std::string yaml_quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::optional<workflows::ConfigSet> load_config_or_report(const fs::path& config_dir,
                                                          std::string_view command) {
  const workflows::StepRegistry steps = workflows::steps::builtin_steps();
  workflows::Diagnostics diagnostics;
  workflows::ConfigSet config = lint_with_adapters({config_dir.string()}, steps, diagnostics);
  if (!diagnostics.has_errors()) return config;
  for (const workflows::Diagnostic& d : diagnostics.sorted()) {
    if (d.severity == workflows::Severity::error) std::cerr << workflows::format_text(d) << "\n";
  }
  std::cerr << "popgate " << command << ": the configuration " << config_dir.string()
            << " has errors (popgate lint " << config_dir.string() << ")\n";
  return std::nullopt;
}

int write_new_config_file(const fs::path& config_dir, std::string_view subdir,
                          const std::string& file_name, const std::string& text,
                          std::string_view what) {
  const fs::path file = config_dir / subdir / file_name;
  if (fs::exists(file)) {
    std::cerr << "popgate " << what << ": " << file.string() << " already exists\n";
    return kExitFailure;
  }
  fs::create_directories(file.parent_path());
  replace_file(file, text);
  const std::string errors = lint_errors(config_dir);
  if (!errors.empty()) {
    fs::remove(file);
    std::cerr << errors << "popgate " << what << ": not added: the file would not lint\n";
    return kExitFailure;
  }
  std::cout << "wrote " << file.string() << "; apply it with `systemctl reload popgate`\n";
  return kExitOk;
}

int set_top_level_key(const fs::path& file, std::string_view key, std::string_view value,
                      const fs::path& config_dir, const std::string& what) {
  const std::string original = read_file(file);
  std::stringstream in(original);
  std::string line, edited;
  bool replaced = false;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (!replaced && line.starts_with(prefix)) {
      const std::size_t comment = line.find(" #");
      line = prefix + " " + std::string(value) +
             (comment == std::string::npos ? "" : line.substr(comment));
      replaced = true;
    }
    edited += line + "\n";
  }
  if (!replaced) edited += prefix + " " + std::string(value) + "\n";
  replace_file(file, edited);
  const std::string errors = lint_errors(config_dir);
  if (!errors.empty()) {
    replace_file(file, original);
    std::cerr << errors << "popgate: " << what << " unchanged: the edit would not lint\n";
    return kExitFailure;
  }
  std::cout << what << ": " << key << " set to " << value << " in " << file.string()
            << "; apply it with `systemctl reload popgate`\n";
  return kExitOk;
}

}  // namespace popgate::cli
