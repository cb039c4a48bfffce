#include "adapters/formats/table_conversion.h"

#include <algorithm>

#include "adapters/formats/format_error.h"

namespace popgate::formats {
namespace {

struct OutputColumn {
  std::size_t source = 0;  // index in the input record
  std::string name;        // as written in the header and in errors
};

std::size_t index_of(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw UnknownColumn(name, header);
  return static_cast<std::size_t>(it - header.begin());
}

std::vector<OutputColumn> fixed_width_columns(const std::vector<std::string>& header,
                                              const TableConversion& conversion) {
  if (!conversion.columns.empty()) {
    throw std::invalid_argument(
        "columns and fixed_width exclude each other: the fixed-width layout names the columns");
  }
  std::vector<OutputColumn> columns;
  for (const FixedWidthField& field : conversion.format.fixed_width)
    columns.push_back({index_of(header, field.name), field.name});
  return columns;
}

std::vector<OutputColumn> output_columns(const std::vector<std::string>& header,
                                         const TableConversion& conversion) {
  if (!conversion.format.fixed_width.empty()) return fixed_width_columns(header, conversion);
  std::vector<OutputColumn> columns;
  if (conversion.columns.empty()) {
    for (std::size_t i = 0; i < header.size(); ++i)
      columns.push_back({i, header[i]});
    return columns;
  }
  for (const std::string& item : conversion.columns) {
    if (const std::string problem = column_item_problem(item); !problem.empty())
      throw std::invalid_argument(problem);
    const std::size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const std::string written = eq == std::string::npos ? name : item.substr(eq + 1);
    for (const OutputColumn& earlier : columns) {
      if (earlier.name == written)
        throw std::invalid_argument("columns: '" + written + "' is written twice");
    }
    columns.push_back({index_of(header, name), written});
  }
  return columns;
}

std::string where(std::int64_t row, std::int64_t line, const std::string& column) {
  const std::string record =
      row == 0 ? "the header"
               : "row " + std::to_string(row) + " (input line " + std::to_string(line) + ")";
  return record + ", column '" + column + "': ";
}

}  // namespace

UnknownColumn::UnknownColumn(std::string column, std::vector<std::string> available)
    : std::runtime_error("no column '" + column + "' in the input"),
      column_(std::move(column)),
      available_(std::move(available)) {}

ValueConversionError::ValueConversionError(std::int64_t row, std::int64_t line, std::string column,
                                           std::string reason)
    : std::runtime_error(where(row, line, column) + reason),
      row_(row),
      line_(line),
      column_(std::move(column)),
      reason_(std::move(reason)) {}

std::string column_item_problem(const std::string& item) {
  const std::size_t eq = item.find('=');
  if (item.empty() || eq == 0) return "columns item '" + item + "' names no column";
  if (eq != std::string::npos && eq + 1 == item.size())
    return "columns item '" + item + "' gives no name after '='";
  return "";
}

ConversionSummary convert_table(std::istream& in, std::ostream& out,
                                const TableConversion& conversion,
                                const std::function<bool()>& cancelled) {
  CsvReader reader(in, conversion.input_separator);
  std::vector<std::string> header;
  if (!reader.next(header)) throw FormatError(1, "", "the file is empty: no header row");
  const std::vector<OutputColumn> columns = output_columns(header, conversion);
  TableWriter writer(out, conversion.format);
  std::vector<std::string_view> values(columns.size());
  // Writes the values of `columns`, each from its source in `record` or its own name.
  const auto write = [&](const std::vector<std::string>* record, std::int64_t row) {
    for (std::size_t k = 0; k < columns.size(); ++k)
      values[k] = record != nullptr ? (*record)[columns[k].source] : columns[k].name;
    try {
      writer.write(values);
    } catch (const ValueNotWritable& e) {
      throw ValueConversionError(row, reader.line(), columns[e.column()].name, e.what());
    }
  };
  if (conversion.header && conversion.format.fixed_width.empty()) write(nullptr, 0);

  ConversionSummary summary;
  std::vector<std::string> record;
  while (reader.next(record)) {
    if (cancelled && cancelled()) throw ConversionCancelled();
    if (record.size() != header.size()) {
      throw FormatError(reader.line(), "",
                        std::to_string(record.size()) + " fields where the header has " +
                            std::to_string(header.size()));
    }
    write(&record, ++summary.rows);
  }
  writer.flush();
  summary.replaced = writer.replaced();
  summary.truncated = writer.truncated();
  return summary;
}

}  // namespace popgate::formats
