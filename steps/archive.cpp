// archive: the job's result files and a manifest into one zip or tar.zst, the same bytes on
// every re-run of the job.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <ctime>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/archive/archive_error.h"
#include "adapters/archive/archive_writer.h"
#include "adapters/crypto/sha256.h"
#include "adapters/formats/csv_count.h"
#include "adapters/formats/format_error.h"
#include "adapters/formats/json_writer.h"
#include "base/time_text.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

constexpr char kManifestName[] = "manifest.json";

struct PackedFile {
  std::string name;  // in the archive: the file's own name
  fs::path path;
  crypto::FileDigest digest;
  std::optional<std::uint64_t> rows;  // data records of a .csv (header excluded)
};

[[noreturn]] void bad_input(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false);
}

bool is_csv(const fs::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".csv";
}

// One read of the file gives its SHA-256 and, for a CSV, its data rows (header excluded).
void measure(const StepContext& context, PackedFile& file, const std::string& relative) {
  std::ifstream in(file.path, std::ios::binary);
  if (!in) bad_input(context, "cannot read " + relative);
  crypto::Sha256 sha;
  std::optional<formats::CsvRecordCounter> rows;
  if (is_csv(file.path)) rows.emplace();
  std::vector<char> buffer(1 << 20);
  std::uint64_t size = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::string_view chunk(buffer.data(), static_cast<std::size_t>(in.gcount()));
    sha.update(chunk);
    if (rows) rows->add(chunk);
    size += chunk.size();
  }
  if (in.bad()) bad_input(context, "cannot read " + relative);
  file.digest.sha256 = sha.finish_hex();
  file.digest.size = size;
  if (rows) {
    try {
      const std::uint64_t records = rows->finish();
      file.rows = records > 0 ? records - 1 : 0;  // the header is not a row
    } catch (const formats::FormatError& e) {
      bad_input(context, relative + ": " + e.what());
    }
  }
}

// Results are often several large CSVs: measure them on every core (hashing is the archive
// step's other big cost besides compression).
void measure_all(const StepContext& context, std::vector<PackedFile>& files,
                 const std::vector<std::string>& relatives) {
  const std::size_t workers = std::max<std::size_t>(
      1, std::min<std::size_t>(files.size(), std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(files.size());
  const auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      try {
        measure(context, files[i], relatives[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < workers; ++t)
    threads.emplace_back(work);
  work();
  for (std::thread& thread : threads)
    thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// `relative` must stay inside the work dir, as path parameters must.
void check_work_path(const StepContext& context, const std::string& relative) {
  if (relative.empty() || relative.front() == '/')
    bad_input(context, "'" + relative + "' is not a relative path in the work dir");
  for (const auto& part : fs::path(relative))
    if (part == "..") bad_input(context, "'" + relative + "' leaves the work dir (\"..\")");
}

std::vector<PackedFile> describe_files(const StepContext& context) {
  const auto list = context.lists.find("files");
  if (list == context.lists.end() || list->second.empty())
    bad_input(context, "'files' is empty: nothing to archive");
  const std::vector<std::string>& files = list->second;
  std::vector<PackedFile> packed;
  std::map<std::string, std::string> seen;  // name in the archive -> the file it came from
  for (const std::string& relative : files) {
    check_work_path(context, relative);
    PackedFile file;
    file.path = context.work_dir / relative;
    file.name = file.path.filename().string();
    if (file.name == kManifestName)
      bad_input(context, "'" + relative + "': the name manifest.json is the archive's own");
    if (auto [it, added] = seen.emplace(file.name, relative); !added) {
      bad_input(context, "'" + it->second + "' and '" + relative + "' would both be stored as '" +
                             file.name + "': give them different names");
    }
    std::error_code ec;
    if (!fs::is_regular_file(file.path, ec)) bad_input(context, "'" + relative + "' is not a file");
    packed.push_back(std::move(file));
  }
  measure_all(context, packed, files);
  return packed;
}

// Key order is fixed (the writer keeps insertion order), so the same job gives the same text.
std::string manifest_json(const StepContext& context, const std::vector<PackedFile>& files) {
  std::string out;
  formats::JsonWriter json(out, 2);
  json.begin_object();
  json.field_number("format", 1);
  json.field("job", context.job_id);
  json.key("workflow");
  json.begin_object();
  json.field("name", context.workflow);
  json.field("sha256", context.workflow_hash);
  json.end_object();
  json.field("client", context.client_id);
  const auto permit = context.params.find("permit");
  json.field_optional("permit", permit != context.params.end() && !permit->second.empty()
                                    ? std::optional<std::string>(permit->second)
                                    : std::nullopt);
  json.field("service", context.service);
  json.field("created", base::iso_utc_ms(context.job_created_ms));
  json.key("files");
  json.begin_array();
  for (const PackedFile& file : files) {
    json.begin_object();
    json.field("name", file.name);
    json.field_number("bytes", static_cast<std::int64_t>(file.digest.size));
    json.field("sha256", file.digest.sha256);
    if (file.rows) json.field_number("rows", static_cast<std::int64_t>(*file.rows));
    json.end_object();
  }
  json.end_array();
  json.end_object();
  out += '\n';
  return out;
}

std::string archive_name(std::string name, archive::ArchiveFormat format) {
  const std::string extension = "." + std::string(archive::format_name(format));
  if (!name.ends_with(extension)) name += extension;
  return name;
}

}  // namespace

StepType archive_step() {
  StepType type;
  type.name = "archive";
  type.summary = "Packs result files and a manifest.json into a zip or tar.zst in the work dir";
  type.description =
      "Writes `manifest.json` first (job, workflow and its SHA-256, client, permit, service, "
      "creation time, and each file's name, size, SHA-256 and, for .csv files, its number of "
      "data rows without the header), then the files in the given order, each under its own "
      "file name. Entries have fixed owner, mode and time (the job's creation), so a re-run "
      "gives a byte-identical archive. Files are streamed: size is limited by the disk only.";
  ParamSpec format_param = param_spec("format", ParamType::string, false, "zip",
                                      "zip (deflate; every client can open it) or tar.zst (zstd: "
                                      "faster and smaller for large results).");
  format_param.allowed = {"zip", "tar.zst"};
  type.params = {
      param_spec("files", ParamType::string_list, true, "",
                 "Work-dir files to pack, in order; their file names must differ."),
      param_spec("name", ParamType::path, false, "result",
                 "The archive's path in the work dir; \".zip\" or \".tar.zst\" is added when "
                 "missing."),
      std::move(format_param),
      param_spec("permit", ParamType::string, false, "",
                 "The permit the manifest names, e.g. \"${steps.permit.permit}\".")};
  type.outputs = {{"path", "The archive's path relative to the work dir."},
                  {"sha256", "The archive's SHA-256 as 64 lowercase hex digits."},
                  {"bytes", "The archive's size in bytes."},
                  {"files", "How many files it holds, manifest.json not counted."},
                  {"rows", "Data rows in all its .csv files together."}};
  type.run = [](StepContext& context) {
    const auto format = archive::parse_format(context.param("format"));
    if (!format)
      bad_input(context, "format '" + context.param("format") + "' is not zip or tar.zst");
    const std::string name = archive_name(context.param("name"), *format);
    check_work_path(context, name);
    const std::vector<PackedFile> files = describe_files(context);

    std::vector<archive::ArchiveMember> members = {
        archive::ArchiveMember::from_text(kManifestName, manifest_json(context, files))};
    std::uint64_t rows = 0;
    for (const PackedFile& file : files) {
      members.push_back(archive::ArchiveMember::file(file.name, file.path));
      rows += file.rows.value_or(0);
    }
    archive::WriteOptions options;
    options.mtime = context.job_created_ms / 1000;
    // zstd's workers compress while this thread reads; any count >= 1 gives the same bytes.
    options.zstd_threads =
        static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    options.cancelled = [&context] { return context.should_stop(); };
    const fs::path out = context.work_dir / name;
    try {
      fs::create_directories(out.parent_path());
      archive::write_archive(out, *format, members, options);
    } catch (const archive::ArchiveCancelled& e) {
      throw StepError(e.what(), false);
    } catch (const archive::ArchiveError& e) {
      throw StepError(e.what(), true);  // I/O on our side: a full disk may be cleaned up
    } catch (const fs::filesystem_error& e) {
      throw StepError(e.what(), true);
    }
    const crypto::FileDigest digest = crypto::sha256_file(out);
    if (context.log) {
      context.log("archived " + std::to_string(files.size()) + " files (" + std::to_string(rows) +
                  " rows) into " + name + ", " + std::to_string(digest.size) + " bytes");
    }
    return StepOutputs{{"path", name},
                       {"sha256", digest.sha256},
                       {"bytes", std::to_string(digest.size)},
                       {"files", std::to_string(files.size())},
                       {"rows", std::to_string(rows)}};
  };
  return type;
}

}  // namespace popgate::workflows::steps
