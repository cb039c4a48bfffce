// `popgate import` and `popgate export`: register records in and out as JSON Lines or CSV.
//
// An import is all or nothing: every file goes into one transaction, and the first bad line
// stops it with "FILE:LINE: field: why", leaving the register as it was. Both directions
// stream one record at a time, so their memory does not grow with the register.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/formats/format_error.h"
#include "adapters/formats/record_io.h"
#include "adapters/store/sqlite_register_store.h"
#include "base/atomic_file.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/commands.h"
#include "registry/building.h"
#include "registry/change_event.h"
#include "registry/person.h"
#include "registry/record_check.h"

namespace popgate::cli {
namespace {

namespace fs = std::filesystem;
using formats::Format;
using formats::FormatError;
using registry::Building;
using registry::ChangeEvent;
using registry::Person;
using store::SqliteRegisterStore;

enum class Kind { persons, buildings, changes };

Kind parse_kind_option(const ParsedArgs& args) {
  const std::string kind = args.get_or("kind", "");
  if (kind == "persons") return Kind::persons;
  if (kind == "buildings") return Kind::buildings;
  if (kind == "changes") return Kind::changes;
  if (kind.empty()) throw UsageError("--kind is required (persons, buildings or changes)");
  throw UsageError("--kind: '" + kind + "' is not persons, buildings or changes");
}

std::string required_option(const ParsedArgs& args, std::string_view name) {
  auto value = args.get(name);
  if (!value || value->empty()) throw UsageError("--" + std::string(name) + " is required");
  return *value;
}

std::optional<Format> format_option(const ParsedArgs& args) {
  auto name = args.get("format");
  if (!name) return std::nullopt;
  auto format = formats::parse_format(*name);
  if (!format) throw UsageError("--format: '" + *name + "' is not jsonl or csv");
  return format;
}

// ---------------------------------------------------------------------------------------------
// Import

// A bad line: reported as "FILE:LINE: field: why", and the import stops.
class ImportFailure : public std::runtime_error {
 public:
  ImportFailure(const std::string& file, std::int64_t line, std::string_view field,
                std::string_view why)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " +
                           (field.empty() ? "" : std::string(field) + ": ") + std::string(why)) {}
};

struct InputFile {
  std::string path;  // "-" is stdin
  Format format;
};

// A family link to a person not (yet) in the register, checked again after the last file:
// links may point forward, to a person later in the same import.
struct PendingLink {
  std::string hetu;
  size_t file;
  std::int64_t line;
  std::string field;
};

// The CSV column that holds a field the record checks name in the JSON form.
std::string csv_column(const Person& person, const std::string& field) {
  if (field.rfind("addresses[", 0) != 0) {
    return field.rfind("family[", 0) == 0 ? "family" : field;
  }
  const size_t close = field.find(']');
  const size_t index = std::stoul(field.substr(10, close - 10));
  const std::string part = close + 2 < field.size() ? field.substr(close + 2) : "kind";
  if (index >= person.addresses.size()) return field;
  return std::string(registry::to_string(person.addresses[index].kind)) + "_" + part;
}

std::string csv_column(const Building&, const std::string& field) {
  if (field.rfind("addresses[", 0) != 0) return field;
  return "address_" + field.substr(field.find("].") + 2);
}

std::string csv_column(const ChangeEvent&, const std::string& field) {
  return field.rfind("values[", 0) == 0 ? "values" : field;
}

std::optional<registry::RecordProblem> check(const Person& r) {
  return registry::check_person(r);
}
std::optional<registry::RecordProblem> check(const Building& r) {
  return registry::check_building(r);
}
std::optional<registry::RecordProblem> check(const ChangeEvent& r) {
  return registry::check_change(r);
}

class Importer {
 public:
  Importer(SqliteRegisterStore& store, std::vector<InputFile> files)
      : store_(store), files_(std::move(files)) {}

  // Returns the number of records imported; throws ImportFailure for the first bad line.
  // Nothing is committed unless everything is good.
  template <typename Record>
  std::int64_t run() {
    auto transaction = store_.begin();
    std::int64_t count = 0;
    for (size_t f = 0; f < files_.size(); ++f)
      count += import_file<Record>(f, *transaction);
    check_pending_links();
    transaction->commit();
    return count;
  }

 private:
  template <typename Record>
  std::int64_t import_file(size_t f, registry::RegisterTransaction& transaction) {
    const InputFile& file = files_[f];
    std::ifstream stream;
    std::istream* in = &std::cin;
    if (file.path != "-") {
      stream.open(file.path, std::ios::binary);
      if (!stream) throw std::runtime_error(file.path + ": cannot open: " + std::strerror(errno));
      in = &stream;
    }
    auto reader = formats::make_record_reader<Record>(file.format, *in);
    std::int64_t count = 0;
    Record record;
    while (true) {
      try {
        if (!reader->next(record)) break;
      } catch (const FormatError& e) {
        throw ImportFailure(file.path, e.line(), e.field(), e.reason());
      }
      const std::int64_t line = reader->line();
      if (auto problem = check(record)) {
        const std::string field =
            file.format == Format::csv ? csv_column(record, problem->field) : problem->field;
        throw ImportFailure(file.path, line, field, problem->reason);
      }
      try {
        put(transaction, record, f, line);
      } catch (const registry::StoreError& e) {
        throw ImportFailure(file.path, line, "", e.what());
      }
      ++count;
    }
    if (in->bad()) throw std::runtime_error(file.path + ": read error");
    return count;
  }

  void put(registry::RegisterTransaction& transaction, Person& person, size_t file,
           std::int64_t line) {
    transaction.put_person(person);
    for (size_t i = 0; i < person.family.size(); ++i) {
      if (store_.has_person(person.family[i].hetu)) continue;
      const std::string field =
          files_[file].format == Format::csv ? "family" : "family[" + std::to_string(i) + "].hetu";
      pending_.push_back({person.family[i].hetu, file, line, field});
    }
  }
  void put(registry::RegisterTransaction& transaction, Building& building, size_t, std::int64_t) {
    transaction.put_building(building);
  }
  void put(registry::RegisterTransaction& transaction, ChangeEvent& event, size_t, std::int64_t) {
    transaction.append_change(event);
  }

  void check_pending_links() {
    for (const PendingLink& link : pending_) {
      if (!store_.has_person(link.hetu)) {
        throw ImportFailure(files_[link.file].path, link.line, link.field,
                            link.hetu + " is not in the register (nor in this import)");
      }
    }
  }

  SqliteRegisterStore& store_;
  std::vector<InputFile> files_;
  std::vector<PendingLink> pending_;
};

std::vector<InputFile> input_files(const ParsedArgs& args, std::optional<Format> format) {
  std::vector<InputFile> files;
  for (const std::string& path : args.positional()) {
    std::optional<Format> file_format = format ? format : formats::format_of_path(path);
    if (!file_format) {
      throw UsageError("cannot tell the format of '" + path +
                       "' from its name (.jsonl, .ndjson, .csv); give --format");
    }
    files.push_back({path, *file_format});
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// Export

// Where an export goes: stdout, or a file that appears only when complete (written under a
// temporary name and renamed), so that a failed export never leaves half a file behind.
class ExportOutput {
 public:
  explicit ExportOutput(const std::optional<std::string>& path) {
    if (!path || *path == "-") return;
    target_ = *path;
    published_.emplace(target_);
    file_.open(published_->temp_path(), std::ios::binary | std::ios::trunc);
    if (!file_) throw std::runtime_error(target_ + ": cannot create: " + std::strerror(errno));
  }
  ExportOutput(const ExportOutput&) = delete;
  ExportOutput& operator=(const ExportOutput&) = delete;

  std::ostream& stream() { return target_.empty() ? std::cout : file_; }

  void finish() {
    std::ostream& out = stream();
    out.flush();
    if (!out) throw std::runtime_error((target_.empty() ? "stdout" : target_) + ": write failed");
    if (target_.empty()) return;
    file_.close();
    if (!file_) throw std::runtime_error(target_ + ": write failed");
    published_->commit();
  }

 private:
  std::string target_;
  std::optional<base::AtomicFile> published_;  // removes the unfinished file unless committed
  std::ofstream file_;
};

std::string_view record_id(const Person& p) {
  return p.hetu;
}
std::string_view record_id(const Building& b) {
  return b.prt;
}
std::string record_id(const ChangeEvent& e) {
  return "change " + std::to_string(e.seq);
}

template <typename Record, typename Scan>
std::int64_t export_records(Format format, std::ostream& out, const Scan& scan) {
  auto writer = formats::make_record_writer<Record>(format, out);
  std::int64_t count = 0;
  scan([&](const Record& record) {
    try {
      writer->write(record);
    } catch (const FormatError& e) {
      throw std::runtime_error(std::string(record_id(record)) + ": " + e.what());
    }
    ++count;
    return static_cast<bool>(out);  // stop at the first write error
  });
  return count;
}

constexpr std::string_view kImportHelp =
    "Imports persons, buildings or change events from JSON Lines or CSV files (';'-separated,\n"
    "UTF-8, a header row) into the register, which is created when missing. FILE '-' is stdin.\n"
    "All files go in one transaction: the first bad line stops the import, nothing is\n"
    "imported, and the error says FILE:LINE: field: why. Every record is checked: HETUs and\n"
    "PRTs, dates, names of enums, birth date and sex against the HETU; a family link must name\n"
    "a person who is in the register once the import is done. A person or building already in\n"
    "the register is replaced whole; change events are appended with new sequence numbers.";

constexpr std::string_view kExportHelp =
    "Exports persons, buildings or change events as JSON Lines or CSV, streaming, in store\n"
    "order (change events in sequence order). With --out the file appears only when complete.\n"
    "The format defaults to the extension of --out, else jsonl.";

}  // namespace

int run_import(CommandArgs args) {
  ArgParser parser("import --db FILE --kind KIND [--format FORMAT] FILE...",
                   std::string(kImportHelp));
  parser.option({"db", "FILE", "the register database (register.db)", ""})
      .option({"kind", "KIND", "persons, buildings or changes", ""})
      .option({"format", "FORMAT", "jsonl or csv; default: from each file's extension", ""})
      .positional_range(1, std::numeric_limits<size_t>::max());
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string db = required_option(*parsed, "db");
  const Kind kind = parse_kind_option(*parsed);
  std::vector<InputFile> files = input_files(*parsed, format_option(*parsed));
  const size_t file_count = files.size();

  auto store = SqliteRegisterStore::open(db, SqliteRegisterStore::Mode::read_write);
  Importer importer(*store, std::move(files));
  std::int64_t count = 0;
  try {
    switch (kind) {
      case Kind::persons:
        count = importer.run<Person>();
        break;
      case Kind::buildings:
        count = importer.run<Building>();
        break;
      case Kind::changes:
        count = importer.run<ChangeEvent>();
        break;
    }
  } catch (const ImportFailure& e) {
    std::cerr << e.what() << "\npopgate import: nothing imported\n";
    return kExitFailure;
  }
  std::cout << "imported " << count << " " << parsed->get_or("kind", "") << " from " << file_count
            << (file_count == 1 ? " file" : " files") << " into " << db << "\n";
  return kExitOk;
}

int run_export(CommandArgs args) {
  ArgParser parser("export --db FILE --kind KIND [--format FORMAT] [--out FILE] [--since-seq N]",
                   std::string(kExportHelp));
  parser.option({"db", "FILE", "the register database (register.db)", ""})
      .option({"kind", "KIND", "persons, buildings or changes", ""})
      .option({"format", "FORMAT", "jsonl or csv", ""})
      .option({"out", "FILE", "write here instead of stdout", ""})
      .option({"since-seq", "N", "changes only: those with a sequence number above N", ""});
  int exit_code = kExitOk;
  auto parsed = parse_or_exit(parser, args, &exit_code);
  if (!parsed) return exit_code;
  const std::string db = required_option(*parsed, "db");
  const Kind kind = parse_kind_option(*parsed);
  const std::optional<std::string> out_path = parsed->get("out");
  std::optional<Format> format = format_option(*parsed);
  if (!format && out_path) format = formats::format_of_path(*out_path);
  if (parsed->has("since-seq") && kind != Kind::changes) {
    throw UsageError("--since-seq is for --kind changes");
  }
  const std::int64_t since =
      parsed->get_int("since-seq", 0, 0, std::numeric_limits<std::int64_t>::max());
  if (!fs::exists(db)) {
    std::cerr << "popgate export: " << db << ": no such file\n";
    return kExitFailure;
  }

  auto store = SqliteRegisterStore::open(db, SqliteRegisterStore::Mode::read_only);
  std::ios::sync_with_stdio(false);
  ExportOutput output(out_path);
  const Format chosen = format.value_or(Format::jsonl);
  std::int64_t count = 0;
  switch (kind) {
    case Kind::persons:
      count = export_records<Person>(chosen, output.stream(),
                                     [&](const auto& visit) { store->for_each_person(visit); });
      break;
    case Kind::buildings:
      count = export_records<Building>(chosen, output.stream(),
                                       [&](const auto& visit) { store->for_each_building(visit); });
      break;
    case Kind::changes:
      count = export_records<ChangeEvent>(chosen, output.stream(), [&](const auto& visit) {
        store->for_each_change(since, visit);
      });
      break;
  }
  output.finish();
  std::cerr << "popgate export: " << count << " " << parsed->get_or("kind", "") << " ("
            << formats::to_string(chosen) << ")\n";
  return kExitOk;
}

}  // namespace popgate::cli
