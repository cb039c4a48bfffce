// match_persons' child selection (registry/child_selection.h) with the step's parameters and
// files: the workflow's `children` and `children_under`, the rows' children_under and
// children_on columns, <to>/children.csv beside result.csv, and the children's HETUs in
// persons.txt (so that the delivery's audit record names them too).
//
// The rows' members come a batch at a time, in the client's order, as match_persons' RowBatch
// matches them; their children are read together (RegisterStore::read_persons, in key order)
// and written in the members' order, each member's in the register's order of its children.
#ifndef POPGATE_STEPS_MATCH_CHILDREN_H_
#define POPGATE_STEPS_MATCH_CHILDREN_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "adapters/formats/client_table.h"
#include "registry/child_selection.h"
#include "registry/register_store.h"
#include "steps/step_files.h"
#include "workflows/engine/step_type.h"

namespace popgate::workflows::steps {

// The parameters `children` and `children_under`, for match_persons' schema.
std::vector<ParamSpec> match_children_params();

class MatchChildren {
 public:
  // With `children` true, refuses the job (StepError with a reason for the client) when its
  // groups lack `family` or its permit covers only persons the client identifies itself, and
  // opens <dir>/children.csv. `disclosure` and `store` must outlive this.
  MatchChildren(const StepContext& context, std::span<const registry::DataGroup> groups,
                const registry::DisclosureContext& disclosure, registry::RegisterStore& store,
                const std::filesystem::path& dir);
  ~MatchChildren();
  MatchChildren(const MatchChildren&) = delete;
  MatchChildren& operator=(const MatchChildren&) = delete;

  // Whether the workflow selects children (then the groups hold `family`).
  bool wanted() const { return file_ != nullptr; }

  // What a row asks for: the workflow's age and the job's day unless its columns say
  // otherwise. Returns "" or the row's error (INVALID_ROW). Throws StepError, with a reason for
  // the client, when the workflow selects no children and the row asks for them.
  std::string request(const formats::ClientTableRow& row, registry::ChildRequest& request) const;

  // The member of a row whose person the result discloses; nullopt when the workflow selects
  // no children.
  std::optional<registry::ChildSelectionMember> member(const std::string& client_ref,
                                                       const registry::Person& person,
                                                       const registry::ChildRequest& request) const;

  // Members in the client's order; flush() writes their children's rows and each child's HETU
  // to `persons`.
  void add(registry::ChildSelectionMember&& member);
  void flush(std::ostream& persons);
  void commit();

  // "children: N (of M matched persons)\n" (M: members with at least one child listed); ""
  // without the selection.
  std::string summary() const;
  // children.csv's path in the work dir; "" without the selection.
  std::string output() const { return output_; }

 private:
  const StepContext& context_;
  std::vector<registry::DataGroup> groups_;
  const registry::DisclosureContext& disclosure_;
  registry::RegisterStore& store_;
  registry::ChildRequest default_request_;
  std::unique_ptr<OutputFile> file_;
  std::string output_;
  std::vector<registry::ChildSelectionMember> members_;
  std::int64_t rows_ = 0;
  std::int64_t members_listed_ = 0;
};

}  // namespace popgate::workflows::steps

#endif  // POPGATE_STEPS_MATCH_CHILDREN_H_
