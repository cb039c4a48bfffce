// A ';'-separated CSV file (a result, a sample register, a truth file) as rows by column name,
// for tests that check files popgate wrote.
#ifndef POPGATE_TESTS_UNIT_TEST_SUPPORT_CSV_TABLE_H_
#define POPGATE_TESTS_UNIT_TEST_SUPPORT_CSV_TABLE_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "adapters/formats/csv.h"

namespace popgate::testing {

using CsvTable = std::vector<std::map<std::string, std::string>>;

inline CsvTable read_csv_table(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  formats::CsvReader reader(in);
  std::vector<std::string> header, fields;
  CsvTable table;
  if (!reader.next(header)) return table;
  while (reader.next(fields)) {
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i)
      row[header[i]] = fields[i];
    table.push_back(row);
  }
  return table;
}

}  // namespace popgate::testing

#endif  // POPGATE_TESTS_UNIT_TEST_SUPPORT_CSV_TABLE_H_
