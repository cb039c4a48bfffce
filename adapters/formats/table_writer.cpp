#include "adapters/formats/table_writer.h"

#include <algorithm>
#include <cstdio>

#include "adapters/formats/csv.h"
#include "base/utf8.h"

namespace popgate::formats {
namespace {

// Large enough that writes are few, small enough not to matter next to the rest.
constexpr std::size_t kFlushAt = 1 << 20;

std::string code_point_text(char32_t c) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(c));
  std::string text;
  // Control characters are shown by their code only.
  if (c >= 0x20 && !(c >= 0x7F && c < 0xA0)) {
    text += '\'';
    base::append_code_point(text, c);
    text += "' ";
  }
  return text + "(" + hex + ")";
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

TableWriter::TableWriter(std::ostream& out, TableFormat format)
    : out_(out),
      format_(std::move(format)),
      encoder_(format_.encoding, format_.unmappable),
      line_end_(format_.line_ending == LineEnding::crlf ? "\r\n" : "\n") {
  // Fields written in the order of their start must not overlap, or a line would go backwards.
  if (const std::string problem = fixed_width_layout_problem(format_.fixed_width);
      !problem.empty()) {
    throw std::invalid_argument("fixed_width: " + problem);
  }
  buffer_ += encoder_.byte_order_mark();
  for (std::size_t i = 0; i < format_.fixed_width.size(); ++i)
    by_start_.push_back(i);
  std::sort(by_start_.begin(), by_start_.end(), [this](std::size_t a, std::size_t b) {
    return format_.fixed_width[a].start < format_.fixed_width[b].start;
  });
}

void TableWriter::write(const std::vector<std::string_view>& values) {
  const bool fixed = !format_.fixed_width.empty();
  if (fixed && values.size() != format_.fixed_width.size()) {
    throw std::invalid_argument("a record of " + std::to_string(values.size()) +
                                " values for a layout of " +
                                std::to_string(format_.fixed_width.size()) + " fields");
  }
  // A record that cannot be written leaves nothing of itself behind.
  const std::size_t record_start = buffer_.size();
  try {
    if (fixed) {
      write_fixed(values);
    } else {
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) buffer_ += format_.separator;
        append_csv(values[i], i);
      }
    }
  } catch (...) {
    buffer_.resize(record_start);
    throw;
  }
  buffer_ += line_end_;
  if (buffer_.size() >= kFlushAt) flush();
}

void TableWriter::flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  if (!out_) throw std::ios_base::failure("cannot write the table");
  buffer_.clear();
}

void TableWriter::append_csv(std::string_view value, std::size_t column) {
  if (format_.quoting == Quoting::always) {
    encode(value, column);
    buffer_ += '"';
    for (const char c : encoded_) {
      if (c == '"') buffer_ += '"';
      buffer_ += c;
    }
    buffer_ += '"';
    return;
  }
  // Most values need no quotes: encode them straight into the buffer, and quote the few that
  // do afterwards. Quoting looks at the encoded value: a transliterated "“" is a '"'.
  const std::size_t start = buffer_.size();
  encode_into(buffer_, value, column);
  if (!needs_quotes(std::string_view(buffer_).substr(start))) return;
  encoded_.assign(buffer_, start);
  buffer_.resize(start);
  append_csv_field(buffer_, encoded_, format_.separator);
}

bool TableWriter::needs_quotes(std::string_view field) const {
  // One pass with plain comparisons: this runs for every field of every row.
  for (const char c : field) {
    if (c == format_.separator || c == '"' || c == '\r' || c == '\n') return true;
  }
  return false;
}

void TableWriter::write_fixed(const std::vector<std::string_view>& values) {
  std::size_t position = 1;  // the character the next one written is, from 1
  for (const std::size_t i : by_start_) {
    const FixedWidthField& field = format_.fixed_width[i];
    buffer_.append(field.start - position, ' ');
    append_fixed(values[i], i);
    position = field.end();
  }
}

void TableWriter::append_fixed(std::string_view value, std::size_t column) {
  // A line break would end the line inside the field.
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    if (format_.unmappable == Unmappable::fail) {
      throw ValueNotWritable(column, "a line break cannot be written in a fixed-width line");
    }
    flattened_.assign(value);
    std::replace(flattened_.begin(), flattened_.end(), '\r', ' ');
    std::replace(flattened_.begin(), flattened_.end(), '\n', ' ');
    value = flattened_;
    ++replaced_;
  }
  encode(value, column);
  const FixedWidthField& field = format_.fixed_width[column];
  const std::size_t length = characters(encoded_);
  if (length > field.length) {
    if (format_.overflow == Overflow::fail) {
      throw ValueNotWritable(column, "the value has " + std::to_string(length) +
                                         " characters, the field holds " +
                                         std::to_string(field.length));
    }
    ++truncated_;
    buffer_.append(encoded_, 0, byte_offset_of(encoded_, field.length));
    return;
  }
  buffer_ += encoded_;
  buffer_.append(field.length - length, ' ');
}

void TableWriter::encode(std::string_view value, std::size_t column) {
  encoded_.clear();
  encode_into(encoded_, value, column);
}

void TableWriter::encode_into(std::string& out, std::string_view value, std::size_t column) {
  const EncodeResult result = encoder_.append(out, value);
  if (result.unmappable) {
    throw ValueNotWritable(column, "the character " + code_point_text(*result.unmappable) +
                                       " cannot be written in " +
                                       std::string(to_string(format_.encoding)));
  }
  if (result.replaced) ++replaced_;
}

std::size_t TableWriter::characters(std::string_view encoded) const {
  if (encoder_.single_byte()) return encoded.size();
  return static_cast<std::size_t>(
      std::count_if(encoded.begin(), encoded.end(), [](char c) { return !is_continuation(c); }));
}

std::size_t TableWriter::byte_offset_of(std::string_view encoded, std::size_t characters) const {
  if (encoder_.single_byte()) return characters;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (is_continuation(encoded[i])) continue;
    if (seen == characters) return i;
    ++seen;
  }
  return encoded.size();
}

}  // namespace popgate::formats
