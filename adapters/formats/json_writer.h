// Writes JSON text into a string: compact (one line, for JSON Lines and the change log) or
// indented (for people). Hand-written rather than Poco::JSON because the exporters write
// millions of records, and building a Poco object tree per record costs more than the record.
//
// The writer does not check that the calls nest correctly beyond what it needs for commas;
// strings are escaped by base/json_text (one policy for control characters and bad UTF-8).
#ifndef POPGATE_ADAPTERS_FORMATS_JSON_WRITER_H_
#define POPGATE_ADAPTERS_FORMATS_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::formats {

class JsonWriter {
 public:
  // Appends to `out`. indent 0: everything on one line without spaces; otherwise that many
  // spaces per level.
  explicit JsonWriter(std::string& out, int indent = 0) : out_(out), indent_(indent) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // The key of the next value in an object.
  void key(std::string_view name);

  // Named apart (not one overloaded value()) so that a string literal never binds to bool.
  void string(std::string_view text);
  void number(std::int64_t value);
  void null();
  void boolean(bool value);

  // Shorthands for one member of an object.
  void field(std::string_view name, std::string_view text) {
    key(name);
    string(text);
  }
  void field_number(std::string_view name, std::int64_t value) {
    key(name);
    number(value);
  }
  // null when absent.
  void field_optional(std::string_view name, const std::optional<std::string>& text);
  void field_optional_number(std::string_view name, const std::optional<std::int64_t>& value);
  // An array of strings.
  void field_strings(std::string_view name, const std::vector<std::string>& items);
  void field_strings(std::string_view name, const std::vector<std::string_view>& items);

 private:
  void before_value();
  void open(char bracket);
  void close(char bracket);
  void newline();

  std::string& out_;
  int indent_;
  // Per open container: whether it has a member yet (for commas and empty "{}" / "[]").
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_JSON_WRITER_H_
