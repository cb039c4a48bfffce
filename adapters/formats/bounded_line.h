// std::getline with a bound. A client's file without line breaks, or with a quote that never
// closes, must fail at a known size instead of being read into memory whole.
#ifndef POPGATE_ADAPTERS_FORMATS_BOUNDED_LINE_H_
#define POPGATE_ADAPTERS_FORMATS_BOUNDED_LINE_H_

#include <cstddef>
#include <istream>
#include <stdexcept>
#include <string>

namespace popgate::formats {

// No text record of ours or of a client's comes near this; a line that does is not a table.
constexpr std::size_t kMaxLineBytes = 1 << 20;

class LineTooLong : public std::length_error {
 public:
  explicit LineTooLong(std::size_t max_bytes);
};

// Reads up to the next '\n' (dropped) or the end of the input into `line`; false when there was
// nothing left to read. Throws LineTooLong when the line goes past `max_bytes`.
bool read_bounded_line(std::istream& in, std::string& line, std::size_t max_bytes = kMaxLineBytes);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_BOUNDED_LINE_H_
