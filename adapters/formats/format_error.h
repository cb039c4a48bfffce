// The error every reader of register records throws: which line, which field and why, so that
// an import can say "persons.csv:3: hetu: check character X, expected Y".
#ifndef POPGATE_ADAPTERS_FORMATS_FORMAT_ERROR_H_
#define POPGATE_ADAPTERS_FORMATS_FORMAT_ERROR_H_

#include <cstdint>
#include <stdexcept>
#include <string>

namespace popgate::formats {

class FormatError : public std::runtime_error {
 public:
  // line 0: not known yet (a record decoder; the reader adds the line). field "": the record
  // or line as a whole.
  FormatError(std::int64_t line, std::string field, std::string reason)
      : std::runtime_error(describe(line, field, reason)),
        line_(line),
        field_(std::move(field)),
        reason_(std::move(reason)) {}

  std::int64_t line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& reason() const { return reason_; }

  // The same error at `line`.
  FormatError at_line(std::int64_t line) const { return FormatError(line, field_, reason_); }

 private:
  static std::string describe(std::int64_t line, const std::string& field,
                              const std::string& reason) {
    std::string text;
    if (line > 0) text = "line " + std::to_string(line) + ": ";
    if (!field.empty()) text += field + ": ";
    return text + reason;
  }

  std::int64_t line_;
  std::string field_;
  std::string reason_;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_FORMAT_ERROR_H_
