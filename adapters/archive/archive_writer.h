// Writes result archives: zip (deflate) or tar.zst, deterministic so that a re-run of a job
// gives a byte-identical file (same SHA-256 in the audit log and the client's records).
#ifndef POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_WRITER_H_
#define POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_WRITER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popgate::archive {

enum class ArchiveFormat {
  zip,       // deflate; what every client can open
  tar_zstd,  // POSIX (pax) tar compressed with zstd: faster and smaller for large results
};

// "zip" or "tar.zst" (also the file extension, without the dot).
std::string_view format_name(ArchiveFormat format);
std::optional<ArchiveFormat> parse_format(std::string_view name);

// One entry: its name in the archive (relative, '/'-separated) and where its bytes come from,
// either a file read in chunks or a short text held in memory (a manifest).
struct ArchiveMember {
  std::string name;
  std::filesystem::path source;
  std::optional<std::string> text;

  static ArchiveMember file(std::string name, std::filesystem::path source) {
    return {std::move(name), std::move(source), std::nullopt};
  }
  static ArchiveMember from_text(std::string name, std::string text) {
    return {std::move(name), {}, std::move(text)};
  }
};

struct WriteOptions {
  // Every entry's modification time, seconds since 1970 UTC: the caller's stable clock (the
  // job's creation), never the file's, so that re-runs give the same bytes.
  std::int64_t mtime = 0;
  // zstd level for tar.zst, 1 (fast) to 19.
  int zstd_level = 3;
  // deflate level for zip, 1 (fast) to 9. Level 1 deflates result CSVs about three times as
  // fast as the usual 6 for a few per cent more bytes.
  int deflate_level = 1;
  // zstd worker threads; 0: compress in this thread. Any value >= 1 gives the same bytes as
  // any other value >= 1 (zstd's guarantee), but different bytes from 0: keep it fixed.
  int zstd_threads = 0;
  // Asked between chunks; true stops the write with ArchiveCancelled.
  std::function<bool()> cancelled;
};

// Writes `members` in the given order to `out_path`, through "<out_path>.tmp": written, synced,
// renamed, the directory synced, so the archive appears whole or not at all. Entries are
// regular files with mode 0644, owner and group 0 without names, `options.mtime`, and no other
// times or extended attributes. Files are streamed in 1 MiB chunks (memory stays bounded for
// files of any size). Throws ArchiveError naming the file and libarchive's reason (the
// temporary file is removed), ArchiveCancelled when cancelled.
void write_archive(const std::filesystem::path& out_path, ArchiveFormat format,
                   const std::vector<ArchiveMember>& members, const WriteOptions& options = {});

}  // namespace popgate::archive

#endif  // POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_WRITER_H_
