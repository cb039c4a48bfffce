#include "adapters/formats/client_table.h"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "adapters/formats/bounded_line.h"
#include "adapters/formats/format_error.h"
#include "base/strings.h"
#include "base/utf8.h"

namespace popgate::formats {
namespace {

// Control characters a field may hold: a street address may span lines (popgate writes one
// so, and a client's file may hold one), nothing else may hold any: not a name, an identity
// code, a date or the client's own reference.
std::optional<std::string> control_character_in(std::string_view value, ClientField field) {
  return base::find_control_character(value, field == ClientField::street ? "\t\n\r" : "");
}

constexpr std::array<std::string_view, kClientFieldCount> kFieldNames = {
    "client_ref",   "hetu",   "last_name",   "first_names",    "birth_date", "sex",
    "municipality", "street", "postal_code", "children_under", "children_on"};

// Header names clients use, folded as fold_header() folds them.
const std::map<std::string, ClientField>& builtin_aliases() {
  static const std::map<std::string, ClientField> kAliases = {
      {"client_ref", ClientField::client_ref},
      {"clientref", ClientField::client_ref},
      {"ref", ClientField::client_ref},
      {"reference", ClientField::client_ref},
      {"id", ClientField::client_ref},
      {"asiakasnumero", ClientField::client_ref},
      {"asiakasnro", ClientField::client_ref},
      {"tunniste", ClientField::client_ref},
      {"hetu", ClientField::hetu},
      {"henkilotunnus", ClientField::hetu},
      {"ssn", ClientField::hetu},
      {"personal_identity_code", ClientField::hetu},
      {"personbeteckning", ClientField::hetu},
      {"sukunimi", ClientField::last_name},
      {"last_name", ClientField::last_name},
      {"lastname", ClientField::last_name},
      {"surname", ClientField::last_name},
      {"efternamn", ClientField::last_name},
      {"etunimet", ClientField::first_names},
      {"etunimi", ClientField::first_names},
      {"first_names", ClientField::first_names},
      {"firstnames", ClientField::first_names},
      {"first_name", ClientField::first_names},
      {"given_names", ClientField::first_names},
      {"fornamn", ClientField::first_names},
      {"syntymaaika", ClientField::birth_date},
      {"birth_date", ClientField::birth_date},
      {"birthdate", ClientField::birth_date},
      {"date_of_birth", ClientField::birth_date},
      {"dob", ClientField::birth_date},
      {"fodelsedatum", ClientField::birth_date},
      {"sukupuoli", ClientField::sex},
      {"sex", ClientField::sex},
      {"gender", ClientField::sex},
      {"kon", ClientField::sex},
      {"kunta", ClientField::municipality},
      {"kotikunta", ClientField::municipality},
      {"municipality", ClientField::municipality},
      {"kommun", ClientField::municipality},
      {"lahiosoite", ClientField::street},
      {"katuosoite", ClientField::street},
      {"osoite", ClientField::street},
      {"street", ClientField::street},
      {"street_address", ClientField::street},
      {"address", ClientField::street},
      {"gatuadress", ClientField::street},
      {"postinumero", ClientField::postal_code},
      {"postal_code", ClientField::postal_code},
      {"postcode", ClientField::postal_code},
      {"zip", ClientField::postal_code},
      {"postnummer", ClientField::postal_code},
      {"children_under", ClientField::children_under},
      {"children_on", ClientField::children_on},
  };
  return kAliases;
}

// Lower case, Finnish/Swedish letters without their dots, spaces and '-' as '_', so that
// "Syntymäaika", "SYNTYMAAIKA" and "syntymä-aika" agree.
std::string fold_header(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == 0xC3 && i + 1 < name.size()) {  // UTF-8 Ä Ö Å ä ö å
      const auto next = static_cast<unsigned char>(name[i + 1]);
      if (next == 0x84 || next == 0xA4 || next == 0x85 || next == 0xA5) {
        out += 'a';
        ++i;
        continue;
      }
      if (next == 0x96 || next == 0xB6) {
        out += 'o';
        ++i;
        continue;
      }
    }
    if (c == ' ' || c == '-' || c == '.') {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    out += static_cast<char>(std::tolower(c));
  }
  while (!out.empty() && out.back() == '_')
    out.pop_back();
  // "syntyma_aika" and "syntymaaika" both.
  std::string joined;
  for (const char c : out) {
    if (c != '_') joined += c;
  }
  return builtin_aliases().count(out) > 0 ? out : joined;
}

std::string trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  return std::string(text);
}

// The separator that splits the header line into the most fields (at least two).
char detect_separator(const std::string& line) {
  char best = 0;
  std::size_t best_count = 0;
  for (const char candidate : {';', ',', '\t'}) {
    const std::size_t count =
        static_cast<std::size_t>(std::count(line.begin(), line.end(), candidate));
    if (count > best_count) {
      best = candidate;
      best_count = count;
    }
  }
  return best;
}

// Whether a header line without separators is one column name we know.
bool known_header(const std::string& line, const ClientTableOptions& options) {
  const std::string name = fold_header(trim(line));
  if (builtin_aliases().count(name) > 0) return true;
  for (const auto& alias : options.aliases) {
    if (fold_header(alias.second) == name) return true;
  }
  return false;
}

bool looks_binary(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b == 0 || (b < 0x20 && b != '\t' && b != '\r' && b != '\n');
  });
}

}  // namespace

std::string_view to_string(ClientField field) {
  return kFieldNames[static_cast<std::size_t>(field)];
}

std::optional<ClientField> parse_client_field(std::string_view name) {
  for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
    if (kFieldNames[i] == name) return static_cast<ClientField>(i);
  }
  return std::nullopt;
}

ClientTableReader::ClientTableReader(std::istream& in, ClientTableOptions options)
    : decoder_(std::make_unique<DecodingStreambuf>(in, options.encoding)),
      text_(std::make_unique<std::istream>(decoder_.get())) {
  // An istream swallows what its streambuf throws unless told otherwise.
  text_->exceptions(std::ios::badbit);
  if (!options.fixed_width.empty()) {
    fixed_width_ = std::move(options.fixed_width);
    return;
  }
  read_header(options);
}

ClientTableReader::~ClientTableReader() = default;

void ClientTableReader::read_header(const ClientTableOptions& options) {
  // Peek the first line to choose the separator, then hand the whole stream to the CSV reader.
  std::string first;
  try {
    if (!read_bounded_line(*text_, first)) throw TableError("not a table: the file is empty");
  } catch (const TextDecodingError& e) {
    throw TableError(std::string("not a text file: ") + e.what());
  } catch (const LineTooLong& e) {
    throw TableError(std::string("not a table: line 1: ") + e.what());
  }
  if (first.compare(0, 3, "\xef\xbb\xbf") == 0) first.erase(0, 3);
  // A UTF-16 or UTF-32 byte order mark (FF FE, FE FF) read as single-byte text: "ÿþ" or "þÿ".
  if (first.starts_with("\xc3\xbf\xc3\xbe") || first.starts_with("\xc3\xbe\xc3\xbf")) {
    throw TableError("not a table we can read: " + std::string(base::kWideTextAdvice));
  }
  if (looks_binary(first)) throw TableError("not a table: line 1 holds binary data");
  if (first.empty() || first == "\r") throw TableError("not a table: the header (line 1) is empty");
  separator_ = options.separator != 0 ? options.separator : detect_separator(first);
  if (separator_ == 0 && known_header(first, options)) {
    separator_ = ';';  // one column (a list of HETUs): any separator reads it
  }
  if (separator_ == 0) {
    throw TableError(
        "not a table: the header (line 1) has no ';', ',' or tab between column "
        "names");
  }
  std::istringstream header_line(first);
  CsvReader header_reader(header_line, separator_);
  try {
    header_reader.next(header_);
  } catch (const FormatError& e) {
    throw TableError(std::string("not a table: the header: ") + e.reason());
  }
  std::map<std::string, ClientField> aliases = builtin_aliases();
  for (const auto& [field, name] : options.aliases)
    aliases[fold_header(name)] = field;
  bool any = false;
  for (const std::string& name : header_) {
    auto it = aliases.find(fold_header(trim(name)));
    if (it == aliases.end()) {
      mapping_.push_back(std::nullopt);
      continue;
    }
    if (std::find(mapping_.begin(), mapping_.end(), it->second) != mapping_.end()) {
      throw TableError("the header names " + std::string(to_string(it->second)) +
                       " twice (column '" + trim(name) + "')");
    }
    mapping_.push_back(it->second);
    any = true;
  }
  if (!any) {
    throw TableError(
        "not a table we can read: no column of the header (line 1) is one we know; name the "
        "columns e.g. hetu, sukunimi, etunimet, syntymaaika, client_ref");
  }
  csv_ = std::make_unique<CsvReader>(*text_, separator_);
  line_ = 1;
}

bool ClientTableReader::next(ClientTableRow& row) {
  if (!fixed_width_.empty()) return next_fixed_width(row);
  row.values.fill({});
  row.error.clear();
  try {
    if (!csv_->next(fields_)) return false;
  } catch (const CsvOutOfStep& e) {
    throw TableError("line " + std::to_string(e.line() + 1) + ": " + e.reason());
  } catch (const FormatError& e) {
    row.line = e.line() + 1;  // the CSV reader counts from the line after the header
    row.number = ++rows_;
    row.error = e.reason();
    return true;
  } catch (const TextDecodingError& e) {
    throw TableError(std::string("line ") + std::to_string(e.line()) + ": " + e.what());
  }
  row.line = csv_->line() + 1;
  row.number = ++rows_;
  if (fields_.size() != header_.size()) {
    row.error = std::to_string(fields_.size()) + " fields where the header has " +
                std::to_string(header_.size());
    return true;
  }
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (!mapping_[i]) continue;
    if (std::optional<std::string> control = control_character_in(fields_[i], *mapping_[i])) {
      row.error = "column " + std::to_string(i + 1) + " ('" + base::printable(trim(header_[i])) +
                  "') holds " + *control;
      row.values.fill({});
      return true;
    }
    row.values[static_cast<std::size_t>(*mapping_[i])] = trim(fields_[i]);
  }
  return true;
}

bool ClientTableReader::next_fixed_width(ClientTableRow& row) {
  std::string line;
  do {
    try {
      if (!read_bounded_line(*text_, line)) return false;
    } catch (const TextDecodingError& e) {
      throw TableError(e.what());
    } catch (const LineTooLong& e) {
      throw TableError("line " + std::to_string(line_ + 1) + ": " + e.what());
    }
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
  } while (line.empty());
  if (line_ == 1 && line.compare(0, 3, "\xef\xbb\xbf") == 0) line.erase(0, 3);
  row.values.fill({});
  row.error.clear();
  row.line = line_;
  row.number = ++rows_;
  // Positions count characters, not bytes: decoded text is UTF-8.
  std::vector<std::size_t> starts;  // byte offset of each character
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  for (const FixedWidthColumn& column : fixed_width_) {
    if (column.start - 1 >= starts.size()) continue;  // a short line: the field is empty
    const std::size_t from = starts[column.start - 1];
    const std::size_t end_char = column.start - 1 + column.length;
    const std::size_t to = end_char >= starts.size() ? line.size() : starts[end_char];
    const std::string value = line.substr(from, to - from);
    if (std::optional<std::string> control = control_character_in(value, column.field)) {
      row.error = "the " + std::string(to_string(column.field)) + " field (characters " +
                  std::to_string(column.start) + "-" + std::to_string(end_char) + ") holds " +
                  *control;
      row.values.fill({});
      return true;
    }
    row.values[static_cast<std::size_t>(column.field)] = trim(value);
  }
  return true;
}

}  // namespace popgate::formats
