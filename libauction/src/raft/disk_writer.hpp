// DiskWriter: the raft runtime's disk thread. Writes one PersistJob at a time.
//
// Private to raft::Server. The driver (split mode, driver.hpp) hands out at most one
// PersistJob at a time; submit() gives it to this thread, which runs Driver::write_job()
// (append, hard state, one sync) and then calls `on_written` with the job, on this thread.
// The owner's `on_written` posts the job back to its executor for Driver::on_persisted().
// Each write is timed into the owner's histogram (the latency a monitor sees as fsync's).
// Keeping the fsync here is what lets heartbeats flow while a disk write is slow.
// Threading: submit() and stop() from the owner's thread; `on_written` on the disk thread.
// Never: drops a submitted job (a job handed over is always written, even during stop()).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "auction/base/metrics.hpp"
#include "auction/raft/driver.hpp"
#include "auction/raft/log_storage.hpp"

namespace auction::raft::detail {

class DiskWriter {
 public:
  using OnWritten = std::function<void(PersistJob)>;

  // Starts the thread. `storage` must outlive this object and must tolerate the owner
  // reading it while the thread writes (see guarded_storage.hpp).
  // `write_time` (append and sync of each job) must outlive this object.
  DiskWriter(LogStorage& storage, metrics::Histogram& write_time, OnWritten on_written);
  // stop()
  ~DiskWriter();
  DiskWriter(const DiskWriter&) = delete;
  DiskWriter& operator=(const DiskWriter&) = delete;

  // Precondition: the previous job's on_written has run (one job at a time).
  void submit(PersistJob job);

  // Finishes the job being written (a slow fsync makes this wait), then joins the thread.
  // Idempotent.
  void stop();

 private:
  void run();

  LogStorage& storage_;
  metrics::Histogram& write_time_;
  OnWritten on_written_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<PersistJob> job_;  // submitted, not yet taken by the thread
  bool is_stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace auction::raft::detail
