#include "workflows/config/permit_config.h"

#include <map>

#include "base/strings.h"
#include "registry/reference.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/config_values.h"
#include "workflows/config/did_you_mean.h"
#include "workflows/config/yaml_loader.h"

namespace popgate::workflows {
namespace {

class PermitParser {
 public:
  PermitParser(const std::string& file, Diagnostics& out) : file_(file), out_(out) {}

  void parse(const ConfigNode& root, PermitConfig& permit) {
    check_keys(root,
               {"holders", "umbrella", "use", "population", "safety_non_disclosure_right",
                "valid_until", "revoked"},
               {"id", "purpose", "legal_basis", "services", "data_groups", "valid_from"}, out_,
               file_);
    if (!root.is_mapping()) return;
    if (const ConfigNode* n = root.find("umbrella")) {
      permit.umbrella = as_bool(*n, out_, file_).value_or(false);
    }
    if (root.find("holders") == nullptr && !permit.umbrella) {
      out_.error(file_, root.mark(),
                 "missing required key 'holders' (only an umbrella permit, umbrella: true, may "
                 "have none: clients join it from their own file)");
    }
    if (const ConfigNode* n = root.find("id")) {
      permit.id = as_string(*n, out_, file_).value_or("");
      permit.id_mark = n->mark();
    }
    if (const ConfigNode* n = root.find("holders")) parse_holders(*n, permit);
    if (const ConfigNode* n = root.find("purpose")) permit.purpose = text(*n);
    if (const ConfigNode* n = root.find("legal_basis")) permit.legal_basis = text(*n);
    if (const ConfigNode* n = root.find("services")) parse_services(*n, permit);
    if (const ConfigNode* n = root.find("data_groups")) parse_groups(*n, permit);
    if (const ConfigNode* n = root.find("use")) parse_use(*n, permit);
    if (const ConfigNode* n = root.find("population")) parse_population(*n, permit);
    if (const ConfigNode* n = root.find("safety_non_disclosure_right")) {
      permit.safety_non_disclosure_right = as_bool(*n, out_, file_).value_or(false);
    }
    if (const ConfigNode* n = root.find("valid_from")) {
      permit.valid_from = date(*n).value_or(registry::Date{});
    }
    if (const ConfigNode* n = root.find("valid_until")) {
      permit.valid_until = date(*n);
      if (permit.valid_until && root.find("valid_from") != nullptr &&
          *permit.valid_until < permit.valid_from) {
        out_.error(file_, n->mark(), "valid_until is before valid_from");
      }
    }
    if (const ConfigNode* n = root.find("revoked")) {
      permit.revoked = as_bool(*n, out_, file_).value_or(false);
    }
  }

 private:
  std::string text(const ConfigNode& node) { return as_string(node, out_, file_).value_or(""); }

  // A non-empty sequence of strings; each item with its node for positions.
  const std::vector<ConfigNode>* list(const ConfigNode& node) {
    if (!as_string_list(node, out_, file_)) return nullptr;
    if (node.items().empty()) out_.error(file_, node.mark(), "the list is empty");
    return &node.items();
  }

  void parse_holders(const ConfigNode& node, PermitConfig& permit) {
    if (const auto* items = list(node)) {
      for (const ConfigNode& item : *items) {
        permit.holders.push_back(item.text());
        permit.holder_marks.push_back(item.mark());
      }
    }
  }

  void parse_services(const ConfigNode& node, PermitConfig& permit) {
    const auto* items = list(node);
    if (items == nullptr) return;
    for (const ConfigNode& item : *items) {
      const std::optional<registry::Service> service = registry::parse_service(item.text());
      if (service) {
        permit.services.push_back(*service);
        continue;
      }
      std::string message = "unknown service '" + item.text() + "'";
      if (auto best = did_you_mean(item.text(), {"update", "extraction", "change", "query"})) {
        message += " (did you mean '" + *best + "'?)";
      } else {
        message += " (one of: update, extraction, change, query)";
      }
      out_.error(file_, item.mark(), message);
    }
  }

  void parse_groups(const ConfigNode& node, PermitConfig& permit) {
    const auto* items = list(node);
    if (items == nullptr) return;
    std::vector<std::string> names;
    for (const registry::DataGroup g : registry::person_data_groups()) {
      names.emplace_back(registry::to_string(g));
    }
    names.emplace_back(registry::to_string(registry::DataGroup::building));
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    for (const ConfigNode& item : *items) {
      if (const auto group = registry::parse_data_group(item.text())) {
        permit.data_groups.push_back(*group);
        continue;
      }
      std::string message = "unknown data group '" + item.text() + "'";
      if (auto best = did_you_mean(item.text(), candidates)) {
        message += " (did you mean '" + *best + "'?)";
      }
      out_.error(file_, item.mark(), message);
    }
  }

  void parse_use(const ConfigNode& node, PermitConfig& permit) {
    const std::optional<std::string> name = as_string(node, out_, file_);
    if (!name) return;
    if (const auto use = registry::parse_permit_use(*name)) {
      permit.use = *use;
      return;
    }
    const std::vector<std::string_view> uses = registry::permit_use_names();
    std::string message = "unknown use '" + *name + "'";
    if (auto best = did_you_mean(*name, uses)) {
      message += " (did you mean '" + *best + "'?)";
    } else {
      message += " (one of: " + base::join(uses, ", ") + ")";
    }
    out_.error(file_, node.mark(), message);
  }

  void parse_population(const ConfigNode& node, PermitConfig& permit) {
    check_keys(node, {"municipalities", "min_age", "max_age", "only_held_persons"}, {}, out_,
               file_);
    if (!node.is_mapping()) return;
    registry::PopulationRestriction& population = permit.population;
    if (const ConfigNode* n = node.find("municipalities")) parse_municipalities(*n, population);
    if (const ConfigNode* n = node.find("min_age")) {
      if (auto v = as_int(*n, 0, 150, out_, file_)) population.min_age = static_cast<int>(*v);
    }
    if (const ConfigNode* n = node.find("max_age")) {
      if (auto v = as_int(*n, 0, 150, out_, file_)) {
        population.max_age = static_cast<int>(*v);
        if (population.min_age && *population.max_age < *population.min_age) {
          out_.error(file_, n->mark(), "max_age is below min_age");
        }
      }
    }
    if (const ConfigNode* n = node.find("only_held_persons")) {
      population.only_held_persons = as_bool(*n, out_, file_).value_or(false);
    }
  }

  void parse_municipalities(const ConfigNode& node, registry::PopulationRestriction& population) {
    const auto* items = list(node);
    if (items == nullptr) return;
    const registry::ReferenceData& reference = registry::ReferenceData::embedded();
    for (const ConfigNode& item : *items) {
      if (reference.municipality(item.text()) == nullptr) {
        out_.error(file_, item.mark(),
                   "unknown municipality code '" + item.text() +
                       "' (three digits, e.g. '091' for Helsinki)");
        continue;
      }
      population.municipalities.push_back(item.text());
    }
  }

  std::optional<registry::Date> date(const ConfigNode& node) {
    const std::optional<std::string> value = as_string(node, out_, file_);
    if (!value) return std::nullopt;
    const std::optional<registry::Date> parsed = registry::Date::parse(*value);
    if (!parsed || parsed->iso() != *value) {
      out_.error(file_, node.mark(), "'" + *value + "' is not a date (YYYY-MM-DD)");
      return std::nullopt;
    }
    return parsed;
  }

  const std::string& file_;
  Diagnostics& out_;
};

registry::PermitSet permit_set(const std::vector<PermitConfig>& permits,
                               const std::vector<ClientConfig>& clients) {
  std::vector<registry::Permit> plain(permits.begin(), permits.end());
  std::map<std::string, std::vector<std::string>> joined;
  for (const ClientConfig& client : clients) {
    if (!client.disabled) joined[client.id] = client.joins;
  }
  return registry::PermitSet(std::move(plain), std::move(joined));
}

}  // namespace

ConfiguredPermits::ConfiguredPermits(const std::vector<PermitConfig>& permits,
                                     const std::vector<ClientConfig>& clients)
    : set_(permit_set(permits, clients)) {
  for (const ClientConfig& client : clients)
    disabled_.emplace(client.id, client.disabled);
}

registry::PermitDecision ConfiguredPermits::decide(const registry::PermitRequest& request) const {
  const auto client = disabled_.find(request.client);
  if (client == disabled_.end()) {
    return registry::PermitDecision::denied(registry::DenialReason::client_inactive,
                                            "client " + request.client + " does not exist");
  }
  if (client->second) {
    return registry::PermitDecision::denied(registry::DenialReason::client_inactive,
                                            "client " + request.client + " is disabled");
  }
  return set_.decide(request);
}

std::optional<PermitConfig> load_permit_file(const std::string& path, Diagnostics& out) {
  const std::size_t errors_before = out.error_count();
  const std::optional<ConfigNode> root = load_yaml_file(path, out);
  if (!root) return std::nullopt;
  PermitConfig permit;
  permit.source_file = path;
  PermitParser(path, out).parse(*root, permit);
  if (out.error_count() != errors_before) return std::nullopt;
  return permit;
}

}  // namespace popgate::workflows
