// Streams of register records in a file format: readers that yield one record at a time with
// its line number, writers that append one record at a time. Nothing holds more than the
// current record, so a register of millions exports and imports in constant memory.
#ifndef POPGATE_ADAPTERS_FORMATS_RECORD_IO_H_
#define POPGATE_ADAPTERS_FORMATS_RECORD_IO_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string_view>

namespace popgate::formats {

enum class Format { jsonl, csv };

std::string_view to_string(Format format);
// "jsonl" or "csv".
std::optional<Format> parse_format(std::string_view name);
// By extension, case-insensitively: .jsonl and .ndjson, .csv. nullopt for anything else.
std::optional<Format> format_of_path(std::string_view path);

template <typename Record>
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Reads the next record into `out`; false at the end. Throws FormatError carrying the line.
  virtual bool next(Record& out) = 0;
  // The line the last record started on, from 1.
  virtual std::int64_t line() const = 0;
};

template <typename Record>
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  // Throws FormatError (line 0) when the format cannot hold the record.
  virtual void write(const Record& record) = 0;
};

// Record is registry::Person, registry::Building or registry::ChangeEvent. A CSV reader
// expects a header row; a CSV writer writes one at once.
template <typename Record>
std::unique_ptr<RecordReader<Record>> make_record_reader(Format format, std::istream& in);
template <typename Record>
std::unique_ptr<RecordWriter<Record>> make_record_writer(Format format, std::ostream& out);

}  // namespace popgate::formats

#endif  // POPGATE_ADAPTERS_FORMATS_RECORD_IO_H_
