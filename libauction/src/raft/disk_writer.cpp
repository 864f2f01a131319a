// DiskWriter: see disk_writer.hpp.
#include "raft/disk_writer.hpp"

#include <chrono>
#include <utility>

#include "auction/base/assert.hpp"

namespace auction::raft::detail {

DiskWriter::DiskWriter(LogStorage& storage, metrics::Histogram& write_time, OnWritten on_written)
    : storage_(storage),
      write_time_(write_time),
      on_written_(std::move(on_written)),
      thread_([this] { run(); }) {}

DiskWriter::~DiskWriter() { stop(); }

void DiskWriter::submit(PersistJob job) {
  {
    std::lock_guard lock(mutex_);
    AUCTION_ASSERT(!job_.has_value(), "one persist job at a time");
    AUCTION_ASSERT(!is_stopping_, "submit() after stop()");
    job_ = std::move(job);
  }
  changed_.notify_one();
}

void DiskWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    is_stopping_ = true;
  }
  changed_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DiskWriter::run() {
  for (;;) {
    PersistJob job;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return job_.has_value() || is_stopping_; });
      if (!job_) return;  // stopping, and nothing left to write
      job = std::move(*job_);
      job_.reset();
    }
    const auto started = std::chrono::steady_clock::now();
    Driver::write_job(storage_, job);
    write_time_.observe(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started));
    on_written_(std::move(job));
  }
}

}  // namespace auction::raft::detail
