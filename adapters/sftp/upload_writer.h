// The writing half of an upload: the bytes of WRITE requests go to the file, through the
// streamed SHA-256, and to the disk, on a thread of the upload's own, so that the session thread
// goes back to decrypting the next packet meanwhile. Internal to adapters/sftp (Upload uses it).
//
// Why a thread: measured on a 2-core machine (bench_sftp, 512 MiB upload, aes128-gcm, release
// build), the session thread spent 0.46-0.54 s of its 1.45 s of CPU on SHA-256 and 0.17-0.21 s
// in pwrite; here they run beside the decryption of the next packets instead of between them.
//
// Writes are copied into a few fixed chunks (no allocation per packet) and contiguous writes
// are coalesced, so the file gets one pwrite per kChunkBytes rather than one per request. The
// chunks are written in the order the requests came, so overlapping writes end as they would
// written one by one. The thread starts with the first full chunk: an upload smaller than one
// chunk is written by flush() on the caller's thread, with no thread at all. So is an upload
// that finds max_threads() writer threads running already: with 20 uploads at once on 2 cores
// (bench_sftp), a thread each made the whole 7% slower (1.56 -> 1.68 s) for no parallelism.
//
// Written data is handed to the kernel for write-out every kWritebackBytes (sync_file_range,
// SYNC_FILE_RANGE_WRITE): without it the kernel keeps an upload in the page cache until its
// dirty limits (gigabytes on a large machine), and the fsync before CLOSE is answered has to
// write the whole file while the client waits. Durability still comes only from that fsync.
//
// A failed write is remembered (its errno); later writes are dropped, and write() and flush()
// report it, so the upload can be discarded: a WRITE may be answered OK before its bytes reach
// the page cache, but never CLOSE before they are on disk.
#ifndef POPGATE_ADAPTERS_SFTP_UPLOAD_WRITER_H_
#define POPGATE_ADAPTERS_SFTP_UPLOAD_WRITER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/crypto/sha256.h"

namespace popgate::sftp {

class UploadWriter {
 public:
  // 8 chunks of 256 KiB: 2 MiB at most per upload in flight (100 uploads at once stay within
  // the 300 MB bench_sftp holds the server to). Not larger: measured on the 2-core test VM
  // (kernel 6.18, ext4), 1 GiB written in 512 KiB-aligned pwrites cost 1.0-1.3 s of system
  // time against 0.2 s in 256 KiB ones (the page cache then allocates large folios, slow to
  // come by there), and with 512 KiB chunks this writer used more server CPU than writing on
  // the session thread did.
  static constexpr std::size_t kChunkBytes = 256 * 1024;
  static constexpr std::size_t kChunks = 8;
  static constexpr std::uint64_t kWritebackBytes = 8 * 1024 * 1024;

  // Writes to `fd`, which the caller keeps open until flush() returned (or this is destroyed).
  explicit UploadWriter(int fd);
  // Stops the thread; what is still queued is dropped (an abandoned upload).
  ~UploadWriter();
  UploadWriter(const UploadWriter&) = delete;
  UploadWriter& operator=(const UploadWriter&) = delete;

  // Queues a copy of `data` for `offset`; blocks while every chunk is in flight. Returns the
  // errno of an earlier write that failed (nothing more is written then), or 0.
  int write(std::uint64_t offset, std::string_view data);
  // Writes everything queued and waits for it. Returns the errno of the first failed write, or
  // 0. The calls below need the writer flushed: nothing in flight.
  int flush();

  // The SHA-256 of the file if the bytes written so far are exactly [0, size), in order, or
  // nullopt (a write out of order, or a truncation, dropped the streamed digest). Spends it.
  std::optional<std::string> digest_of_first(std::uint64_t size);
  // The file was truncated (or extended) to `size`: the digest no longer follows unless it
  // ends there, and the write-out restarts from there at most.
  void truncated(std::uint64_t size);
  // Whether a thread was ever started (for tests: small uploads need none).
  bool threaded() const { return thread_.joinable(); }
  // Writer threads this process runs at most: one per core. More buy no parallelism, only
  // their hand-over cost: an upload that finds them all taken writes on its session thread.
  static std::size_t max_threads();

 private:
  struct Chunk {
    std::uint64_t offset = 0;
    std::size_t size = 0;
    std::unique_ptr<char[]> bytes = std::make_unique_for_overwrite<char[]>(kChunkBytes);
    std::uint64_t end() const { return offset + size; }
  };

  std::unique_ptr<Chunk> take_free_chunk(std::uint64_t offset);
  void queue_current(bool start_thread);
  void write_queue_here();
  void run();
  // pwrite, digest and write-out of one chunk; on the writer's thread, or the caller's in
  // flush() before any thread started. Records the errno of a failed pwrite.
  void process(const Chunk& chunk);
  void start_writeback();

  const int fd_;
  std::unique_ptr<Chunk> current_;  // being filled by write(); the caller's thread only

  std::mutex mu_;
  std::condition_variable work_;  // to the writer: a chunk queued, or stop
  std::condition_variable done_;  // to the caller: a chunk freed, or the queue ran empty
  std::deque<std::unique_ptr<Chunk>> queue_;
  std::vector<std::unique_ptr<Chunk>> free_;
  std::size_t allocated_ = 0;
  bool busy_ = false;  // the writer holds a chunk it took off the queue
  bool stop_ = false;
  int error_ = 0;  // errno of the first failed pwrite

  // The writer's own while it runs; the caller's after flush().
  std::unique_ptr<crypto::Sha256> hasher_ = std::make_unique<crypto::Sha256>();
  std::uint64_t hashed_ = 0;          // the digest covers [0, hashed_)
  std::uint64_t written_end_ = 0;     // highest end written
  std::uint64_t writeback_from_ = 0;  // write-out was started below this

  std::thread thread_;  // last: started after everything it uses, joined first
};

}  // namespace popgate::sftp

#endif  // POPGATE_ADAPTERS_SFTP_UPLOAD_WRITER_H_
