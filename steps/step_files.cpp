#include "steps/step_files.h"

#include <exception>
#include <fstream>
#include <iterator>
#include <streambuf>
#include <system_error>
#include <vector>

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

void begin_status_file(formats::JsonWriter& out, const std::string& job_id,
                       const std::string& workflow, std::string_view state) {
  out.begin_object();
  out.field("job", job_id);
  out.field("workflow", workflow);
  out.field("state", state);
}

std::optional<std::string> status_file_state(const fs::path& status) {
  std::ifstream in(status, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return formats::json_string_member(text, "state");
}

// The stream's buffer: 64 KiB at a time through AtomicFile::write, whose system_error names the
// file and the errno. An ostream swallows what its buffer throws, so the first failure is kept
// for commit() and every later write is refused.
class OutputFile::Buffer : public std::streambuf {
 public:
  explicit Buffer(base::AtomicFile& file) : file_(file), bytes_(1 << 16) { reset(); }

  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  void reset() { setp(bytes_.data(), bytes_.data() + bytes_.size()); }

  bool drain() {
    if (failure_) return false;
    try {
      file_.write(std::string_view(pbase(), static_cast<std::size_t>(pptr() - pbase())));
    } catch (const std::exception&) {
      failure_ = std::current_exception();
      return false;
    }
    reset();
    return true;
  }

  base::AtomicFile& file_;
  std::vector<char> bytes_;
  std::exception_ptr failure_;
};

OutputFile::OutputFile(const fs::path& target)
    : file_(create_output(target)), buffer_(std::make_unique<Buffer>(file_)), out_(buffer_.get()) {}

OutputFile::~OutputFile() = default;

void OutputFile::commit() {
  out_.flush();
  as_step([&] { buffer_->rethrow_failure(); });
  if (!out_) throw StepError("cannot write " + file_.target().string(), true);
  as_step([&] { file_.commit(); });
}

}  // namespace popgate::workflows::steps
