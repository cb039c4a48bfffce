// sftp_push: a work-dir file onto the client's own SFTP server, pinned host key, atomic.
#include <string>
#include <utility>

#include "adapters/sftp/sftp_client.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"

namespace popgate::workflows::steps {
namespace {

std::string client_safe(const ClientPush& push) {
  return "the result could not be delivered to your SFTP server " + push.host + ":" +
         std::to_string(push.port);
}

// A relative directory below the configured one: no absolute path, no "..", no hidden part.
bool safe_subdirectory(const std::string& dir) {
  if (dir.empty()) return true;
  if (dir.front() == '/') return false;
  std::size_t start = 0;
  while (start <= dir.size()) {
    const std::size_t end = std::min(dir.find('/', start), dir.size());
    const std::string part = dir.substr(start, end - start);
    if (!part.empty() && part.front() == '.') return false;  // ".", ".." and hidden names
    start = end + 1;
  }
  return true;
}

std::string remote_path(const std::string& base, const std::string& sub) {
  if (sub.empty()) return base;
  if (base.empty()) return sub;
  return base.back() == '/' ? base + sub : base + "/" + sub;
}

}  // namespace

StepType sftp_push_step(StepEnvironment env) {
  StepType type;
  type.name = "sftp_push";
  type.summary = "Uploads a work-dir file to the client's own SFTP server (push: in its YAML)";
  type.description =
      "Connects to the server in the client's `push:` configuration and trusts it only if its "
      "host key is exactly `push.host_key` (no known_hosts). Logs in as `push.user` with the "
      "appliance's own Ed25519 key (data_dir/keys/ssh_client_ed25519_key.pub is what the "
      "client authorises). Writes `.<name>.popgate-part` in the target directory, checks its "
      "size, then renames it over `<name>`, so the client never sees a partial file and a "
      "re-run replaces the file instead of adding a second one. Connecting and each request "
      "must finish within `push.timeout`. Connection failures and timeouts are retryable (see "
      "`retry:`); a host key mismatch, a refused key, a missing "
      "directory or a denied permission fail the step at once. A client without `push:` "
      "fails the step.";
  type.params = {
      param_spec("file", ParamType::path, true, "", "The file in the job's work dir to push."),
      param_spec("name", ParamType::string, false, "",
                 "Its name on the server; default: the file's own name. A plain name: no '/', "
                 "not starting with '.'."),
      param_spec("directory", ParamType::path, false, "",
                 "A sub-directory of `push.directory` to write into (relative, no \"..\", no "
                 "hidden part); it must exist. Default: `push.directory` itself."),
      param_spec("temporary", ParamType::boolean, false, "true",
                 "true: upload as `.<name>.popgate-part` and rename. false: write `<name>` "
                 "directly, only for servers that reserve hidden names and make each upload "
                 "atomic themselves (popgate's own SFTP server does both).")};
  type.outputs = {{"remote_path",
                   "The file's path on the server, as sent (relative paths are "
                   "relative to the login directory)."},
                  {"sha256", "SHA-256 of the bytes sent, 64 lowercase hex digits."},
                  {"bytes", "The file's size in bytes."}};
  type.discloses = ClientDisclosure::unrecorded;
  type.run = [env = std::move(env)](StepContext& context) {
    const std::string step = "step " + context.step_id + ": ";
    std::optional<ClientConfig> client;
    if (env.client) client = env.client(context.client_id);
    if (!client)
      throw StepError(
          step + "the configuration of client '" + context.client_id + "' is not available here",
          false);
    if (!client->push)
      throw StepError(step + "client '" + context.client_id + "' has no push: configuration", false,
                      "no SFTP server is configured for delivering results to you");
    const ClientPush& push = *client->push;
    if (push.port < 1 || push.port > 65535)
      throw StepError(step + "push.port " + std::to_string(push.port) + " is out of range", false,
                      client_safe(push));

    const std::filesystem::path file = context.param("file");
    auto name_param = context.params.find("name");
    const std::string name = name_param != context.params.end() && !name_param->second.empty()
                                 ? name_param->second
                                 : file.filename().string();
    if (name.empty() || name.find('/') != std::string::npos || name.starts_with("."))
      throw StepError(step + "remote name '" + name + "' must be a plain file name", false);
    auto dir_param = context.params.find("directory");
    const std::string subdir = dir_param != context.params.end() ? dir_param->second : "";
    if (!safe_subdirectory(subdir))
      throw StepError(step + "directory '" + subdir +
                          "' must be a relative path without '..' or "
                          "hidden parts",
                      false);
    auto temporary_param = context.params.find("temporary");
    sftp::UploadOptions upload_options;
    upload_options.via_temporary =
        temporary_param == context.params.end() || temporary_param->second != "false";
    const std::filesystem::path local = context.work_dir / file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(local, ec))
      throw StepError(step + file.string() + " is not a file in the job's work dir", false);
    const std::string remote_dir = remote_path(push.directory, subdir);
    const std::string where = push.user + "@" + push.host + ":" + std::to_string(push.port) + ":" +
                              remote_path(remote_dir, name);

    try {
      sftp::SftpClientOptions options;
      options.host = push.host;
      options.port = static_cast<std::uint16_t>(push.port);
      options.user = push.user;
      options.host_key = push.host_key;
      options.identity = sftp::ensure_client_key(env.keys_dir);
      options.timeout = push.timeout;
      options.should_stop = [&context] { return context.should_stop(); };
      if (context.log)
        context.log("sftp_push attempt " + std::to_string(context.attempt) + ": " + file.string() +
                    " to " + where);
      sftp::SftpClient connection(std::move(options));
      const sftp::UploadResult result = connection.upload(local, remote_dir, name, upload_options);
      return StepOutputs{{"remote_path", result.remote_path},
                         {"sha256", result.sha256},
                         {"bytes", std::to_string(result.bytes)}};
    } catch (const sftp::SftpClientError& e) {
      throw StepError(step + e.what(), e.retryable(), client_safe(push));
    } catch (const std::exception& e) {
      // Local trouble (the digest, memory): worth another attempt.
      throw StepError(step + "push to " + where + ": " + e.what(), true, client_safe(push));
    }
  };
  return type;
}

}  // namespace popgate::workflows::steps
