#include "adapters/archive/archive_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "adapters/archive/archive_error.h"
#include "adapters/archive/entry_name.h"
#include "adapters/archive/libarchive_handles.h"
#include "base/atomic_file.h"
#include "base/unique_fd.h"

namespace popgate::archive {
namespace {

namespace fs = std::filesystem;

// Large enough that deflate/zstd and the syscalls run at full speed, small enough that memory
// stays flat whatever the file size.
constexpr std::size_t kChunkBytes = 1 << 20;

[[noreturn]] void fail_errno(const std::string& what, const fs::path& path) {
  throw ArchiveError(what + " " + path.string() + ": " + std::strerror(errno));
}

void check(struct archive* a, int status, const fs::path& out, const std::string& what) {
  if (status != ARCHIVE_OK)
    throw ArchiveError("cannot write " + out.string() + ": " + what + ": " + libarchive_message(a));
}

void stop_if_cancelled(const WriteOptions& options, const fs::path& out) {
  if (options.cancelled && options.cancelled())
    throw ArchiveCancelled("writing " + out.string() + " was cancelled");
}

// Removes the temporary file on every way out except a successful rename.
WriteArchivePtr new_writer(ArchiveFormat format, const WriteOptions& options, const fs::path& out) {
  WriteArchivePtr a(archive_write_new());
  if (!a) throw ArchiveError("cannot write " + out.string() + ": out of memory");
  if (format == ArchiveFormat::zip) {
    check(a.get(), archive_write_set_format_zip(a.get()), out, "zip format");
    check(a.get(), archive_write_set_format_option(a.get(), "zip", "compression", "deflate"), out,
          "deflate");
    check(a.get(),
          archive_write_set_format_option(a.get(), "zip", "compression-level",
                                          std::to_string(options.deflate_level).c_str()),
          out, "deflate level " + std::to_string(options.deflate_level));
  } else {
    // pax_restricted writes plain ustar headers and adds a pax header only where ustar cannot
    // say it (long or non-ASCII names, files over 8 GiB).
    check(a.get(), archive_write_set_format_pax_restricted(a.get()), out, "tar format");
    check(a.get(), archive_write_add_filter_zstd(a.get()), out, "zstd");
    check(a.get(),
          archive_write_set_filter_option(a.get(), "zstd", "compression-level",
                                          std::to_string(options.zstd_level).c_str()),
          out, "zstd compression level " + std::to_string(options.zstd_level));
    if (options.zstd_threads > 0) {
      check(a.get(),
            archive_write_set_filter_option(a.get(), "zstd", "threads",
                                            std::to_string(options.zstd_threads).c_str()),
            out, "zstd threads");
    }
  }
  // No zero padding after the last block: the file ends where the archive does.
  check(a.get(), archive_write_set_bytes_in_last_block(a.get(), 1), out, "block size");
  return a;
}

// Entries carry nothing of the machine or the moment that wrote them.
EntryPtr new_entry(const std::string& name, std::int64_t size, std::int64_t mtime) {
  EntryPtr entry(archive_entry_new());
  if (!entry) throw ArchiveError("out of memory");
  // The name's bytes as they are; under Utf8ThreadLocale they are taken as UTF-8, and a name
  // that is not valid UTF-8 makes archive_write_header fail instead of storing a broken name.
  archive_entry_copy_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  archive_entry_set_mtime(entry.get(), mtime, 0);
  archive_entry_set_size(entry.get(), size);
  return entry;
}

void write_data(struct archive* a, const char* data, std::size_t size, const fs::path& out,
                const std::string& member) {
  while (size > 0) {
    const la_ssize_t n = archive_write_data(a, data, size);
    if (n <= 0) {
      throw ArchiveError("cannot write " + out.string() + ": entry '" + member +
                         "': " + libarchive_message(a));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void write_file_member(struct archive* a, const ArchiveMember& member, const WriteOptions& options,
                       const fs::path& out, std::vector<char>& buffer) {
  base::UniqueFd in(::open(member.source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) fail_errno("cannot open", member.source);
  struct stat info {};
  if (::fstat(in.get(), &info) != 0) fail_errno("cannot stat", member.source);
  if (!S_ISREG(info.st_mode)) throw ArchiveError(member.source.string() + " is not a regular file");
  EntryPtr entry = new_entry(member.name, info.st_size, options.mtime);
  check(a, archive_write_header(a, entry.get()), out, "entry '" + member.name + "'");
  std::int64_t copied = 0;
  for (;;) {
    stop_if_cancelled(options, out);
    const ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot read", member.source);
    }
    if (n == 0) break;
    write_data(a, buffer.data(), static_cast<std::size_t>(n), out, member.name);
    copied += n;
  }
  // The header promised st_size bytes; a file that grew or shrank meanwhile would give an
  // archive that lies about it.
  if (copied != info.st_size)
    throw ArchiveError(member.source.string() + " changed size while it was being archived");
}

void write_text_member(struct archive* a, const ArchiveMember& member, const WriteOptions& options,
                       const fs::path& out) {
  const std::string& text = *member.text;
  EntryPtr entry = new_entry(member.name, static_cast<std::int64_t>(text.size()), options.mtime);
  check(a, archive_write_header(a, entry.get()), out, "entry '" + member.name + "'");
  write_data(a, text.data(), text.size(), out, member.name);
}

void check_member_names(const std::vector<ArchiveMember>& members, const fs::path& out) {
  for (const ArchiveMember& member : members) {
    std::string problem = entry_name_problem(member.name);
    if (problem.empty() && normalized_entry_name(member.name) != member.name)
      problem = "names must not contain '.' or empty components";
    if (problem.empty() && !is_utf8(member.name)) problem = "names must be UTF-8";
    if (!problem.empty()) {
      throw ArchiveError("cannot write " + out.string() + ": entry " +
                         quoted_entry_name(member.name) + ": " + problem);
    }
  }
}

base::AtomicFile create_output(const fs::path& out_path) {
  try {
    return base::AtomicFile(out_path);
  } catch (const std::system_error& e) {
    throw ArchiveError(e.what());
  }
}

void publish(base::AtomicFile& file) {
  try {
    file.commit();
  } catch (const std::system_error& e) {
    throw ArchiveError(e.what());
  }
}

}  // namespace

std::string_view format_name(ArchiveFormat format) {
  return format == ArchiveFormat::zip ? "zip" : "tar.zst";
}

std::optional<ArchiveFormat> parse_format(std::string_view name) {
  if (name == "zip") return ArchiveFormat::zip;
  if (name == "tar.zst") return ArchiveFormat::tar_zstd;
  return std::nullopt;
}

void write_archive(const fs::path& out_path, ArchiveFormat format,
                   const std::vector<ArchiveMember>& members, const WriteOptions& options) {
  check_member_names(members, out_path);
  const Utf8ThreadLocale utf8;
  base::AtomicFile file = create_output(out_path);
  WriteArchivePtr a = new_writer(format, options, out_path);
  check(a.get(), archive_write_open_fd(a.get(), file.fd()), out_path, "open");
  std::vector<char> buffer(kChunkBytes);
  for (const ArchiveMember& member : members) {
    stop_if_cancelled(options, out_path);
    if (member.text)
      write_text_member(a.get(), member, options, out_path);
    else
      write_file_member(a.get(), member, options, out_path, buffer);
  }
  check(a.get(), archive_write_close(a.get()), out_path, "finishing the archive");

  publish(file);
}

}  // namespace popgate::archive
