#include "adapters/sftp/upload_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace popgate::sftp {
namespace {

// 0, or the errno of the failed pwrite.
int write_all(int fd, const char* data, std::size_t length, std::uint64_t offset) {
  while (length > 0) {
    const ssize_t n = ::pwrite(fd, data, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data += n;
    length -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return 0;
}

// Writer threads running in this process, held within max_threads().
std::atomic<std::size_t> running_threads{0};

bool take_thread_slot() {
  std::size_t running = running_threads.load();
  while (running < UploadWriter::max_threads())
    if (running_threads.compare_exchange_weak(running, running + 1)) return true;
  return false;
}

}  // namespace

std::size_t UploadWriter::max_threads() {
  static const std::size_t kCores = std::max(1u, std::thread::hardware_concurrency());
  return kCores;
}

UploadWriter::UploadWriter(int fd) : fd_(fd) {}

UploadWriter::~UploadWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    --running_threads;
  }
}

int UploadWriter::write(std::uint64_t offset, std::string_view data) {
  while (!data.empty()) {
    if (current_ && (current_->end() != offset || current_->size == kChunkBytes))
      queue_current(/*start_thread=*/true);
    if (!current_) current_ = take_free_chunk(offset);
    if (!current_) break;  // a write failed: take_free_chunk gave up
    const std::size_t n = std::min(data.size(), kChunkBytes - current_->size);
    std::memcpy(current_->bytes.get() + current_->size, data.data(), n);
    current_->size += n;
    offset += n;
    data.remove_prefix(n);
  }
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

// A chunk to fill from `offset`: a free one, a new one while fewer than kChunks exist, or the
// next one the writer frees. Null once a write failed (nothing more will be written).
std::unique_ptr<UploadWriter::Chunk> UploadWriter::take_free_chunk(std::uint64_t offset) {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return error_ != 0 || !free_.empty() || allocated_ < kChunks; });
  if (error_ != 0) return nullptr;
  std::unique_ptr<Chunk> chunk;
  if (!free_.empty()) {
    chunk = std::move(free_.back());
    free_.pop_back();
  } else {
    ++allocated_;
    lock.unlock();
    chunk = std::make_unique<Chunk>();
  }
  chunk->offset = offset;
  chunk->size = 0;
  return chunk;
}

// Hands the current chunk to the writer's thread, started on the first call with
// `start_thread`. Without a thread (flush() of a small upload, or no thread to be had) the
// queue is written here.
void UploadWriter::queue_current(bool start_thread) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(current_));
  }
  if (!thread_.joinable() && start_thread && take_thread_slot()) {
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      --running_threads;  // out of threads: slower, not wrong
    }
  }
  if (thread_.joinable()) {
    work_.notify_one();
  } else {
    write_queue_here();
  }
}

void UploadWriter::write_queue_here() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!queue_.empty()) {
    std::unique_ptr<Chunk> chunk = std::move(queue_.front());
    queue_.pop_front();
    const bool failed = error_ != 0;
    lock.unlock();
    if (!failed) process(*chunk);
    lock.lock();
    free_.push_back(std::move(chunk));
  }
}

int UploadWriter::flush() {
  if (current_ && current_->size > 0) queue_current(/*start_thread=*/false);
  std::unique_lock<std::mutex> lock(mu_);
  if (current_) free_.push_back(std::move(current_));  // an empty one
  done_.wait(lock, [&] { return queue_.empty() && !busy_; });
  return error_;
}

void UploadWriter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::unique_ptr<Chunk> chunk = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const bool failed = error_ != 0;
    lock.unlock();
    if (!failed) process(*chunk);
    lock.lock();
    free_.push_back(std::move(chunk));
    busy_ = false;
    done_.notify_all();
  }
}

void UploadWriter::process(const Chunk& chunk) {
  if (const int err = write_all(fd_, chunk.bytes.get(), chunk.size, chunk.offset)) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_ == 0) error_ = err;
    return;
  }
  if (hasher_ && chunk.offset == hashed_) {
    hasher_->update(std::string_view(chunk.bytes.get(), chunk.size));
    hashed_ = chunk.end();
  } else {
    hasher_.reset();
  }
  written_end_ = std::max(written_end_, chunk.end());
  if (written_end_ - writeback_from_ >= kWritebackBytes) start_writeback();
}

// Starts (does not wait for) the write-out of what was written since the last call. A hint:
// its errors are ignored, the fsync at commit reports them again.
void UploadWriter::start_writeback() {
  ::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                    static_cast<off_t>(written_end_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
  writeback_from_ = written_end_;
}

std::optional<std::string> UploadWriter::digest_of_first(std::uint64_t size) {
  std::unique_ptr<crypto::Sha256> hasher = std::move(hasher_);
  if (!hasher || hashed_ != size) return std::nullopt;
  return hasher->finish_hex();
}

void UploadWriter::truncated(std::uint64_t size) {
  if (size != hashed_) hasher_.reset();
  written_end_ = size;
  writeback_from_ = std::min(writeback_from_, size);
}

}  // namespace popgate::sftp
