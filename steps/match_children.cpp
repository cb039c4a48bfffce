#include "steps/match_children.h"

#include <algorithm>
#include <map>

#include "adapters/formats/csv.h"
#include "steps/param_spec.h"

namespace popgate::workflows::steps {
namespace {

using formats::ClientField;

constexpr int kDefaultUnder = 18;

// A parameter's value, or its default when the context has none (contexts made by hand).
std::string param_or(const StepContext& context, const std::string& name,
                     const std::string& fallback) {
  const auto it = context.params.find(name);
  return it == context.params.end() ? fallback : it->second;
}

bool has_group(std::span<const registry::DataGroup> groups, registry::DataGroup group) {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

[[noreturn]] void refuse(const StepContext& context, const std::string& why,
                         const std::string& client_reason) {
  throw StepError("step " + context.step_id + ": " + why, false, client_reason);
}

// Why the job may not select children, for the client; "" when it may.
std::string refusal(std::span<const registry::DataGroup> groups, const registry::Permit& permit) {
  const std::string selection =
      "this service lists the children of the persons in your file (the child selection), but ";
  if (!permit.grants(registry::DataGroup::family)) {
    return selection + "your permit " + permit.id +
           " does not grant the family group, which the child selection discloses. Ask the "
           "register authority for a permit that grants it.";
  }
  if (!has_group(groups, registry::DataGroup::family)) {
    return selection + "the family group, which your permit " + permit.id +
           " grants, is not among the groups this service requests. Ask the register "
           "authority to add it.";
  }
  if (permit.population.only_held_persons) {
    return selection + "your permit " + permit.id +
           " covers only persons you identify yourself, and children are selected from the "
           "register. Ask the register authority about your permit.";
  }
  return "";
}

}  // namespace

std::vector<ParamSpec> match_children_params() {
  ParamSpec under = param_spec(
      "children_under", ParamType::integer, false, std::to_string(kDefaultUnder),
      "With `children`: children under this age (whole years) on the reference date are "
      "selected, unless a row's children_under column asks for a lower age; also the highest "
      "age a row may ask for.");
  under.min = 1;
  under.max = 120;
  return {param_spec("children", ParamType::boolean, false, "false",
                     "The child selection: with every matched person, their living children "
                     "under `children_under` on the day of the job (or a row's children_under "
                     "and children_on) in <to>/children.csv, one row per person and child. "
                     "The groups must hold `family`; the children's HETUs go into "
                     "persons.txt. False: a file whose rows ask for children fails the job."),
          std::move(under)};
}

MatchChildren::MatchChildren(const StepContext& context,
                             std::span<const registry::DataGroup> groups,
                             const registry::DisclosureContext& disclosure,
                             registry::RegisterStore& store, const std::filesystem::path& dir)
    : context_(context),
      groups_(groups.begin(), groups.end()),
      disclosure_(disclosure),
      store_(store) {
  default_request_.under_age = std::stoi(param_or(context, "children_under", "18"));
  default_request_.on = disclosure.day;
  if (param_or(context, "children", "false") != "true") return;
  if (const std::string why = refusal(groups, *disclosure.permit); !why.empty()) {
    refuse(context, "the workflow selects children, but the job may not: " + why, why);
  }
  file_ = std::make_unique<OutputFile>(dir / "children.csv");
  output_ = context.param("to") + "/children.csv";
  std::string header;
  formats::append_csv_record(header, registry::children_columns(groups_));
  file_->stream() << header;
}

MatchChildren::~MatchChildren() = default;

std::string MatchChildren::request(const formats::ClientTableRow& row,
                                   registry::ChildRequest& request) const {
  const std::string& under = row.get(ClientField::children_under);
  const std::string& on = row.get(ClientField::children_on);
  if (!wanted() && (!under.empty() || !on.empty())) {
    const std::string column = !under.empty() ? "children_under" : "children_on";
    const std::string where = "column " + column + ", line " + std::to_string(row.line);
    refuse(context_, "the file asks for children (" + where + "), but the workflow selects none",
           "your file asks for the children of its persons (" + where +
               "), but this service does not select children for you. Leave the "
               "children_under and children_on columns empty, or ask the register authority "
               "about the child selection.");
  }
  return registry::parse_child_request(under, on, default_request_, default_request_.under_age,
                                       request);
}

std::optional<registry::ChildSelectionMember> MatchChildren::member(
    const std::string& client_ref, const registry::Person& person,
    const registry::ChildRequest& request) const {
  if (!wanted()) return std::nullopt;
  return registry::child_selection_member(client_ref, person, request, *disclosure_.permit);
}

void MatchChildren::add(registry::ChildSelectionMember&& member) {
  members_.push_back(std::move(member));
}

void MatchChildren::flush(std::ostream& persons) {
  if (!wanted()) return;
  // Each child once, however many members are its parents; its rows go where each member's
  // list of children has it.
  struct Place {
    std::size_t member;
    std::size_t child;
  };
  std::map<std::string, std::size_t> index;
  std::vector<std::string> hetus;
  std::vector<std::vector<Place>> places;
  std::vector<std::vector<std::string>> lines(members_.size());
  for (std::size_t m = 0; m < members_.size(); ++m) {
    const std::vector<std::string>& children = members_[m].children;
    lines[m].resize(children.size());
    for (std::size_t c = 0; c < children.size(); ++c) {
      const auto [it, added] = index.emplace(children[c], hetus.size());
      if (added) {
        hetus.push_back(children[c]);
        places.emplace_back();
      }
      places[it->second].push_back({m, c});
    }
  }
  store_.read_persons(
      hetus, registry::PersonRead::whole, [&](std::size_t i, registry::Person&& child) {
        for (const Place& place : places[i]) {
          const registry::ChildRowResult row =
              registry::child_row(members_[place.member], child, groups_, disclosure_);
          if (!row.fields.empty()) {
            formats::append_csv_record(lines[place.member][place.child], row.fields);
          }
        }
      });
  std::ostream& out = file_->stream();
  for (std::size_t m = 0; m < members_.size(); ++m) {
    bool listed = false;
    for (std::size_t c = 0; c < lines[m].size(); ++c) {
      if (lines[m][c].empty()) continue;
      out << lines[m][c];
      persons << members_[m].children[c] << '\n';
      ++rows_;
      listed = true;
    }
    if (listed) ++members_listed_;
  }
  members_.clear();
}

void MatchChildren::commit() {
  if (file_) file_->commit();
}

std::string MatchChildren::summary() const {
  if (!wanted()) return "";
  return "children: " + std::to_string(rows_) + " (of " + std::to_string(members_listed_) +
         " matched persons)\n";
}

}  // namespace popgate::workflows::steps
