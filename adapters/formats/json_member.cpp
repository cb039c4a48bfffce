#include "adapters/formats/json_member.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace popgate::formats {

std::optional<std::string> json_string_member(std::string_view json, const std::string& name) {
  try {
    Poco::JSON::Parser parser;
    const Poco::Dynamic::Var root = parser.parse(std::string(json));
    const Poco::JSON::Object::Ptr object = root.extract<Poco::JSON::Object::Ptr>();
    if (object.isNull() || !object->has(name)) return std::nullopt;
    const Poco::Dynamic::Var value = object->get(name);
    if (!value.isString()) return std::nullopt;
    return value.convert<std::string>();
  } catch (const Poco::Exception&) {
    return std::nullopt;  // not JSON, or not an object
  }
}

}  // namespace popgate::formats
