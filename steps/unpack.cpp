// unpack: a client's zip or tar (gz, zst) into the work dir, refusing anything unsafe: the
// client is told which entry broke which rule.
#include <charconv>

#include "adapters/archive/archive_error.h"
#include "adapters/archive/archive_unpack.h"
#include "base/units.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad_param(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false);
}

std::uint64_t count_param(const StepContext& context, const std::string& name) {
  const std::string& text = context.param(name);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0)
    bad_param(context, name + ": '" + text + "' is not a positive whole number");
  return value;
}

archive::UnpackLimits limits_of(const StepContext& context) {
  archive::UnpackLimits limits;
  limits.max_entries = count_param(context, "max_entries");
  limits.max_ratio = count_param(context, "max_ratio");
  const base::SizeParse size = base::parse_size(context.param("max_bytes"));
  if (!size.ok()) bad_param(context, "max_bytes: " + size.error);
  limits.max_bytes = *size.value;
  limits.cancelled = [&context] { return context.should_stop(); };
  return limits;
}

// The destination, relative to the work dir. Never the work dir itself: a re-run empties it.
std::string destination_of(const StepContext& context) {
  const std::string to = fs::path(context.param("to")).lexically_normal().string();
  if (to.empty() || to == "." || to == "./")
    bad_param(context, "'to' must name a directory inside the work dir, not the work dir");
  return to.ends_with('/') ? to.substr(0, to.size() - 1) : to;
}

// A missing file will not appear by retrying; one inside the destination would be deleted by
// emptying it.
void check_source(const StepContext& context, const fs::path& source, const fs::path& dest) {
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) bad_param(context, source.string() + " is not a file");
  const fs::path inside = source.lexically_normal().lexically_relative(dest.lexically_normal());
  if (!inside.empty() && *inside.begin() != "..")
    bad_param(context, source.string() + " is inside 'to', which unpacking empties first");
}

StepOutputs outputs(const std::string& to, const archive::UnpackSummary& summary) {
  return StepOutputs{{"dir", to},
                     {"files", std::to_string(summary.files.size())},
                     {"bytes", std::to_string(summary.total_bytes)},
                     {"first", summary.files.empty() ? "" : to + "/" + summary.files.front().path}};
}

// not_archive: copy. The plain file goes into the destination under its own name, so that the
// steps after this one read the same place whether the client zipped the file or not.
StepOutputs copy_plain_file(const fs::path& source, const fs::path& dest, const std::string& to) {
  const std::string name = source.filename().string();
  copy_atomically(source, dest / name);
  archive::UnpackSummary summary;
  summary.files.push_back({name, fs::file_size(dest / name)});
  summary.total_bytes = summary.files.front().bytes;
  return outputs(to, summary);
}

}  // namespace

StepType unpack_step() {
  StepType type;
  type.name = "unpack";
  type.summary = "Unpacks a zip, tar, tar.gz or tar.zst safely into a work-dir directory";
  type.description =
      "Unpacks `file` (default: the job's input) into `to`, which a re-run empties first. "
      "Refused, and the job failed without retrying, with a message to the client naming the "
      "entry and the rule: absolute names, \"..\" components, empty names, control characters "
      "or backslashes in names, symbolic and hard links, devices, FIFOs and sockets, a name "
      "given twice, encrypted zip entries (encrypt the whole file with CMS instead), and "
      "archives over `max_entries`, `max_bytes` or `max_ratio` (bytes written per byte of "
      "archive, checked while writing, so a zip bomb stops early). On a refusal nothing "
      "unpacked is left. Directories are created 0750 and files 0640.";
  ParamSpec not_archive = param_spec(
      "not_archive", ParamType::string, false, "fail",
      "A file that is no archive at all: fail, or copy it into `to` as it is (so one workflow "
      "takes both a CSV and a zipped CSV).");
  not_archive.allowed = {"fail", "copy"};
  ParamSpec max_entries = param_spec("max_entries", ParamType::integer, false, "1000",
                                     "At most this many entries, directories included.");
  max_entries.min = 1;
  ParamSpec max_ratio = param_spec("max_ratio", ParamType::integer, false, "200",
                                   "At most this many bytes written per byte of archive (once "
                                   "more than 1 MiB is written).");
  max_ratio.min = 1;
  type.params = {param_spec("file", ParamType::path, false, "",
                            "The archive in the job's work dir; empty: the job's input."),
                 param_spec("to", ParamType::path, false, "unpacked",
                            "The directory in the work dir to unpack into."),
                 std::move(max_entries),
                 param_spec("max_bytes", ParamType::size, false, "10GiB",
                            "At most this many bytes unpacked in all, e.g. \"500MB\", \"10GiB\"."),
                 std::move(max_ratio),
                 std::move(not_archive)};
  type.outputs = {
      {"dir", "The directory unpacked into, relative to the work dir."},
      {"files", "How many files were unpacked."},
      {"bytes", "Their total size in bytes."},
      {"first", "The first file in archive order, relative to the work dir (empty if none)."}};
  type.run = [](StepContext& context) {
    const fs::path source = work_file_or_input(context, "file");
    const std::string to = destination_of(context);
    const archive::UnpackLimits limits = limits_of(context);
    const fs::path dest = context.work_dir / to;
    check_source(context, source, dest);
    std::error_code ec;
    fs::remove_all(dest, ec);  // a re-run after a crash starts from nothing
    if (ec) throw StepError("cannot empty " + dest.string() + ": " + ec.message(), true);
    try {
      const archive::UnpackSummary summary = archive::unpack_archive(source, dest, limits);
      if (context.log) {
        context.log("unpacked " + std::to_string(summary.files.size()) + " files, " +
                    std::to_string(summary.total_bytes) + " bytes, into " + to);
      }
      return outputs(to, summary);
    } catch (const archive::NotAnArchive& e) {
      if (context.param("not_archive") == "copy") return copy_plain_file(source, dest, to);
      throw StepError(e.what(), false, e.client_message());
    } catch (const archive::ArchiveRefused& e) {
      throw StepError(e.what(), false, e.client_message());
    } catch (const archive::ArchiveCancelled& e) {
      throw StepError(e.what(), false);
    } catch (const archive::ArchiveError& e) {
      throw StepError(e.what(), true);  // I/O on our side: a full disk may be cleaned up
    }
  };
  return type;
}

}  // namespace popgate::workflows::steps
