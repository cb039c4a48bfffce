// CSV as RFC 4180 describes it, with the separator as a parameter (register files use ';'):
// fields containing the separator, a quote or a line break are quoted, quotes inside doubled.
// Records end with CRLF when written; LF and CRLF are both read. Reading checks UTF-8.
#ifndef POPGATE_ADAPTERS_FORMATS_CSV_H_
#define POPGATE_ADAPTERS_FORMATS_CSV_H_

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/format_error.h"

namespace popgate::formats {

constexpr char kRegisterCsvSeparator = ';';

// Appends one record (with its line ending) to `out`.
void append_csv_record(std::string& out, const std::vector<std::string>& fields,
                       char separator = kRegisterCsvSeparator);
void append_csv_field(std::string& out, std::string_view field,
                      char separator = kRegisterCsvSeparator);

// Reading cannot go on in step with the file: the records after this one are unknown, so a
// reader fails the whole table (not one row).
class CsvOutOfStep : public FormatError {
 public:
  using FormatError::FormatError;
};

// A record past kMaxLineBytes (bounded_line.h).
class CsvRecordTooLong : public CsvOutOfStep {
 public:
  using CsvOutOfStep::CsvOutOfStep;
};

// A quote that is never closed: the rest of the file would be one field. The line is the one
// where the quote opened.
class CsvQuoteNotClosed : public CsvOutOfStep {
 public:
  using CsvOutOfStep::CsvOutOfStep;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, char separator = kRegisterCsvSeparator)
      : in_(in), separator_(separator) {}

  // Reads the next record into `fields`; false at the end of the input. Blank lines are
  // skipped, a UTF-8 byte order mark at the start too. Throws FormatError (with the line) for
  // an unterminated quoted field, text after a closing quote, or bytes that are not UTF-8;
  // CsvRecordTooLong for a record longer than kMaxLineBytes (so memory stays bounded whatever
  // the input).
  bool next(std::vector<std::string>& fields);

  // The line the last record started on, from 1.
  std::int64_t line() const { return record_line_; }

 private:
  bool read_physical_line();
  std::string unclosed_quote_reason(std::size_t field) const;

  std::istream& in_;
  char separator_;
  std::string physical_;
  std::int64_t physical_line_ = 0;
  std::int64_t record_line_ = 0;
  std::int64_t quote_line_ = 0;   // where the open quoted field began
  std::size_t quote_column_ = 0;  // in characters, from 1
  std::size_t record_bytes_ = 0;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_CSV_H_
