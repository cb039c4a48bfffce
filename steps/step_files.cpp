#include "steps/step_files.h"

#include <fstream>
#include <iterator>
#include <system_error>

#include "adapters/formats/json_member.h"
#include "base/atomic_file.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

// Runs one of base/atomic_file's publications; its failure becomes a StepError. I/O errors
// are often transient (a full disk being cleaned up), so retryable, except a missing source,
// which will not appear by retrying.
template <typename Publish>
void as_step(Publish publish) {
  try {
    publish();
  } catch (const std::system_error& e) {
    throw StepError(e.what(), e.code() != std::errc::no_such_file_or_directory);
  }
}

// Steps publish into their work dir's subfolders and the client's outbox: made on demand.
void create_parent(const fs::path& target) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    throw StepError("cannot create " + target.parent_path().string() + ": " + ec.message(), true);
}

base::AtomicFile create_output(const fs::path& target) {
  create_parent(target);
  try {
    return base::AtomicFile(target);
  } catch (const std::system_error& e) {
    throw StepError(e.what(), true);
  }
}

}  // namespace

fs::path work_file_or_input(const StepContext& context, const std::string& name) {
  auto it = context.params.find(name);
  if (it != context.params.end() && !it->second.empty()) return context.work_dir / it->second;
  if (context.input_file.empty())
    throw StepError("step " + context.step_id + ": no '" + name + "' and the job has no input",
                    false);
  return context.input_file;
}

void copy_atomically(const fs::path& from, const fs::path& to) {
  create_parent(to);
  as_step([&] { base::copy_file_atomically(from, to); });
}

void write_atomically(const fs::path& to, std::string_view content) {
  create_parent(to);
  as_step([&] { base::write_file_atomically(to, content); });
}

void move_atomically(const fs::path& from, const fs::path& to) {
  create_parent(to);
  as_step([&] { base::move_file_atomically(from, to); });
}

std::optional<std::string> status_file_state(const fs::path& status) {
  std::ifstream in(status, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return formats::json_string_member(text, "state");
}

OutputFile::OutputFile(const fs::path& target) : file_(create_output(target)) {
  out_.open(file_.temp_path(), std::ios::binary | std::ios::trunc);
  if (!out_) throw StepError("cannot create " + file_.temp_path().string(), true);
}

void OutputFile::commit() {
  out_.close();
  if (!out_) throw StepError("cannot write " + file_.temp_path().string(), true);
  as_step([&] { file_.commit(); });
}

}  // namespace popgate::workflows::steps
