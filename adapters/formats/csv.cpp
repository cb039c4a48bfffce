#include "adapters/formats/csv.h"

#include "adapters/formats/bounded_line.h"
#include "adapters/formats/format_error.h"
#include "base/utf8.h"

namespace popgate::formats {

void append_csv_field(std::string& out, std::string_view field, char separator) {
  const bool quote =
      field.find_first_of(std::string{separator, '"', '\r', '\n'}) != std::string_view::npos;
  if (!quote) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_record(std::string& out, const std::vector<std::string>& fields, char separator) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += separator;
    append_csv_field(out, fields[i], separator);
  }
  out += "\r\n";
}

bool CsvReader::read_physical_line() {
  try {
    if (!read_bounded_line(in_, physical_)) return false;
  } catch (const LineTooLong& e) {
    throw CsvRecordTooLong(physical_line_ + 1, "", e.what());
  }
  ++physical_line_;
  // A record's bytes: its lines and, between them, the line breaks its quoted fields keep.
  record_bytes_ += physical_.size() + (record_bytes_ > 0 ? 1 : 0);
  if (record_bytes_ > kMaxLineBytes) {
    throw CsvRecordTooLong(record_line_, "",
                           "a record longer than " + std::to_string(kMaxLineBytes) +
                               " bytes (a quote that is never closed?)");
  }
  if (physical_line_ == 1 && physical_.compare(0, 3, "\xef\xbb\xbf") == 0) physical_.erase(0, 3);
  if (physical_line_ == 1 && base::starts_with_wide_bom(physical_)) {
    throw CsvOutOfStep(1, "", std::string(base::kWideTextAdvice));
  }
  if (const size_t bad = base::invalid_utf8_offset(physical_); bad != std::string::npos) {
    throw FormatError(
        physical_line_, "",
        "byte " + std::to_string(bad + 1) + " is not UTF-8 (was the file saved as Windows-1252?)");
  }
  return true;
}

std::string CsvReader::unclosed_quote_reason(std::size_t field) const {
  std::string why = "the quote that opens field " + std::to_string(field) + " at column " +
                    std::to_string(quote_column_) + " is never closed";
  const std::int64_t after = physical_line_ - quote_line_;
  if (after == 0) return why + " before the end of the file";
  if (after == 1) return why + ": the line after it would be part of the field";
  return why + ": the " + std::to_string(after) + " lines after it would be one field";
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  do {
    record_bytes_ = 0;
    if (!read_physical_line()) return false;
  } while (physical_.empty() || physical_ == "\r");
  record_line_ = physical_line_;

  std::string field;
  bool in_quotes = false;
  bool was_quoted = false;  // the current field was quoted and its closing quote seen
  size_t i = 0;
  while (true) {
    if (i == physical_.size()) {
      if (!in_quotes) break;
      // A line break inside a quoted field belongs to the field.
      if (!read_physical_line()) {
        throw CsvQuoteNotClosed(quote_line_, "", unclosed_quote_reason(fields.size() + 1));
      }
      field += '\n';
      i = 0;
      continue;
    }
    const char c = physical_[i++];
    if (in_quotes) {
      if (c != '"') {
        field += c;
      } else if (i < physical_.size() && physical_[i] == '"') {
        field += '"';
        ++i;
      } else {
        in_quotes = false;
        was_quoted = true;
      }
      continue;
    }
    // The CR of a CRLF line end (getline() took the LF). Inside quotes it stays in the field.
    if (c == '\r' && i == physical_.size()) continue;
    if (c == separator_) {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      continue;
    }
    if (was_quoted) {
      throw FormatError(
          physical_line_, "",
          "text after the closing quote of field " + std::to_string(fields.size() + 1));
    }
    if (c == '"' && field.empty()) {
      in_quotes = true;
      quote_line_ = physical_line_;
      quote_column_ = base::count_code_points(std::string_view(physical_).substr(0, i));
      continue;
    }
    field += c;
  }
  fields.push_back(std::move(field));
  return true;
}

}  // namespace popgate::formats
