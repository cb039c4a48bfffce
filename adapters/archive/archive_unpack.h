// Unpacks a client's archive (zip, tar, tar.gz, tar.zst) into a directory, refusing anything
// that could write outside it, overwrite, link or exhaust the disk. All or nothing: on any
// refusal or error, what was written is removed before the exception leaves.
#ifndef POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_UNPACK_H_
#define POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_UNPACK_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace popgate::archive {

struct UnpackLimits {
  std::uint64_t max_entries = 1000;                   // entries of any type, directories included
  std::uint64_t max_bytes = std::uint64_t{10} << 30;  // total bytes written, counted as written
  // Bytes written / the archive file's size. Compressed CSV rarely passes 20; a zip bomb
  // passes 1000 within its first megabytes.
  std::uint64_t max_ratio = 200;
  // The ratio applies once this much is written: a tiny archive of a few repetitive lines can
  // exceed any ratio and is harmless.
  std::uint64_t ratio_floor_bytes = std::uint64_t{1} << 20;
  // Asked between blocks; true stops with ArchiveCancelled (and removes what was written).
  std::function<bool()> cancelled;
};

struct UnpackedFile {
  std::string path;  // relative to the destination, '/'-separated, in archive order
  std::uint64_t bytes = 0;
};

struct UnpackSummary {
  std::vector<UnpackedFile> files;  // regular files only
  std::uint64_t total_bytes = 0;
};

// Unpacks `archive_path` into `dest_dir`, which must be absent or empty (it is created). The
// format is detected from the content. Refused with ArchiveRefused, whose client message names
// the entry and the rule: absolute names, ".." components, empty names, control characters or
// backslashes in names, symbolic and hard links, devices, FIFOs and sockets, a name given
// twice, encrypted zip entries, and archives over a limit (checked while writing, so a bomb
// stops early). A damaged or truncated archive is refused too; a file that is no archive at
// all is refused with NotAnArchive. Directories are created 0750, files 0640 with
// O_EXCL|O_NOFOLLOW, one component at a time below `dest_dir`. On any exception `dest_dir` is
// left empty, or removed if this call created it.
UnpackSummary unpack_archive(const std::filesystem::path& archive_path,
                             const std::filesystem::path& dest_dir,
                             const UnpackLimits& limits = {});

}  // namespace popgate::archive

#endif  // POPGATE_ADAPTERS_ARCHIVE_ARCHIVE_UNPACK_H_
