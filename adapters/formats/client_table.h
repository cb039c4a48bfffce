// A client's register file as a table: the update service's input. CSV with ';', ',' or tab
// (detected from the header, or set), or fixed-width columns by a layout; any of the
// encodings in text_decoding.h; a header row whose names are mapped to our fields by aliases
// (hetu / henkilotunnus / ssn, sukunimi / last_name, ...), extendable per workflow.
//
// Read as a stream: memory does not grow with the file. A file that is not a table at all
// (no header we recognise, binary data) throws TableError before any row; a row that cannot
// be read (wrong number of fields, a broken quote) comes back with `error` set, and reading
// goes on with the next row.
#ifndef POPGATE_ADAPTERS_FORMATS_CLIENT_TABLE_H_
#define POPGATE_ADAPTERS_FORMATS_CLIENT_TABLE_H_

#include <array>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/csv.h"
#include "adapters/formats/text_decoding.h"

namespace popgate::formats {

enum class ClientField {
  client_ref,
  hetu,
  last_name,
  first_names,
  birth_date,
  sex,
  municipality,
  street,
  postal_code,
  // The update service's child selection: the children of the row's person under this age
  // (whole years) on this date (registry/child_selection.h). Not about the person itself.
  children_under,
  children_on,
};
constexpr std::size_t kClientFieldCount = 11;

std::string_view to_string(ClientField field);
std::optional<ClientField> parse_client_field(std::string_view name);

// One column of a fixed-width layout: characters [start, start + length), from 1.
struct FixedWidthColumn {
  ClientField field = ClientField::client_ref;
  std::size_t start = 1;
  std::size_t length = 0;
};

struct ClientTableOptions {
  char separator = 0;  // 0: detect from the header (';', ',' or tab)
  TextEncoding encoding = TextEncoding::detect;
  // More header names per field ("Tunnus" for hetu), on top of the built-in aliases.
  std::vector<std::pair<ClientField, std::string>> aliases;
  // Non-empty: a fixed-width file without a header, laid out by these columns.
  std::vector<FixedWidthColumn> fixed_width;
};

struct ClientTableRow {
  std::int64_t line = 0;                              // where the row starts in the file, from 1
  std::int64_t number = 0;                            // data rows from 1
  std::array<std::string, kClientFieldCount> values;  // by ClientField; empty when absent
  std::string error;  // non-empty: the row could not be read (INVALID_ROW), values are empty

  const std::string& get(ClientField field) const {
    return values[static_cast<std::size_t>(field)];
  }
};

// The file as a whole is not a readable table.
class TableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ClientTableReader {
 public:
  // Reads the header (CSV). Throws TableError.
  ClientTableReader(std::istream& in, ClientTableOptions options);
  ~ClientTableReader();

  // The next data row; false at the end. Throws TableError only when the file stops being
  // text (a later part in another encoding).
  bool next(ClientTableRow& row);

  // Which field each header column maps to (nullopt: a column we do not use), and the
  // detected separator and encoding, for the result's summary.
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<std::optional<ClientField>>& mapping() const { return mapping_; }
  char separator() const { return separator_; }
  TextEncoding encoding() const { return decoder_->encoding(); }

 private:
  void read_header(const ClientTableOptions& options);
  bool next_fixed_width(ClientTableRow& row);

  std::unique_ptr<DecodingStreambuf> decoder_;
  std::unique_ptr<std::istream> text_;
  std::unique_ptr<CsvReader> csv_;
  std::vector<FixedWidthColumn> fixed_width_;
  std::vector<std::string> header_;
  std::vector<std::optional<ClientField>> mapping_;
  char separator_ = ';';
  std::int64_t rows_ = 0;
  std::int64_t line_ = 0;  // fixed width: physical lines read
  std::vector<std::string> fields_;
};

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_CLIENT_TABLE_H_
