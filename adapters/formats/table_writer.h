// Writing a table in the format a client's system reads: CSV with its separator, quoting and
// line ends, or fixed-width lines, in its encoding (text_encoding.h). Values come in as UTF-8
// and are written through a buffer: memory does not grow with the table.
#ifndef POPGATE_ADAPTERS_FORMATS_TABLE_WRITER_H_
#define POPGATE_ADAPTERS_FORMATS_TABLE_WRITER_H_

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/fixed_width_layout.h"
#include "adapters/formats/text_encoding.h"

namespace popgate::formats {

enum class LineEnding { crlf, lf };
enum class Quoting {
  needed,  // RFC 4180: fields holding the separator, a quote, CR or LF
  always,  // every field, empty ones too
};
// A value longer than its fixed-width field.
enum class Overflow { fail, truncate };

struct TableFormat {
  char separator = ';';
  OutputEncoding encoding = OutputEncoding::utf8;
  Unmappable unmappable = Unmappable::fail;
  LineEnding line_ending = LineEnding::crlf;
  Quoting quoting = Quoting::needed;
  // Non-empty: fixed-width lines, one field per value in this order (the positions need not be
  // in order; gaps are spaces). Separator and quoting do not apply.
  std::vector<FixedWidthField> fixed_width;
  Overflow overflow = Overflow::fail;
};

// A value the format cannot hold. `column` is the value's index in the record.
class ValueNotWritable : public std::runtime_error {
 public:
  ValueNotWritable(std::size_t column, const std::string& reason)
      : std::runtime_error(reason), column_(column) {}
  std::size_t column() const { return column_; }

 private:
  std::size_t column_;
};

class TableWriter {
 public:
  // Writes the byte order mark, if the encoding has one, first. Throws std::invalid_argument
  // for a fixed-width layout whose fields overlap.
  TableWriter(std::ostream& out, TableFormat format);

  // One record (a CSV header is one too): as many values as the format has columns. Throws
  // ValueNotWritable (nothing of the record is written) for a character the encoding lacks
  // under Unmappable::fail, a line break in a fixed-width value under Unmappable::fail, or a
  // value longer than its fixed-width field under Overflow::fail.
  void write(const std::vector<std::string_view>& values);

  // Writes what is buffered; throws std::ios_base::failure when the stream fails.
  void flush();

  // Values in which a character was replaced, and fixed-width values cut to their field.
  std::int64_t replaced() const { return replaced_; }
  std::int64_t truncated() const { return truncated_; }

 private:
  void append_csv(std::string_view value, std::size_t column);
  void write_fixed(const std::vector<std::string_view>& values);
  void append_fixed(std::string_view value, std::size_t column);
  // `value` in the target encoding into encoded_, or appended to `out`.
  void encode(std::string_view value, std::size_t column);
  void encode_into(std::string& out, std::string_view value, std::size_t column);
  bool needs_quotes(std::string_view field) const;  // RFC 4180's rule, as append_csv_field's
  // Fixed-width lengths count characters: bytes in the 8-bit encodings, code points in UTF-8.
  std::size_t characters(std::string_view encoded) const;
  std::size_t byte_offset_of(std::string_view encoded, std::size_t characters) const;

  std::ostream& out_;
  TableFormat format_;
  TextEncoder encoder_;
  std::string line_end_;
  std::vector<std::size_t> by_start_;  // fixed width: the fields in the order of their start
  std::string buffer_;
  std::string encoded_;    // one value in the target encoding
  std::string flattened_;  // one fixed-width value with its line breaks as spaces
  std::int64_t replaced_ = 0;
  std::int64_t truncated_ = 0;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_TABLE_WRITER_H_
