// What a disclosure leaves behind: one audit record per delivered result, naming who got
// which data groups of which persons, under which permit, in which files. Services hand their
// records to an AuditSink before the result becomes visible to the client, so that nothing is
// disclosed without a trace; the sink (adapters/store/audit_log.h) chains records by hash and
// signs them, so that editing, deleting or reordering a record is detected.
#ifndef POPGATE_REGISTRY_AUDIT_H_
#define POPGATE_REGISTRY_AUDIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "registry/data_group.h"
#include "registry/permit.h"

namespace popgate::registry {

struct DisclosedFile {
  std::string name;    // as delivered ("20261122-...-result.zip.p7m")
  std::string sha256;  // lowercase hex
  std::uint64_t bytes = 0;
};

struct Disclosure {
  std::string job_id;
  std::string client;
  std::string permit;  // the permit's id
  Service service = Service::update;
  std::vector<DataGroup> data_groups;
  std::vector<DisclosedFile> files;
  std::vector<std::string> persons;  // HETUs; order and duplicates do not matter
  // The operator who ran the job in the foreground (`popgate run`), by user name; empty for a
  // job of `popgate serve`, which a client's upload or a schedule started.
  std::string run_by;
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Appends the record durably, or throws: a disclosure that cannot be recorded must not be
  // delivered. Returns the record's sequence number.
  virtual std::int64_t record(const Disclosure& disclosure) = 0;
};

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_AUDIT_H_
