// Owned libarchive handles, for this folder's .cpp files only: the rest of popgate never
// includes libarchive's headers.
#ifndef POPGATE_ADAPTERS_ARCHIVE_LIBARCHIVE_HANDLES_H_
#define POPGATE_ADAPTERS_ARCHIVE_LIBARCHIVE_HANDLES_H_

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <memory>
#include <string>

#include "adapters/archive/archive_error.h"

namespace popgate::archive {

// archive_write_free/archive_read_free also close the archive if it is still open; a writer
// that was not closed explicitly (an error path) writes no trailer we would keep anyway.
struct WriteArchiveDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ReadArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using WriteArchivePtr = std::unique_ptr<struct archive, WriteArchiveDeleter>;
using ReadArchivePtr = std::unique_ptr<struct archive, ReadArchiveDeleter>;
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

// libarchive's last error text for `a`, never null.
inline std::string libarchive_message(struct archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

// Makes this thread's character set UTF-8 while it lives. libarchive converts entry names
// through the current locale, and popgate runs in the "C" locale: there a non-ASCII name makes
// the pax writer crash on a null name (libarchive 3.6.2) and the zip writer store it without
// the UTF-8 flag. uselocale() changes only this thread, so other threads are not affected.
// Create it before the archive handle: libarchive reads the character set when first needed.
class Utf8ThreadLocale {
 public:
  Utf8ThreadLocale() : utf8_(newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{})) {
    if (utf8_ == locale_t{}) throw ArchiveError("the C.UTF-8 locale is not available");
    previous_ = uselocale(utf8_);
  }
  ~Utf8ThreadLocale() {
    uselocale(previous_);
    freelocale(utf8_);
  }
  Utf8ThreadLocale(const Utf8ThreadLocale&) = delete;
  Utf8ThreadLocale& operator=(const Utf8ThreadLocale&) = delete;

 private:
  locale_t utf8_;
  locale_t previous_{};
};

}  // namespace popgate::archive

#endif  // POPGATE_ADAPTERS_ARCHIVE_LIBARCHIVE_HANDLES_H_
