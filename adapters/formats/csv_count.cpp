#include "adapters/formats/csv_count.h"

#include <array>
#include <cstring>

#include "adapters/formats/format_error.h"

namespace popgate::formats {
namespace {

bool is_separator(char c) {
  return c == ',' || c == ';' || c == '\t';
}

}  // namespace

// States: field_start (a quote here opens a quoted field), unquoted (inside an unquoted field,
// or after a quoted field's closing quote), quoted (separators and line breaks are data),
// quote_in_quoted (a quote in a quoted field: closing, or the first of a doubled quote).
void CsvRecordCounter::add_char(char c) {
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

void CsvRecordCounter::outside_quotes(char c) {
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

void CsvRecordCounter::add_plain(std::string_view chunk) {
  // Without quotes only line breaks matter, and whether a line holds more than "\r".
  while (!chunk.empty()) {
    const void* found = std::memchr(chunk.data(), '\n', chunk.size());
    const std::size_t end =
        found == nullptr ? chunk.size()
                         : static_cast<std::size_t>(static_cast<const char*>(found) - chunk.data());
    const std::string_view line = chunk.substr(0, end);
    if (!line.empty() && line != "\r") {
      has_content_ = true;
      const char last =
          line.back() == '\r' && line.size() > 1 ? line[line.size() - 2] : line.back();
      state_ = is_separator(last) ? State::field_start : State::unquoted;
    }
    if (found == nullptr) return;
    if (has_content_) ++records_;
    has_content_ = false;
    state_ = State::field_start;
    chunk.remove_prefix(end + 1);
  }
}

void CsvRecordCounter::add(std::string_view chunk) {
  const bool outside = state_ == State::field_start || state_ == State::unquoted;
  if (outside && std::memchr(chunk.data(), '"', chunk.size()) == nullptr) {
    add_plain(chunk);
    return;
  }
  for (const char c : chunk)
    add_char(c);
}

std::uint64_t CsvRecordCounter::finish() {
  if (state_ == State::quoted) {
    throw FormatError(0, "", "quoted field not closed before the end of the file");
  }
  if (has_content_) ++records_;
  return records_;
}

std::uint64_t count_csv_records(std::istream& in) {
  CsvRecordCounter counter;
  std::array<char, 64 * 1024> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    counter.add(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  return counter.finish();
}

}  // namespace popgate::formats
