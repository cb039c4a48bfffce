// Deny by default: whether a client may receive data groups through a service on a day, which
// permit allows it, and, when none does, why each candidate permit does not. Every service
// asks here, when a job starts and again just before delivery, so that a permit revoked or
// expired mid-job stops the delivery.
#ifndef POPGATE_REGISTRY_PERMIT_DECISION_H_
#define POPGATE_REGISTRY_PERMIT_DECISION_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/permit.h"

namespace popgate::registry {

struct PermitRequest {
  std::string client;
  Service service = Service::update;
  std::vector<DataGroup> groups;  // every group the output would hold
  Date day;                       // the day of disclosure
  std::string permit_id;          // the permit the job names; empty: any of the client's
};

// The one answer to a PermitRequest, wherever it is asked (the `permit` step, `popgate permit
// check`). A plain value: it holds a copy of the allowing permit, so it stays valid after the
// configuration it was decided on has been reloaded away.
// What kind of denial it was, for counting (metrics): the sentences are in `refusals`. In the
// order of how far a request got, so that when several permits refuse it, the one that came
// closest names the reason.
enum class DenialReason {
  none,             // allowed
  no_permit,        // no such permit, or not the client's
  client_inactive,  // the client does not exist or is disabled
  revoked,
  not_yet_valid,
  expired,
  service_not_granted,
  data_groups_not_granted,
};
std::string_view to_string(DenialReason reason);

struct PermitDecision {
  std::optional<Permit> permit;  // the permit that allows the request; nullopt: denied
  // Why each permit considered does not allow it, one sentence each, naming the permit; or,
  // when the client has no permit at all (or may receive nothing), one sentence saying so.
  std::vector<std::string> refusals;
  DenialReason reason = DenialReason::none;

  bool allowed() const { return permit.has_value(); }
  // The allowing permit's id; empty when denied.
  std::string permit_id() const { return permit ? permit->id : std::string(); }
  // One paragraph for logs, error reports and `popgate permit check`; says nothing a client
  // may not read.
  std::string explanation() const;

  // A denial for one reason, before or instead of asking each permit.
  static PermitDecision denied(DenialReason reason, std::string refusal);
};

class PermitSet {
 public:
  PermitSet() = default;
  // `joined`: client id -> the umbrella permits it joins (clients/<id>.yaml).
  PermitSet(std::vector<Permit> permits, std::map<std::string, std::vector<std::string>> joined);

  PermitDecision decide(const PermitRequest& request) const;

  const Permit* find(const std::string& id) const;
  // The permits a client holds or has joined, in id order.
  std::vector<const Permit*> permits_of(const std::string& client) const;
  bool covers(const Permit& permit, const std::string& client) const;
  const std::vector<Permit>& all() const { return permits_; }

 private:
  std::vector<Permit> permits_;  // sorted by id
  std::map<std::string, std::vector<std::string>> joined_;
};

// Why `permit` does not allow `request` (its coverage of the client aside); empty if it does.
std::string permit_refusal(const Permit& permit, const PermitRequest& request);

}  // namespace popgate::registry

#endif  // POPGATE_REGISTRY_PERMIT_DECISION_H_
