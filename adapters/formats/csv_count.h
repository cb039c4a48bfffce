// Counts the records of a CSV file without decoding it, for result manifests: any separator
// (',', ';' or tab), any ASCII-compatible encoding, files of any size.
#ifndef POPGATE_ADAPTERS_FORMATS_CSV_COUNT_H_
#define POPGATE_ADAPTERS_FORMATS_CSV_COUNT_H_

#include <cstdint>
#include <istream>

namespace popgate::formats {

// The number of records in `in`, the header line included, as CsvReader would read them: a
// line break inside a quoted field does not end a record, blank lines are not records, and a
// last record without a line break is. A quote opens a quoted field only at the start of a
// field, as RFC 4180 says. Throws FormatError when a quoted field is not closed by the end.
std::uint64_t count_csv_records(std::istream& in);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_CSV_COUNT_H_
