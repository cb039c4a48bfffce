#include "adapters/formats/csv_count.h"

#include <array>

#include "adapters/formats/format_error.h"

namespace popgate::formats {
namespace {

enum class State {
  field_start,      // at the start of a field: a quote here opens a quoted field
  unquoted,         // inside an unquoted field (or after a quoted field's closing quote)
  quoted,           // inside a quoted field: separators and line breaks are data
  quote_in_quoted,  // saw a quote in a quoted field: closing, or the first of a doubled quote
};

bool is_separator(char c) {
  return c == ',' || c == ';' || c == '\t';
}

class RecordCounter {
 public:
  void add(char c) {
    switch (state_) {
      case State::quoted:
        if (c == '"') state_ = State::quote_in_quoted;
        return;
      case State::quote_in_quoted:
        if (c == '"') {  // a doubled quote: data, still inside the field
          state_ = State::quoted;
          return;
        }
        state_ = State::unquoted;
        outside_quotes(c);
        return;
      case State::field_start:
      case State::unquoted:
        outside_quotes(c);
        return;
    }
  }

  std::uint64_t finish() {
    if (state_ == State::quoted) {
      throw FormatError(0, "", "quoted field not closed before the end of the file");
    }
    if (has_content_) ++records_;
    return records_;
  }

 private:
  void outside_quotes(char c) {
    if (c == '\n') {
      if (has_content_) ++records_;
      has_content_ = false;
      state_ = State::field_start;
      return;
    }
    if (c == '\r') return;  // of a CRLF; a line of only "\r" is blank
    has_content_ = true;
    if (is_separator(c))
      state_ = State::field_start;
    else if (c == '"' && state_ == State::field_start)
      state_ = State::quoted;
    else
      state_ = State::unquoted;
  }

  State state_ = State::field_start;
  bool has_content_ = false;
  std::uint64_t records_ = 0;
};

}  // namespace

std::uint64_t count_csv_records(std::istream& in) {
  RecordCounter counter;
  std::array<char, 64 * 1024> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i)
      counter.add(buffer[static_cast<std::size_t>(i)]);
  }
  return counter.finish();
}

}  // namespace popgate::formats
