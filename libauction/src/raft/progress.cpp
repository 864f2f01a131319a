// Progress flow control (see progress.hpp). Mirrors etcd's tracker/progress.go.
#include "auction/raft/detail/progress.hpp"

#include <algorithm>
#include <utility>

#include "auction/base/assert.hpp"

namespace auction::raft {

Progress::Progress(LogIndex next, std::size_t inflight_max)
    : next_(next), inflight_max_(inflight_max) {
  AUCTION_ASSERT(inflight_max >= 1, "inflight window must hold at least one message");
  AUCTION_ASSERT(next.value >= 1, "next index starts at 1");
}

bool Progress::is_paused() const {
  switch (state_) {
    case ProgressState::probe: return probe_sent_;
    case ProgressState::replicate: return inflight_.size() >= inflight_max_;
    case ProgressState::snapshot: return true;  // chunks go out by their own window
  }
  return true;
}

void Progress::on_sent(LogIndex last, std::size_t entry_count) {
  switch (state_) {
    case ProgressState::replicate:
      if (entry_count > 0) {
        AUCTION_ASSERT(last >= next_, "replicating backwards");
        next_ = LogIndex{last.value + 1};
        inflight_.push_back(last);
      }
      break;
    case ProgressState::probe: probe_sent_ = true; break;
    case ProgressState::snapshot: break;
  }
}

bool Progress::on_matched(LogIndex index) {
  bool updated = false;
  if (index > match_) {
    match_ = index;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, LogIndex{index.value + 1});
  // Every AppendEntries up to `index` has been answered.
  while (!inflight_.empty() && inflight_.front() <= index) inflight_.pop_front();
  return updated;
}

bool Progress::on_rejected(LogIndex rejected, LogIndex probe_to) {
  // Nothing but chunks was sent since the snapshot started: a rejection is of older news.
  if (state_ == ProgressState::snapshot) return false;
  if (state_ == ProgressState::replicate) {
    // A rejection at or below match answers an older message: the logs agree there.
    if (rejected <= match_) return false;
    // Back to where the logs are known to agree; probe from there.
    next_ = LogIndex{match_.value + 1};
    return true;
  }
  // In probe only the answer to the probe just sent (prevLogIndex = next - 1) counts.
  if (next_.value == 0 || rejected.value != next_.value - 1) return false;
  next_ = LogIndex{std::max(std::min(rejected.value, probe_to.value + 1), match_.value + 1)};
  probe_sent_ = false;
  return true;
}

void Progress::on_heartbeat_response() {
  probe_sent_ = false;
  if (state_ == ProgressState::replicate && inflight_.size() >= inflight_max_) {
    inflight_.pop_front();
  }
}

void Progress::become_probe() {
  state_ = ProgressState::probe;
  transfer_ = SnapshotTransfer{};
  probe_sent_ = false;
  inflight_.clear();
  next_ = LogIndex{match_.value + 1};
}

void Progress::become_replicate() {
  state_ = ProgressState::replicate;
  transfer_ = SnapshotTransfer{};
  probe_sent_ = false;
  inflight_.clear();
  next_ = LogIndex{match_.value + 1};
}

void Progress::on_log_lost(LogIndex last) {
  AUCTION_ASSERT(last < match_, "not a loss");
  // Nothing of its log is known to match ours any more: the probe from last + 1 checks its
  // last entry against ours and walks back from there.
  become_probe();
  match_ = LogIndex{0};
  next_ = LogIndex{last.value + 1};
}

void Progress::become_snapshot(std::shared_ptr<const Snapshot> snapshot) {
  AUCTION_ASSERT(snapshot != nullptr, "a snapshot transfer needs a snapshot");
  state_ = ProgressState::snapshot;
  probe_sent_ = false;
  inflight_.clear();
  transfer_ = SnapshotTransfer{std::move(snapshot)};
}

}  // namespace auction::raft
