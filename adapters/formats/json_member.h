// One top-level string member of a JSON object, for files popgate wrote itself and reads back
// (a job's status file: has it been delivered?).
#ifndef POPGATE_ADAPTERS_FORMATS_JSON_MEMBER_H_
#define POPGATE_ADAPTERS_FORMATS_JSON_MEMBER_H_

#include <optional>
#include <string>
#include <string_view>

namespace popgate::formats {

// The value of `name` when `json` is an object with that member as a string; nullopt when it is
// not JSON, not an object, or has no such string member.
std::optional<std::string> json_string_member(std::string_view json, const std::string& name);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_JSON_MEMBER_H_
