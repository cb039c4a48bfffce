#include "adapters/formats/bounded_line.h"

namespace popgate::formats {

LineTooLong::LineTooLong(std::size_t max_bytes)
    : std::length_error("a line longer than " + std::to_string(max_bytes) +
                        " bytes (a missing line break, or a quote that is never closed?)") {}

// istream::getline into a buffer is as fast as std::getline (both scan the stream's buffer
// with memchr) but stops when the buffer is full, so the line grows a chunk at a time.
bool read_bounded_line(std::istream& in, std::string& line, std::size_t max_bytes) {
  line.clear();
  char chunk[8192];
  for (;;) {
    in.getline(chunk, sizeof chunk);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.eof()) {  // the last line, without a line break
      line.append(chunk, got);
      if (line.size() > max_bytes) throw LineTooLong(max_bytes);
      return got > 0 || !line.empty();
    }
    if (!in.fail()) {  // up to a line break, which getline counted but did not store
      line.append(chunk, got - 1);
      if (line.size() > max_bytes) throw LineTooLong(max_bytes);
      return true;
    }
    if (in.bad() || got + 1 < sizeof chunk) return false;
    line.append(chunk, got);  // the chunk is full: the line goes on
    if (line.size() > max_bytes) throw LineTooLong(max_bytes);
    in.clear();
  }
}

}  // namespace popgate::formats
