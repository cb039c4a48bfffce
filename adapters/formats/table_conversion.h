// Converting a CSV of ours (UTF-8, a header row; a step's result) into the table format a
// client's system reads (table_writer.h): its separator, encoding, line ends and quoting, its
// choice and names of columns, or fixed-width lines. One record at a time: memory does not grow
// with the file.
#ifndef POPGATE_ADAPTERS_FORMATS_TABLE_CONVERSION_H_
#define POPGATE_ADAPTERS_FORMATS_TABLE_CONVERSION_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/formats/csv.h"
#include "adapters/formats/table_writer.h"

namespace popgate::formats {

struct TableConversion {
  char input_separator = kRegisterCsvSeparator;
  // The columns written, in this order: "name" (an input column) or "name=Header" (written
  // under another name). Empty: every column as it is. Not with fixed width, whose fields name
  // the input columns themselves.
  std::vector<std::string> columns;
  bool header = true;  // CSV only: fixed-width lines have no header
  TableFormat format;
};

struct ConversionSummary {
  std::int64_t rows = 0;       // data rows written (the header not counted)
  std::int64_t replaced = 0;   // values with a character replaced
  std::int64_t truncated = 0;  // fixed-width values cut to their field
};

// A column the conversion names is not in the input's header.
class UnknownColumn : public std::runtime_error {
 public:
  UnknownColumn(std::string column, std::vector<std::string> available);
  const std::string& column() const { return column_; }
  const std::vector<std::string>& available() const { return available_; }

 private:
  std::string column_;
  std::vector<std::string> available_;
};

// A value the client's format cannot hold: "row 11 (input line 12), column 'sukunimi': the
// character 'Ł' (U+0141) cannot be written in windows-1252". Row 0 is the header.
class ValueConversionError : public std::runtime_error {
 public:
  ValueConversionError(std::int64_t row, std::int64_t line, std::string column, std::string reason);
  std::int64_t row() const { return row_; }
  std::int64_t line() const { return line_; }
  const std::string& column() const { return column_; }  // as written (the new name)
  const std::string& reason() const { return reason_; }

 private:
  std::int64_t row_;
  std::int64_t line_;
  std::string column_;
  std::string reason_;
};

class ConversionCancelled : public std::runtime_error {
 public:
  ConversionCancelled() : std::runtime_error("the conversion was cancelled") {}
};

// Why a "name" or "name=Header" item of TableConversion::columns is malformed, or "".
std::string column_item_problem(const std::string& item);

// Reads `in`, writes `out`. Throws std::invalid_argument for malformed options,
// UnknownColumn, FormatError (with the line) for input that is not well-formed CSV (an open
// quote, text after a closing quote, not UTF-8, a record with more or fewer fields than the
// header), ValueConversionError, ConversionCancelled when `cancelled` says so (asked once per
// record), and std::ios_base::failure when `out` fails.
ConversionSummary convert_table(std::istream& in, std::ostream& out,
                                const TableConversion& conversion,
                                const std::function<bool()>& cancelled = {});

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_TABLE_CONVERSION_H_
