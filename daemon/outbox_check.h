// Compares what a config test's job left in the client's outbox with the test's expectations.
#ifndef POPGATE_DAEMON_OUTBOX_CHECK_H_
#define POPGATE_DAEMON_OUTBOX_CHECK_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace popgate::cli {

// `expect` maps "outbox/<name>" to the fixture the file must equal byte for byte. Outbox names
// often hold the job id, which differs on every run, so a key with a glob character (* ? [)
// is matched with fnmatch(3) like an upload trigger's path, and must match exactly one file.
// Every outbox file must be expected. Returns the problems found, empty when all match, e.g.
// "outbox/r.csv differs from fixtures/r.csv at byte 12".
std::vector<std::string> check_outbox(const std::filesystem::path& client_root,
                                      const std::map<std::string, std::string>& expect,
                                      const std::filesystem::path& fixture_dir);

}  // namespace popgate::cli

#endif  // POPGATE_DAEMON_OUTBOX_CHECK_H_
