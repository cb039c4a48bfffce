#include "registry/permit_decision.h"

#include <algorithm>

#include "base/strings.h"

namespace popgate::registry {
namespace {

struct Refusal {
  DenialReason reason = DenialReason::none;
  std::string text;  // empty: the permit allows the request
};

Refusal refusal_of(const Permit& permit, const PermitRequest& request) {
  const std::string name = "permit " + permit.id;
  if (permit.revoked) return {DenialReason::revoked, name + " is revoked"};
  if (request.day < permit.valid_from) {
    return {DenialReason::not_yet_valid, name + " is valid only from " + permit.valid_from.iso()};
  }
  if (permit.valid_until && *permit.valid_until < request.day) {
    return {DenialReason::expired, name + " expired on " + permit.valid_until->iso()};
  }
  if (!permit.grants(request.service)) {
    return {DenialReason::service_not_granted, name + " does not grant the " +
                                                   base::quoted(to_string(request.service), '\'') +
                                                   " service"};
  }
  std::vector<std::string> missing;
  for (const DataGroup group : request.groups) {
    if (!permit.grants(group)) missing.push_back(base::quoted(to_string(group), '\''));
  }
  if (!missing.empty()) {
    return {DenialReason::data_groups_not_granted, name + " does not grant the data group" +
                                                       (missing.size() > 1 ? "s " : " ") +
                                                       base::join(missing, ", ")};
  }
  return {};
}

}  // namespace

std::string_view to_string(DenialReason reason) {
  switch (reason) {
    case DenialReason::none:
      return "none";
    case DenialReason::no_permit:
      return "no_permit";
    case DenialReason::client_inactive:
      return "client_inactive";
    case DenialReason::revoked:
      return "revoked";
    case DenialReason::not_yet_valid:
      return "not_yet_valid";
    case DenialReason::expired:
      return "expired";
    case DenialReason::service_not_granted:
      return "service_not_granted";
    case DenialReason::data_groups_not_granted:
      return "data_groups_not_granted";
  }
  return "none";
}

std::string permit_refusal(const Permit& permit, const PermitRequest& request) {
  return refusal_of(permit, request).text;
}

PermitDecision PermitDecision::denied(DenialReason reason, std::string refusal) {
  PermitDecision decision;
  decision.refusals.push_back(std::move(refusal));
  decision.reason = reason;
  return decision;
}

std::string PermitDecision::explanation() const {
  if (allowed()) return "allowed by permit " + permit->id + " (" + permit->purpose + ")";
  return "denied: " + base::join(refusals, "; ");
}

PermitSet::PermitSet(std::vector<Permit> permits,
                     std::map<std::string, std::vector<std::string>> joined)
    : permits_(std::move(permits)), joined_(std::move(joined)) {
  std::sort(permits_.begin(), permits_.end(),
            [](const Permit& a, const Permit& b) { return a.id < b.id; });
}

const Permit* PermitSet::find(const std::string& id) const {
  const auto it =
      std::lower_bound(permits_.begin(), permits_.end(), id,
                       [](const Permit& p, const std::string& key) { return p.id < key; });
  return it != permits_.end() && it->id == id ? &*it : nullptr;
}

bool PermitSet::covers(const Permit& permit, const std::string& client) const {
  if (std::find(permit.holders.begin(), permit.holders.end(), client) != permit.holders.end())
    return true;
  if (!permit.umbrella) return false;
  const auto it = joined_.find(client);
  return it != joined_.end() &&
         std::find(it->second.begin(), it->second.end(), permit.id) != it->second.end();
}

std::vector<const Permit*> PermitSet::permits_of(const std::string& client) const {
  std::vector<const Permit*> out;
  for (const Permit& permit : permits_)
    if (covers(permit, client)) out.push_back(&permit);
  return out;
}

PermitDecision PermitSet::decide(const PermitRequest& request) const {
  std::vector<const Permit*> candidates;
  if (!request.permit_id.empty()) {
    const Permit* named = find(request.permit_id);
    if (named == nullptr) {
      return PermitDecision::denied(DenialReason::no_permit,
                                    "there is no permit " + request.permit_id);
    }
    if (!covers(*named, request.client)) {
      return PermitDecision::denied(
          DenialReason::no_permit,
          "client " + request.client + " " +
              (named->umbrella ? "has not joined umbrella permit " : "is not a holder of permit ") +
              named->id);
    }
    candidates.push_back(named);
  } else {
    candidates = permits_of(request.client);
    if (candidates.empty())
      return PermitDecision::denied(DenialReason::no_permit,
                                    "client " + request.client + " holds no permit");
  }
  PermitDecision decision;
  for (const Permit* permit : candidates) {
    Refusal why = refusal_of(*permit, request);
    if (why.text.empty()) {
      decision.permit = *permit;
      decision.refusals.clear();
      decision.reason = DenialReason::none;
      return decision;
    }
    decision.reason = std::max(decision.reason, why.reason);
    decision.refusals.push_back(std::move(why.text));
  }
  return decision;
}

}  // namespace popgate::registry
