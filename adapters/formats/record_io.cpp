#include "adapters/formats/record_io.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "adapters/formats/bounded_line.h"
#include "adapters/formats/csv.h"
#include "adapters/formats/format_error.h"
#include "adapters/formats/json_writer.h"
#include "adapters/formats/record_csv.h"
#include "adapters/formats/record_json.h"
#include "base/utf8.h"
#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"

namespace popgate::formats {
namespace {

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

template <typename Record>
class JsonLinesReader final : public RecordReader<Record> {
 public:
  explicit JsonLinesReader(std::istream& in) : in_(in) {}

  bool next(Record& out) override {
    while (read_line()) {
      if (!text_.empty() && text_.back() == '\r') text_.pop_back();
      if (physical_line_ == 1 && text_.compare(0, 3, "\xef\xbb\xbf") == 0) text_.erase(0, 3);
      if (physical_line_ == 1 && base::starts_with_wide_bom(text_)) {
        throw FormatError(1, "", std::string(base::kWideTextAdvice));
      }
      if (blank(text_)) continue;
      record_line_ = physical_line_;
      if (const size_t bad = base::invalid_utf8_offset(text_); bad != std::string::npos) {
        throw FormatError(record_line_, "", "byte " + std::to_string(bad + 1) + " is not UTF-8");
      }
      try {
        decoder_.decode(text_, out);
      } catch (const FormatError& e) {
        throw e.at_line(record_line_);
      }
      return true;
    }
    return false;
  }

  std::int64_t line() const override { return record_line_; }

 private:
  // The next line into text_; false at the end. A line past kMaxLineBytes (a binary file, or
  // one that is not JSON Lines) fails the file at once, before it is in memory.
  bool read_line() {
    try {
      if (!read_bounded_line(in_, text_)) return false;
    } catch (const LineTooLong& e) {
      throw FormatError(physical_line_ + 1, "", e.what());
    }
    ++physical_line_;
    return true;
  }

  std::istream& in_;
  JsonRecordDecoder decoder_;
  std::string text_;
  std::int64_t physical_line_ = 0;
  std::int64_t record_line_ = 0;
};

template <typename Record>
class CsvRecordReader final : public RecordReader<Record> {
 public:
  explicit CsvRecordReader(std::istream& in) : csv_(in) {}

  bool next(Record& out) override {
    if (!layout_) {
      if (!csv_.next(row_)) return false;  // an empty file holds no records
      try {
        layout_.emplace(csv_header<Record>(), row_, csv_key_column<Record>());
      } catch (const FormatError& e) {
        throw e.at_line(csv_.line());
      }
    }
    if (!csv_.next(row_)) return false;
    if (row_.size() != layout_->file_columns()) {
      throw FormatError(csv_.line(), "",
                        std::to_string(row_.size()) + " fields, but the header has " +
                            std::to_string(layout_->file_columns()));
    }
    try {
      decode_csv(*layout_, row_, out);
    } catch (const FormatError& e) {
      throw e.at_line(csv_.line());
    }
    return true;
  }

  std::int64_t line() const override { return csv_.line(); }

 private:
  CsvReader csv_;
  std::optional<CsvLayout> layout_;
  std::vector<std::string> row_;
};

template <typename Record>
class JsonLinesWriter final : public RecordWriter<Record> {
 public:
  explicit JsonLinesWriter(std::ostream& out) : out_(out) {}

  void write(const Record& record) override {
    buffer_.clear();
    JsonWriter writer(buffer_);
    write_json(writer, record);
    buffer_ += '\n';
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  }

 private:
  std::ostream& out_;
  std::string buffer_;
};

template <typename Record>
class CsvRecordWriter final : public RecordWriter<Record> {
 public:
  explicit CsvRecordWriter(std::ostream& out) : out_(out) {
    buffer_.clear();
    append_csv_record(buffer_, csv_header<Record>());
    flush_buffer();
  }

  void write(const Record& record) override {
    encode_csv(record, row_);
    buffer_.clear();
    append_csv_record(buffer_, row_);
    flush_buffer();
  }

 private:
  void flush_buffer() { out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size())); }

  std::ostream& out_;
  std::string buffer_;
  std::vector<std::string> row_;
};

}  // namespace

std::string_view to_string(Format format) {
  return format == Format::csv ? "csv" : "jsonl";
}

std::optional<Format> parse_format(std::string_view name) {
  if (name == "jsonl") return Format::jsonl;
  if (name == "csv") return Format::csv;
  return std::nullopt;
}

std::optional<Format> format_of_path(std::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return std::nullopt;
  }
  std::string extension(path.substr(dot + 1));
  for (char& c : extension)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == "jsonl" || extension == "ndjson") return Format::jsonl;
  if (extension == "csv") return Format::csv;
  return std::nullopt;
}

template <typename Record>
std::unique_ptr<RecordReader<Record>> make_record_reader(Format format, std::istream& in) {
  if (format == Format::csv) return std::make_unique<CsvRecordReader<Record>>(in);
  return std::make_unique<JsonLinesReader<Record>>(in);
}

template <typename Record>
std::unique_ptr<RecordWriter<Record>> make_record_writer(Format format, std::ostream& out) {
  if (format == Format::csv) return std::make_unique<CsvRecordWriter<Record>>(out);
  return std::make_unique<JsonLinesWriter<Record>>(out);
}

#define POPGATE_RECORD_IO(Record)                                                           \
  template std::unique_ptr<RecordReader<Record>> make_record_reader<Record>(Format,         \
                                                                            std::istream&); \
  template std::unique_ptr<RecordWriter<Record>> make_record_writer<Record>(Format, std::ostream&);
POPGATE_RECORD_IO(registry::Person)
POPGATE_RECORD_IO(registry::Building)
POPGATE_RECORD_IO(registry::ChangeEvent)
#undef POPGATE_RECORD_IO

}  // namespace popgate::formats
