#include "adapters/formats/json_writer.h"

#include "base/json_text.h"

namespace popgate::formats {

void JsonWriter::newline() {
  if (indent_ == 0) return;
  out_ += '\n';
  out_.append(has_member_.size() * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_member_.empty()) return;  // the top-level value
  if (has_member_.back()) out_ += ',';
  has_member_.back() = true;
  newline();
}

void JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  has_member_.push_back(false);
}

void JsonWriter::close(char bracket) {
  const bool had_members = !has_member_.empty() && has_member_.back();
  if (!has_member_.empty()) has_member_.pop_back();
  if (had_members) newline();
  out_ += bracket;
}

void JsonWriter::begin_object() {
  open('{');
}
void JsonWriter::end_object() {
  close('}');
}
void JsonWriter::begin_array() {
  open('[');
}
void JsonWriter::end_array() {
  close(']');
}

void JsonWriter::key(std::string_view name) {
  before_value();
  base::append_json_string(out_, name);
  out_ += indent_ == 0 ? ":" : ": ";
  after_key_ = true;
}

void JsonWriter::string(std::string_view text) {
  before_value();
  base::append_json_string(out_, text);
}

void JsonWriter::number(std::int64_t value) {
  before_value();
  out_ += std::to_string(value);
}

void JsonWriter::boolean(bool value) {
  before_value();
  out_ += value ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

void JsonWriter::field_optional(std::string_view name, const std::optional<std::string>& text) {
  key(name);
  if (text) {
    string(*text);
  } else {
    null();
  }
}

void JsonWriter::field_optional_number(std::string_view name,
                                       const std::optional<std::int64_t>& value) {
  key(name);
  if (value) {
    number(*value);
  } else {
    null();
  }
}

void JsonWriter::field_strings(std::string_view name, const std::vector<std::string>& items) {
  key(name);
  begin_array();
  for (const std::string& item : items)
    string(item);
  end_array();
}

void JsonWriter::field_strings(std::string_view name, const std::vector<std::string_view>& items) {
  key(name);
  begin_array();
  for (std::string_view item : items)
    string(item);
  end_array();
}

}  // namespace popgate::formats
