// DiskWriter: see disk_writer.hpp.
#include "raft/disk_writer.hpp"

#include <utility>

#include "auction/base/assert.hpp"

namespace auction::raft::detail {

DiskWriter::DiskWriter(LogStorage& storage, OnWritten on_written)
    : storage_(storage), on_written_(std::move(on_written)), thread_([this] { run(); }) {}

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
    Driver::write_job(storage_, job);
    on_written_(std::move(job));
  }
}

}  // namespace auction::raft::detail
