// Counts the records of a CSV file without decoding it, for result manifests: any separator
// (',', ';' or tab), any ASCII-compatible encoding, files of any size.
#ifndef POPGATE_ADAPTERS_FORMATS_CSV_COUNT_H_
#define POPGATE_ADAPTERS_FORMATS_CSV_COUNT_H_

#include <cstdint>
#include <istream>
#include <string_view>

namespace popgate::formats {

// The number of records in `in`, the header line included, as CsvReader would read them: a
// line break inside a quoted field does not end a record, blank lines are not records, and a
// last record without a line break is. A quote opens a quoted field only at the start of a
// field, as RFC 4180 says. Throws FormatError when a quoted field is not closed by the end.
std::uint64_t count_csv_records(std::istream& in);

// The same count fed chunk by chunk, so that one read of a file can also hash it.
class CsvRecordCounter {
 public:
  void add(std::string_view chunk);
  // Throws FormatError when a quoted field is still open.
  std::uint64_t finish();

 private:
  void add_char(char c);
  void outside_quotes(char c);
  // A chunk without quotes, outside a quoted field: whole lines at memchr speed.
  void add_plain(std::string_view chunk);

  enum class State { field_start, unquoted, quoted, quote_in_quoted };
  State state_ = State::field_start;
  bool has_content_ = false;
  std::uint64_t records_ = 0;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_CSV_COUNT_H_
