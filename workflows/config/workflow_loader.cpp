#include "workflows/config/workflow_loader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <sstream>
#include <utility>

#include "base/strings.h"
#include "workflows/config/check_keys.h"
#include "workflows/config/config_values.h"
#include "workflows/config/did_you_mean.h"
#include "workflows/config/source_lines.h"
#include "workflows/config/yaml_loader.h"
#include "workflows/engine/param_reference.h"
#include "workflows/engine/path_glob.h"
#include "workflows/schedule/cron.h"
#include "workflows/schedule/time_zone.h"

namespace popgate::workflows {
namespace {

constexpr int kMaxAttempts = 20;
constexpr int kMaxConcurrency = 10'000;

std::string where(Mark mark) {
  return std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

bool all_of_chars(std::string_view text, std::string_view extra) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || extra.find(c) != extra.npos;
  });
}

// " (did you mean 'x'?)" or "".
std::string suggestion(std::string_view word, const std::vector<std::string_view>& candidates) {
  const std::optional<std::string> best = did_you_mean(word, candidates);
  return best ? " (did you mean '" + *best + "'?)" : "";
}

// Where a step stands, for references between steps: a step may use the outputs of the steps
// before it in the same list. on_failure steps run after a main step failed, when any later
// main step never ran, so they may only use earlier on_failure steps.
struct StepSlot {
  bool on_failure = false;
  std::size_t index = 0;
  const StepType* type = nullptr;
  Mark mark;
};

class WorkflowParser {
 public:
  WorkflowParser(std::string_view text, const std::string& file, const StepRegistry& steps,
                 Diagnostics& out)
      : text_(text), file_(file), steps_(steps), out_(out), source_(text) {}

  std::optional<Workflow> parse(bool check_fixtures) {
    check_fixtures_ = check_fixtures;
    const std::size_t errors_before = out_.error_count();
    const std::optional<ConfigNode> root = parse_yaml(text_, file_, out_);
    if (!root) return std::nullopt;
    parse_root(*root);
    if (out_.error_count() != errors_before) return std::nullopt;
    workflow_.source_file = file_;
    workflow_.source_text = std::string(text_);
    return std::move(workflow_);
  }

 private:
  void error(Mark mark, std::string message) { out_.error(file_, mark, std::move(message)); }

  void parse_root(const ConfigNode& root) {
    check_keys(root,
               {"name", "description", "service", "trigger", "steps", "on_failure", "concurrency",
                "tests"},
               {"name", "trigger", "steps"}, out_, file_);
    if (!root.is_mapping()) return;
    if (const ConfigNode* node = root.find("name")) parse_name(*node);
    if (const ConfigNode* node = root.find("description")) {
      workflow_.description = as_string(*node, out_, file_).value_or("");
    }
    if (const ConfigNode* node = root.find("service")) parse_service_key(*node);
    if (const ConfigNode* node = root.find("trigger")) parse_trigger(*node);
    const ConfigNode* steps = root.find("steps");
    const ConfigNode* on_failure = root.find("on_failure");
    collect_step_ids(steps, false);
    collect_step_ids(on_failure, true);
    if (steps != nullptr) workflow_.steps = parse_steps(*steps, false);
    if (on_failure != nullptr) workflow_.on_failure = parse_steps(*on_failure, true);
    check_permit_steps();
    if (const ConfigNode* node = root.find("concurrency")) parse_concurrency(*node);
    if (const ConfigNode* node = root.find("tests")) parse_tests(*node);
  }

  // Deny by default, in the workflow's shape: a workflow that discloses data (it has a
  // service) checks its permit first and again right before each step that hands data to the
  // client, so that a permit revoked while the job runs stops the delivery. It delivers only
  // through steps that record the disclosure in the audit log first (`deliver`), and tells
  // the client when it fails. What each step does with the client's data is its type's
  // `discloses` (step_type.h).
  void check_permit_steps() {
    const std::vector<StepSpec>& steps = workflow_.steps;
    if (workflow_.service == Service::none) {
      for (const StepSpec& step : steps) {
        if (step.uses == "permit") {
          error(step.mark, "step '" + step.id +
                               "' checks a permit, but the workflow has no service (set "
                               "service: update, extraction, change or query)");
        }
      }
      return;
    }
    const std::string service(to_string(workflow_.service));
    if (!steps.empty() && steps.front().uses != "permit") {
      error(steps.front().mark, "a workflow with service '" + service +
                                    "' must start with a `permit` step (deny by default)");
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const bool discloses = disclosure_of(steps[i]) != ClientDisclosure::none;
      if (discloses && (i == 0 || steps[i - 1].uses != "permit")) {
        error(steps[i].mark, "delivery step '" + steps[i].id +
                                 "' must come right after a `permit` step, so that a permit "
                                 "revoked while the job runs stops the delivery");
      }
    }
    for (const std::vector<StepSpec>* list :
         std::array<const std::vector<StepSpec>*, 2>{&steps, &workflow_.on_failure}) {
      for (const StepSpec& step : *list) {
        if (disclosure_of(step) == ClientDisclosure::unrecorded) {
          error(step.mark, "step '" + step.id + "' uses `" + step.uses +
                               "`, which does not record the disclosure: a workflow with "
                               "service '" +
                               service + "' delivers with `deliver`");
        }
      }
    }
    const bool reports = std::any_of(workflow_.on_failure.begin(), workflow_.on_failure.end(),
                                     [](const StepSpec& s) { return s.uses == "error_report"; });
    if (!reports && !steps.empty()) {
      error(steps.front().mark, "a workflow with service '" + service +
                                    "' must tell its client why a job failed: add an "
                                    "`error_report` step to on_failure");
    }
  }

  // What `step` does with data the client receives; none for an unknown step type (reported
  // where it is named).
  ClientDisclosure disclosure_of(const StepSpec& step) const {
    const StepType* type = steps_.find(step.uses);
    return type != nullptr ? type->discloses : ClientDisclosure::none;
  }

  void parse_name(const ConfigNode& node) {
    const std::optional<std::string> name = as_string(node, out_, file_);
    if (!name) return;
    if (!all_of_chars(*name, "_-")) {
      error(node.mark(),
            "workflow name '" + *name + "' may hold only lower-case letters, digits, '_' and '-'");
    }
    workflow_.name = *name;
  }

  void parse_service_key(const ConfigNode& node) {
    const std::optional<std::string> text = as_string(node, out_, file_);
    if (!text) return;
    if (const std::optional<Service> service = parse_service(*text)) {
      workflow_.service = *service;
      return;
    }
    const std::vector<std::string_view> names = {"none", "update", "extraction", "change", "query"};
    std::string hint = suggestion(*text, names);
    if (hint.empty()) hint = " (one of: " + base::join(names, ", ") + ")";
    error(node.mark(), "unknown service '" + *text + "'" + hint);
  }

  // --- trigger ---------------------------------------------------------------------------

  void parse_trigger(const ConfigNode& node) {
    if (!check_keys(node, {"upload", "schedule", "manual"}, {}, out_, file_)) {
      if (!node.is_mapping()) return;
    }
    const ConfigEntry* first = nullptr;
    for (const ConfigEntry& entry : node.entries()) {
      const std::string& kind = entry.key.text();
      if (kind != "upload" && kind != "schedule" && kind != "manual") continue;
      if (first != nullptr) {
        error(entry.key.mark(), "a trigger has exactly one of upload, schedule or manual; '" +
                                    kind + "' follows '" + first->key.text() + "' at " +
                                    where(first->key.mark()));
        continue;
      }
      first = &entry;
      if (kind == "upload") parse_upload(entry.value);
      if (kind == "schedule") parse_schedule(entry.value);
      if (kind == "manual") parse_manual(entry.value);
    }
    if (first == nullptr && node.entries().empty()) {
      error(node.mark(), "the trigger needs one of upload, schedule or manual");
    }
  }

  void parse_upload(const ConfigNode& node) {
    UploadTrigger upload;
    if (!check_keys(node, {}, {"path"}, out_, file_)) {
      if (!node.is_mapping()) return;
    }
    if (const ConfigNode* path = node.find("path")) {
      if (const std::optional<std::string> glob = as_string(*path, out_, file_)) {
        const GlobError bad = check_path_glob(*glob);
        if (!bad.ok()) error(path->mark(), bad.message);
        upload.path_glob = *glob;
      }
    }
    workflow_.trigger = upload;
  }

  void parse_schedule(const ConfigNode& node) {
    ScheduleTrigger schedule;
    if (!check_keys(node, {"timezone", "for_each", "clients"}, {"cron"}, out_, file_)) {
      if (!node.is_mapping()) return;
    }
    if (const ConfigNode* cron = node.find("cron")) {
      if (const std::optional<std::string> text = as_string(*cron, out_, file_)) {
        const CronParse parsed = CronSchedule::parse(*text);
        if (!parsed.ok()) error(cron->mark(), "invalid cron expression: " + parsed.error);
        schedule.cron = *text;
      }
    }
    if (const ConfigNode* zone = node.find("timezone")) {
      if (const std::optional<std::string> name = as_string(*zone, out_, file_)) {
        const TimeZoneLoad loaded = TimeZone::load(*name);
        if (!loaded.ok()) error(zone->mark(), loaded.error);
        schedule.timezone = *name;
      }
    }
    parse_schedule_targets(node, schedule);
    workflow_.trigger = std::move(schedule);
  }

  // Whom a schedule starts jobs for: every subscription, or the listed clients; one of both.
  void parse_schedule_targets(const ConfigNode& node, ScheduleTrigger& schedule) {
    const ConfigNode* for_each = node.find("for_each");
    const ConfigNode* clients = node.find("clients");
    if (for_each != nullptr && clients != nullptr) {
      error(node.find_entry("clients")->key.mark(),
            "a schedule has either for_each or clients, not both");
    } else if (for_each == nullptr && clients == nullptr) {
      error(node.mark(), "a schedule needs for_each: subscription or a clients list");
    }
    if (for_each != nullptr) {
      const std::optional<std::string> text = as_string(*for_each, out_, file_);
      if (text && *text != "subscription") {
        error(for_each->mark(), "for_each must be 'subscription', not '" + *text + "'");
      }
      schedule.for_each_subscription = true;
    }
    if (clients != nullptr) {
      schedule.clients = as_string_list(*clients, out_, file_).value_or(std::vector<std::string>{});
      if (clients->is_sequence() && clients->items().empty()) {
        error(clients->mark(), "the clients list is empty");
      }
    }
  }

  void parse_manual(const ConfigNode& node) {
    if (!node.is_null()) check_keys(node, {}, {}, out_, file_);
    workflow_.trigger = ManualTrigger{};
  }

  // --- steps -------------------------------------------------------------------------------

  // First pass: every step's id and type, so that a reference to a later step can say so.
  void collect_step_ids(const ConfigNode* list, bool on_failure) {
    if (list == nullptr || !list->is_sequence()) return;
    for (std::size_t i = 0; i < list->items().size(); ++i) {
      const ConfigNode& item = list->items()[i];
      const ConfigNode* id = item.find("id");
      if (id == nullptr || !id->is_scalar()) continue;
      const ConfigNode* uses = item.find("uses");
      const StepType* type = uses != nullptr ? steps_.find(uses->text()) : nullptr;
      const auto [it, inserted] =
          slots_.emplace(id->text(), StepSlot{on_failure, i, type, id->mark()});
      if (!inserted) {
        error(id->mark(),
              "duplicate step id '" + id->text() + "' (first at " + where(it->second.mark) + ")");
      }
    }
  }

  std::vector<StepSpec> parse_steps(const ConfigNode& list, bool on_failure) {
    std::vector<StepSpec> specs;
    if (!expect_sequence(list, out_, file_)) return specs;
    if (list.items().empty() && !on_failure) {
      error(list.mark(), "a workflow needs at least one step");
    }
    for (std::size_t i = 0; i < list.items().size(); ++i) {
      specs.push_back(parse_step(list.items()[i], StepSlot{on_failure, i, nullptr, {}}));
    }
    return specs;
  }

  StepSpec parse_step(const ConfigNode& node, StepSlot here) {
    StepSpec spec;
    spec.mark = node.mark();
    check_keys(node, {"with", "retry", "timeout"}, {"id", "uses"}, out_, file_);
    if (!node.is_mapping()) return spec;
    if (const ConfigNode* id = node.find("id")) spec.id = parse_step_id(*id);
    const StepType* type = nullptr;
    if (const ConfigNode* uses = node.find("uses")) type = parse_uses(*uses, spec);
    here.type = type;
    if (const ConfigNode* with = node.find("with")) {
      parse_with(*with, type, here, spec);
    } else if (type != nullptr) {
      report_missing_params(node.mark(), nullptr, *type);
    }
    if (const ConfigNode* retry = node.find("retry")) spec.retry = parse_retry(*retry);
    if (const ConfigNode* timeout = node.find("timeout")) {
      spec.timeout = parse_positive_duration(*timeout, "timeout");
    }
    return spec;
  }

  std::string parse_step_id(const ConfigNode& node) {
    const std::optional<std::string> id = as_string(node, out_, file_);
    if (!id) return {};
    if (!all_of_chars(*id, "_")) {
      error(node.mark(), "step id '" + *id + "' may hold only lower-case letters, digits and '_'");
    }
    return *id;
  }

  const StepType* parse_uses(const ConfigNode& node, StepSpec& spec) {
    const std::optional<std::string> name = as_string(node, out_, file_);
    if (!name) return nullptr;
    spec.uses = *name;
    if (const StepType* type = steps_.find(*name)) return type;
    const std::vector<std::string_view> names = steps_.names();
    std::string hint = suggestion(*name, names);
    if (hint.empty()) hint = " (step types: " + base::join(names, ", ") + ")";
    error(node.mark(), "unknown step type '" + *name + "'" + hint);
    return nullptr;
  }

  // --- with: parameters ----------------------------------------------------------------------

  void parse_with(const ConfigNode& with, const StepType* type, const StepSlot& here,
                  StepSpec& spec) {
    if (!expect_mapping(with, out_, file_)) return;
    for (const ConfigEntry& entry : with.entries()) {
      const std::string& name = entry.key.text();
      const ParamSpec* param = type != nullptr ? type->param(name) : nullptr;
      if (type != nullptr && param == nullptr) {
        report_unknown_param(entry.key, *type);
        continue;
      }
      ParamValue value;
      value.mark = entry.value.mark();
      if (param != nullptr && !check_param_value(entry.value, *param, here, value)) continue;
      if (param == nullptr) read_any_value(entry.value, value);
      // A list output may stand alone as a list parameter's value; of an unknown step type
      // nothing is known.
      const bool takes_list = param == nullptr || param->type == ParamType::string_list;
      check_references(entry.value, here, takes_list && entry.value.is_scalar());
      spec.with.emplace(name, std::move(value));
    }
    if (type != nullptr) report_missing_params(with.mark(), &with, *type);
  }

  void report_unknown_param(const ConfigNode& key, const StepType& type) {
    std::vector<std::string_view> names;
    for (const ParamSpec& p : type.params)
      names.push_back(p.name);
    std::string hint = suggestion(key.text(), names);
    if (hint.empty()) {
      hint = names.empty() ? " (it takes no parameters)"
                           : " (parameters: " + base::join(names, ", ") + ")";
    }
    error(key.mark(),
          "unknown parameter '" + key.text() + "' for step type '" + type.name + "'" + hint);
  }

  // A parameter written with a bad value has had its error already: it is not also missing.
  void report_missing_params(Mark at, const ConfigNode* with, const StepType& type) {
    for (const ParamSpec& p : type.params) {
      if (!p.required || (with != nullptr && with->find(p.name) != nullptr)) continue;
      error(at, "missing required parameter '" + p.name + "' for step type '" + type.name + "'");
    }
  }

  // Without a known step type the values are kept as written, unchecked.
  void read_any_value(const ConfigNode& node, ParamValue& value) {
    if (node.is_sequence()) {
      value.is_list = true;
      for (const ConfigNode& item : node.items())
        value.items.push_back(item.text());
    } else {
      value.text = node.text();
    }
  }

  // Checks `node` against the parameter's type. A scalar holding a reference is only known
  // at run time, so its type is checked there; lint checks the reference itself. A list
  // parameter is a sequence, or one reference to a list output.
  bool check_param_value(const ConfigNode& node, const ParamSpec& param, const StepSlot& here,
                         ParamValue& value) {
    if (param.type == ParamType::string_list) {
      if (node.is_scalar()) {
        if (const std::optional<ParamReference> ref = whole_reference(node.text())) {
          value.text = node.text();
          return check_list_reference(node, param, *ref, here);
        }
      }
      const std::optional<std::vector<std::string>> items = as_string_list(node, out_, file_);
      if (!items) return false;
      value.is_list = true;
      value.items = *items;
      bool all_allowed = true;
      for (const ConfigNode& item : node.items()) {
        if (find_references(item.text()).empty())
          all_allowed = check_allowed(item, param, item.text()) && all_allowed;
      }
      return all_allowed;
    }
    const std::optional<std::string> text = as_string(node, out_, file_);
    if (!text) return false;
    value.text = *text;
    const bool dynamic = !find_references(*text).empty();
    switch (param.type) {
      case ParamType::integer:
        return dynamic || as_int(node, param.min, param.max, out_, file_).has_value();
      case ParamType::boolean:
        return dynamic || as_bool(node, out_, file_).has_value();
      case ParamType::duration:
        return dynamic || as_duration(node, out_, file_).has_value();
      case ParamType::path:
        return check_path_param(node, *text);
      case ParamType::size:
        return dynamic || check_size_param(node, param);
      case ParamType::string:
      case ParamType::string_list:
        break;
    }
    return dynamic || check_allowed(node, param, *text);
  }

  // A list parameter given one reference takes the items of a list output. A reference that
  // does not resolve is check_references' to report; one to a step of an unknown type may be
  // anything.
  bool check_list_reference(const ConfigNode& node, const ParamSpec& param,
                            const ParamReference& ref, const StepSlot& here) {
    if (!reference_problem(ref, here).empty()) return true;
    const OutputSpec* output = referenced_output(ref.name);
    const bool of_unknown_type = output == nullptr && ref.name.starts_with("steps.");
    if (of_unknown_type || (output != nullptr && output->list)) return true;
    error(node.mark(), "parameter '" + param.name + "' takes a list, and '" + node.text() +
                           "' is a single value (write [" + node.text() + "] for a list of one)");
    return false;
  }

  bool check_allowed(const ConfigNode& node, const ParamSpec& param, const std::string& text) {
    if (param.check) {
      if (const std::string problem = param.check(text); !problem.empty()) {
        error(node.mark(),
              "'" + text + "' is not a valid value for '" + param.name + "': " + problem);
        return false;
      }
    }
    if (param.allowed.empty()) return true;
    if (std::find(param.allowed.begin(), param.allowed.end(), text) != param.allowed.end()) {
      return true;
    }
    std::vector<std::string_view> names(param.allowed.begin(), param.allowed.end());
    std::string hint = suggestion(text, names);
    if (hint.empty()) hint = " (one of: " + base::join(names, ", ") + ")";
    error(node.mark(), "'" + text + "' is not a valid value for '" + param.name + "'" + hint);
    return false;
  }

  // A size with its unit, within the parameter's range.
  bool check_size_param(const ConfigNode& node, const ParamSpec& param) {
    const std::optional<std::uint64_t> bytes = as_size(node, out_, file_);
    if (!bytes) return false;
    if (!size_in_range(*bytes, param)) {
      error(node.mark(), "'" + node.text() + "' is out of range for '" + param.name + "' (" +
                             size_range_text(param) + ")");
      return false;
    }
    return true;
  }

  // Paths stay inside the work dir or the client's root; references are checked for that at
  // run time, after substitution, so only the literal parts are checked here.
  bool check_path_param(const ConfigNode& node, const std::string& text) {
    const std::string literal = without_references(text, "x");
    if (literal.empty()) {
      error(node.mark(), "the path is empty");
      return false;
    }
    if (literal.front() == '/') {
      error(node.mark(), "path '" + text +
                             "' is absolute; paths are relative to the job's "
                             "work dir or the client's root");
      return false;
    }
    std::istringstream parts(literal);
    for (std::string part; std::getline(parts, part, '/');) {
      if (part == "..") {
        error(node.mark(), "path '" + text + "' contains '..'");
        return false;
      }
    }
    return true;
  }

  // --- references ------------------------------------------------------------------------------

  // `list_allowed`: the node is a list parameter's whole value, where a list output may stand.
  void check_references(const ConfigNode& node, const StepSlot& here, bool list_allowed) {
    if (node.is_sequence()) {
      for (const ConfigNode& item : node.items())
        check_references(item, here, false);
      return;
    }
    if (!node.is_scalar()) return;
    const std::vector<ParamReference> refs = find_references(node.text());
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const Mark at = source_.find(node.mark(), "${", i);
      std::string problem = reference_problem(refs[i], here);
      if (problem.empty() && !list_allowed) problem = list_output_problem(refs[i]);
      if (!problem.empty()) error(at, problem);
    }
  }

  // A list output's text is its items joined by ','; spliced into other text it would pass
  // for one value.
  std::string list_output_problem(const ParamReference& ref) const {
    const OutputSpec* output = referenced_output(ref.name);
    if (output == nullptr || !output->list) return {};
    return "'${" + ref.name + "}' is a list: it can only be the whole value of a list parameter";
  }

  // The output a ${steps.<id>.<output>} reference names; null when it names none of a known
  // step type.
  const OutputSpec* referenced_output(const std::string& name) const {
    const std::size_t dot = name.find('.', 6);
    if (!name.starts_with("steps.") || dot == std::string::npos) return nullptr;
    const auto it = slots_.find(name.substr(6, dot - 6));
    if (it == slots_.end() || it->second.type == nullptr) return nullptr;
    return it->second.type->output(name.substr(dot + 1));
  }

  // Why `ref` cannot be resolved for a step at `here`; empty when it can.
  std::string reference_problem(const ParamReference& ref, const StepSlot& here) const {
    const std::string shown = "${" + ref.name + (ref.closed ? "}" : "");
    if (!ref.closed) return "reference '" + shown + "' has no closing '}'";
    if (ref.name == "job.id" || ref.name == "client.id" || ref.name == "date") return {};
    if (ref.name == "trigger.file") {
      if (std::holds_alternative<UploadTrigger>(workflow_.trigger)) return {};
      return "${trigger.file} is only set for an upload trigger";
    }
    if (ref.name.starts_with("steps.")) return step_reference_problem(ref.name, here);
    const std::vector<std::string_view> known = {"job.id", "client.id", "trigger.file", "date"};
    std::string hint = suggestion(ref.name, known);
    if (hint.empty()) {
      hint =
          " (references: ${job.id}, ${client.id}, ${trigger.file}, ${date}, "
          "${steps.<id>.<output>})";
    }
    return "unknown reference '" + shown + "'" + hint;
  }

  std::string step_reference_problem(const std::string& name, const StepSlot& here) const {
    const std::string shown = "${" + name + "}";
    const std::size_t dot = name.find('.', 6);
    if (dot == std::string::npos || dot == 6 || dot + 1 == name.size()) {
      return "reference '" + shown + "' must have the form ${steps.<id>.<output>}";
    }
    const std::string id = name.substr(6, dot - 6);
    const std::string output = name.substr(dot + 1);
    const auto it = slots_.find(id);
    if (it == slots_.end()) {
      return "reference to undefined step '" + id + "'" + suggestion(id, earlier_steps(here));
    }
    const StepSlot& target = it->second;
    if (target.on_failure != here.on_failure) {
      return here.on_failure ? "on_failure steps cannot use '" + shown + "': step '" + id +
                                   "' may not have run when the workflow failed"
                             : "step '" + id +
                                   "' is an on_failure step; its outputs exist only after a "
                                   "failure";
    }
    if (target.index == here.index) return "step '" + id + "' cannot use its own outputs";
    if (target.index > here.index) {
      return "step '" + id + "' runs after this one; only earlier steps' outputs can be used";
    }
    if (target.type == nullptr || target.type->has_output(output)) return {};
    std::vector<std::string_view> outputs;
    for (const OutputSpec& o : target.type->outputs)
      outputs.push_back(o.name);
    std::string hint = suggestion(output, outputs);
    if (hint.empty()) {
      hint = outputs.empty() ? " (it has no outputs)"
                             : " (outputs: " + base::join(outputs, ", ") + ")";
    }
    return "step '" + id + "' (" + target.type->name + ") has no output '" + output + "'" + hint;
  }

  std::vector<std::string_view> earlier_steps(const StepSlot& here) const {
    std::vector<std::string_view> ids;
    for (const auto& [id, slot] : slots_) {
      if (slot.on_failure == here.on_failure && slot.index < here.index) ids.push_back(id);
    }
    return ids;
  }

  // --- retry, timeout, concurrency ---------------------------------------------------------------

  RetryPolicy parse_retry(const ConfigNode& node) {
    RetryPolicy retry;
    check_keys(node, {"attempts", "backoff", "max_backoff"}, {}, out_, file_);
    if (!node.is_mapping()) return retry;
    if (const ConfigNode* n = node.find("attempts")) {
      retry.attempts = static_cast<int>(as_int(*n, 1, kMaxAttempts, out_, file_).value_or(1));
    }
    if (const ConfigNode* n = node.find("backoff")) {
      retry.backoff = parse_positive_duration(*n, "backoff").value_or(retry.backoff);
    }
    if (const ConfigNode* n = node.find("max_backoff")) {
      retry.max_backoff = parse_positive_duration(*n, "max_backoff").value_or(retry.max_backoff);
    }
    if (retry.backoff > retry.max_backoff) {
      error(node.mark(), "backoff is longer than max_backoff");
    }
    return retry;
  }

  std::optional<std::chrono::milliseconds> parse_positive_duration(const ConfigNode& node,
                                                                   std::string_view what) {
    const std::optional<std::chrono::milliseconds> value = as_duration(node, out_, file_);
    if (value && value->count() == 0) {
      error(node.mark(), std::string(what) + " must be longer than 0");
      return std::nullopt;
    }
    return value;
  }

  void parse_concurrency(const ConfigNode& node) {
    check_keys(node, {"max_running", "max_running_per_client"}, {}, out_, file_);
    if (!node.is_mapping()) return;
    Concurrency& c = workflow_.concurrency;
    if (const ConfigNode* n = node.find("max_running")) {
      c.max_running = static_cast<int>(as_int(*n, 0, kMaxConcurrency, out_, file_).value_or(0));
    }
    if (const ConfigNode* n = node.find("max_running_per_client")) {
      c.max_running_per_client =
          static_cast<int>(as_int(*n, 1, kMaxConcurrency, out_, file_).value_or(1));
    }
  }

  // --- tests: config unit tests ----------------------------------------------------------------

  void parse_tests(const ConfigNode& node) {
    if (!expect_sequence(node, out_, file_)) return;
    std::map<std::string, Mark> names;
    for (const ConfigNode& item : node.items()) {
      WorkflowTest test = parse_test(item);
      if (test.name.empty()) continue;
      const auto [it, inserted] = names.emplace(test.name, test.mark);
      if (!inserted) {
        error(item.find("name")->mark(),
              "duplicate test name '" + test.name + "' (first at " + where(it->second) + ")");
      }
      workflow_.tests.push_back(std::move(test));
    }
  }

  WorkflowTest parse_test(const ConfigNode& node) {
    WorkflowTest test;
    test.mark = node.mark();
    check_keys(node, {}, {"name", "client", "input", "expect"}, out_, file_);
    if (!node.is_mapping()) return test;
    if (const ConfigNode* n = node.find("name"))
      test.name = as_string(*n, out_, file_).value_or("");
    if (const ConfigNode* n = node.find("client")) {
      test.client = as_string(*n, out_, file_).value_or("");
    }
    if (const ConfigNode* n = node.find("input")) test.input = parse_fixture(*n);
    if (const ConfigNode* n = node.find("expect")) parse_expect(*n, test);
    return test;
  }

  void parse_expect(const ConfigNode& node, WorkflowTest& test) {
    if (!expect_mapping(node, out_, file_)) return;
    if (node.entries().empty()) error(node.mark(), "expect names no outputs and no failure");
    for (const ConfigEntry& entry : node.entries()) {
      const std::string& key = entry.key.text();
      if (key == "failure") {
        test.expect_failure = as_bool(entry.value, out_, file_).value_or(false);
      } else if (key.starts_with("outbox/") && key.size() > 7) {
        test.expect.emplace(key, parse_fixture(entry.value));
      } else {
        error(entry.key.mark(), "unknown expectation '" + key +
                                    "' (write 'outbox/<file>: <fixture>' or 'failure: true')");
      }
    }
    if (test.expect_failure && !test.expect.empty()) {
      error(node.mark(), "a test expects either a failure or outputs, not both");
    }
  }

  // A fixture path, relative to the workflow file; it must exist when the file is on disk.
  std::string parse_fixture(const ConfigNode& node) {
    const std::optional<std::string> path = as_string(node, out_, file_);
    if (!path) return {};
    if (check_fixtures_) {
      const std::filesystem::path full = std::filesystem::path(file_).parent_path() / *path;
      std::error_code ignored;
      if (!std::filesystem::is_regular_file(full, ignored)) {
        error(node.mark(), "fixture '" + *path +
                               "' does not exist (paths are relative to the "
                               "workflow file)");
      }
    }
    return *path;
  }

  std::string_view text_;
  const std::string& file_;
  const StepRegistry& steps_;
  Diagnostics& out_;
  SourceLines source_;
  bool check_fixtures_ = false;
  std::map<std::string, StepSlot> slots_;
  Workflow workflow_;
};

}  // namespace

std::optional<Workflow> load_workflow(std::string_view text, const std::string& file,
                                      const StepRegistry& steps, Diagnostics& out) {
  return WorkflowParser(text, file, steps, out).parse(false);
}

std::optional<Workflow> load_workflow_file(const std::string& path, const StepRegistry& steps,
                                           Diagnostics& out) {
  const std::optional<std::string> contents = read_config_file(path, out);
  if (!contents) return std::nullopt;
  return WorkflowParser(*contents, path, steps, out).parse(true);
}

}  // namespace popgate::workflows
