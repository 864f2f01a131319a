// Snapshot (see auction/raft/snapshot.hpp).
#include "auction/raft/snapshot.hpp"

#include <utility>

#include "raft/crc32c.hpp"

namespace auction::raft {

std::shared_ptr<const Snapshot> make_snapshot(SnapshotMeta meta, std::string data) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->meta = meta;
  snapshot->checksum = crc32c(data);
  snapshot->data = std::move(data);
  return snapshot;
}

}  // namespace auction::raft
