#include "registry/reference.h"

#include <charconv>
#include <functional>
#include <stdexcept>

namespace popgate::registry {
namespace {

using Row = std::vector<std::string_view>;

std::vector<std::string_view> split(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t end = line.find(separator, start);
    fields.push_back(line.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields;
}

// Calls `row` for every data line of a semicolon-separated table with at least
// `min_fields` fields; extra fields are ignored (see PROVENANCE.md).
void for_each_row(std::string_view file, std::string_view text, size_t min_fields,
                  const std::function<void(const Row&, size_t line)>& row) {
  if (text.empty()) throw std::runtime_error(std::string(file) + ": missing reference file");
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 || line.empty()) continue;  // header
    Row fields = split(line, ';');
    if (fields.size() < min_fields) {
      throw std::runtime_error(std::string(file) + ":" + std::to_string(line_number) + ": " +
                               std::to_string(fields.size()) + " fields, expected " +
                               std::to_string(min_fields));
    }
    row(fields, line_number);
  }
}

std::int64_t parse_count(std::string_view file, size_t line, std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": '" +
                             std::string(text) + "' is not a count");
  }
  return value;
}

std::vector<NameCount> parse_names(std::string_view (*read)(std::string_view),
                                   std::string_view file) {
  std::vector<NameCount> names;
  for_each_row(file, read(file), 2, [&](const Row& f, size_t line) {
    names.push_back({std::string(f[0]), parse_count(file, line, f[1])});
  });
  return names;
}

std::vector<CodeName> parse_code_names(std::string_view (*read)(std::string_view),
                                       std::string_view file) {
  std::vector<CodeName> rows;
  for_each_row(file, read(file), 4, [&](const Row& f, size_t) {
    rows.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3])});
  });
  return rows;
}

// Helsinki is its own wellbeing services area and Åland has none; the source leaves both
// empty; every other municipality without a county is in Åland.
std::string county_or_default(std::string_view code, std::string_view county) {
  if (!county.empty()) return std::string(county);
  if (code == "091") return "HKI";
  return "AHV";
}

template <typename T>
const T* find_code(const std::vector<T>& rows, std::string_view code) {
  for (const T& row : rows) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

// Åland has no wellbeing services county; the rest of Finland's municipalities are in one
// county, and each county in one region.
constexpr std::string_view kAlandCounty = "AHV";
constexpr std::string_view kAlandRegion = "21";

std::string line_prefix(std::string_view file, size_t line) {
  return std::string(file) + ":" + std::to_string(line) + ": ";
}

}  // namespace

ReferenceData ReferenceData::parse(std::string_view (*read)(std::string_view)) {
  ReferenceData data;
  for_each_row("regions.csv", read("regions.csv"), 4, [&](const Row& f, size_t) {
    data.regions_.push_back(
        {std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3])});
  });
  const std::string_view counties = "wellbeing_counties.csv";
  for_each_row(counties, read(counties), 4, [&](const Row& f, size_t line) {
    if (find_code(data.regions_, f[3]) == nullptr)
      throw std::runtime_error(line_prefix(counties, line) + "no region " + std::string(f[3]));
    data.counties_.push_back(
        {std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3])});
  });
  const std::string_view file = "municipalities.csv";
  for_each_row(file, read(file), 5, [&](const Row& f, size_t line) {
    if (f[0].size() != 3)
      throw std::runtime_error(line_prefix(file, line) + "municipality code must have 3 digits");
    Municipality m{std::string(f[0]),
                   std::string(f[1]),
                   std::string(f[2]),
                   parse_count(file, line, f[3]),
                   county_or_default(f[0], f[4]),
                   {}};
    if (m.wellbeing_county == kAlandCounty) {
      m.region = kAlandRegion;
    } else if (const WellbeingCounty* county = find_code(data.counties_, m.wellbeing_county)) {
      m.region = county->region;
    } else {
      throw std::runtime_error(line_prefix(file, line) + "no wellbeing services county " +
                               m.wellbeing_county + " in " + std::string(counties));
    }
    data.municipalities_.push_back(std::move(m));
  });
  data.languages_ = parse_code_names(read, "languages.csv");
  data.countries_ = parse_code_names(read, "countries.csv");
  data.male_first_ = parse_names(read, "names/first_names_male_first.csv");
  data.male_other_ = parse_names(read, "names/first_names_male_other.csv");
  data.female_first_ = parse_names(read, "names/first_names_female_first.csv");
  data.female_other_ = parse_names(read, "names/first_names_female_other.csv");
  data.surnames_ = parse_names(read, "names/surnames.csv");
  return data;
}

const ReferenceData& ReferenceData::embedded() {
  static const ReferenceData kData = parse(&embedded_reference);
  return kData;
}

const Municipality* ReferenceData::municipality(std::string_view code) const {
  return find_code(municipalities_, code);
}
const Region* ReferenceData::region(std::string_view code) const {
  return find_code(regions_, code);
}
const WellbeingCounty* ReferenceData::wellbeing_county(std::string_view code) const {
  return find_code(counties_, code);
}
const CodeName* ReferenceData::language(std::string_view code) const {
  return find_code(languages_, code);
}
const CodeName* ReferenceData::country(std::string_view code) const {
  return find_code(countries_, code);
}

const std::vector<NameCount>& ReferenceData::first_names(Sex sex, bool as_first) const {
  if (sex == Sex::male) return as_first ? male_first_ : male_other_;
  return as_first ? female_first_ : female_other_;
}

}  // namespace popgate::registry
