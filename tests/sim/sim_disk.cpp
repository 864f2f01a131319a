// SimDisk (see sim_disk.hpp): files and names with a durable and a visible state, the crash
// that draws what survives, and injected failures.
#include "sim_disk.hpp"

#include <algorithm>
#include <utility>

namespace auction::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* simulated_error = "Input/output error (simulated)";

std::unexpected<Error> unavailable(const std::string& what, const fs::path& path,
                                   const std::string& reason) {
  return fail(code::storage_unavailable, what + " " + path.string() + ": " + reason);
}

class SimContents final : public FileContents {
 public:
  explicit SimContents(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view bytes() const override { return bytes_; }

 private:
  std::string bytes_;
};

}  // namespace

// An open file. Once a crash has advanced the disk's generation past its own, the process
// that opened it is gone: every call does nothing and succeeds.
class SimFile final : public DiskFile {
 public:
  SimFile(SimDisk& disk, std::shared_ptr<SimDisk::Inode> inode, fs::path path)
      : disk_(disk),
        inode_(std::move(inode)),
        path_(std::move(path)),
        generation_(disk.generation_) {}

  const fs::path& path() const override { return path_; }

  Result<std::uint64_t> size() override { return inode_->data.size(); }

  Result<void> write_at(std::uint64_t offset, std::string_view bytes) override {
    if (!is_alive()) return {};
    return disk_.write_file(*inode_, path_, offset, bytes);
  }

  Result<void> truncate(std::uint64_t bytes) override {
    if (!is_alive()) return {};
    return disk_.truncate_file(*inode_, path_, bytes);
  }

  Result<void> sync_data() override {
    if (!is_alive()) return {};
    return disk_.sync_file(inode_, path_, "fdatasync");
  }

  Result<void> sync() override {
    if (!is_alive()) return {};
    return disk_.sync_file(inode_, path_, "fsync");
  }

  Result<void> close() override { return {}; }

 private:
  bool is_alive() const { return generation_ == disk_.generation_; }

  SimDisk& disk_;
  std::shared_ptr<SimDisk::Inode> inode_;
  fs::path path_;
  std::uint64_t generation_;
};

class SimLock final : public DirectoryLock {
 public:
  SimLock(SimDisk& disk, std::string dir)
      : disk_(disk), dir_(std::move(dir)), generation_(disk.generation_) {}
  ~SimLock() override {
    // A crash already released it, and the next owner may hold it now.
    if (generation_ == disk_.generation_) disk_.locked_.erase(dir_);
  }
  SimLock(const SimLock&) = delete;
  SimLock& operator=(const SimLock&) = delete;

 private:
  SimDisk& disk_;
  std::string dir_;
  std::uint64_t generation_;
};

SimDisk::SimDisk(SimRandom& random) : random_(random) {}

SimDisk::~SimDisk() = default;

SimDisk::Directory* SimDisk::find_directory(const fs::path& dir) {
  const auto it = directories_.find(dir.string());
  return it == directories_.end() ? nullptr : &it->second;
}

void SimDisk::apply(std::string& bytes, const Inode::Write& write) {
  if (write.is_truncate) {
    bytes.resize(write.offset);
    return;
  }
  if (bytes.size() < write.offset + write.bytes.size()) {
    bytes.resize(write.offset + write.bytes.size());
  }
  bytes.replace(write.offset, write.bytes.size(), write.bytes);
}

void SimDisk::make_durable(Inode& inode, std::uint64_t before_seq) {
  while (!inode.unsynced.empty() && inode.unsynced.front().seq < before_seq) {
    apply(inode.durable, inode.unsynced.front());
    inode.unsynced.pop_front();
  }
}

void SimDisk::make_durable(Directory& dir, std::uint64_t before_seq) {
  while (!dir.unsynced.empty() && dir.unsynced.front().seq < before_seq) {
    for (auto& [name, inode] : dir.unsynced.front().names) {
      if (inode) {
        dir.durable[name] = inode;
      } else {
        dir.durable.erase(name);
      }
    }
    dir.unsynced.pop_front();
  }
}

void SimDisk::change_names(Directory& dir, Directory::Change change) {
  for (auto& [name, inode] : change.names) {
    if (inode) {
      dir.names[name] = inode;
    } else {
      dir.names.erase(name);
    }
  }
  change.seq = dir.next_seq++;
  dir.unsynced.push_back(std::move(change));
}

Result<void> SimDisk::write_file(Inode& inode, const fs::path& path, std::uint64_t offset,
                                 std::string_view bytes) {
  complete_held();
  std::uint64_t length = bytes.size();
  const bool fails = draw_fault();
  if (fails) {
    ++stats_.write_faults;
    length = random_.below(bytes.size() + 1);  // what got written before the failure
  }
  if (length > 0) {
    Inode::Write write{inode.next_seq++, false, offset, std::string(bytes.substr(0, length))};
    apply(inode.data, write);
    inode.unsynced.push_back(std::move(write));
  }
  if (fails) {
    return fail(code::storage_unavailable, "write failed on " + path.string() + " at byte offset " +
                                               std::to_string(offset + length) + ": " +
                                               simulated_error);
  }
  return {};
}

Result<void> SimDisk::truncate_file(Inode& inode, const fs::path& path, std::uint64_t size) {
  complete_held();
  if (draw_fault()) {
    ++stats_.write_faults;
    return unavailable("cannot truncate", path, simulated_error);
  }
  Inode::Write write{inode.next_seq++, true, size, {}};
  apply(inode.data, write);
  inode.unsynced.push_back(std::move(write));
  return {};
}

Result<void> SimDisk::sync_file(const std::shared_ptr<Inode>& inode, const fs::path& path,
                                const char* call) {
  complete_held();
  if (draw_fault()) {
    ++stats_.sync_faults;
    return fail(code::storage_unavailable,
                std::string(call) + " failed on " + path.string() + ": " + simulated_error);
  }
  if (is_holding_) {
    hold(HeldSync{inode, {}, inode->next_seq});
  } else {
    make_durable(*inode, inode->next_seq);
  }
  return {};
}

void SimDisk::hold_syncs() { is_holding_ = true; }

void SimDisk::hold(HeldSync sync) { held_ = std::move(sync); }

// A held sync returned before the call that completes it began, so it is durable: only a
// sync that nothing has followed yet can be in flight when the power goes.
void SimDisk::complete_held() {
  if (!held_) return;
  if (held_->inode) {
    make_durable(*held_->inode, held_->seq);
  } else if (Directory* dir = find_directory(held_->dir)) {
    make_durable(*dir, held_->seq);
  }
  held_.reset();
}

void SimDisk::release_syncs() {
  complete_held();
  is_holding_ = false;
}

void SimDisk::crash_inode(Inode& inode) {
  // Writes reach the disk in order: a prefix of them survives, the last one maybe torn.
  const std::size_t kept = random_.below(inode.unsynced.size() + 1);
  stats_.lost_writes += inode.unsynced.size() - kept;
  for (std::size_t i = 0; i < kept; ++i) {
    Inode::Write& write = inode.unsynced[i];
    if (i + 1 == kept && !write.is_truncate && random_.chance(0.5)) {
      write.bytes.resize(random_.below(write.bytes.size()));
      if (random_.chance(0.5)) std::fill(write.bytes.begin(), write.bytes.end(), '\0');
      ++stats_.torn_writes;
    }
    apply(inode.durable, write);
  }
  inode.unsynced.clear();
  inode.data = inode.durable;
}

bool SimDisk::crash() {
  const bool loses_held = held_.has_value() && random_.chance(0.5);
  if (loses_held) held_.reset();
  release_syncs();
  for (auto& [path, dir] : directories_) {
    const std::size_t kept = random_.below(dir.unsynced.size() + 1);
    stats_.lost_writes += dir.unsynced.size() - kept;
    if (kept > 0) make_durable(dir, dir.unsynced[kept - 1].seq + 1);
    dir.unsynced.clear();
    dir.names = dir.durable;
    for (auto& [name, inode] : dir.durable) crash_inode(*inode);
  }
  locked_.clear();
  ++generation_;
  return loses_held;
}

std::unique_ptr<SimDisk> SimDisk::durable_copy(SimRandom& random) const {
  auto copy = std::make_unique<SimDisk>(random);
  for (const auto& [path, dir] : directories_) {
    Directory& kept = copy->directories_[path];
    for (const auto& [name, inode] : dir.durable) {
      auto file = std::make_shared<Inode>();
      file->data = inode->durable;
      file->durable = inode->durable;
      kept.names.emplace(name, file);
      kept.durable.emplace(name, std::move(file));
    }
  }
  return copy;
}

Result<void> SimDisk::create_data_directory(const fs::path& dir) {
  directories_.try_emplace(dir.string());
  return {};
}

Result<std::unique_ptr<DirectoryLock>> SimDisk::lock_directory(const fs::path& dir) {
  if (find_directory(dir) == nullptr) {
    return unavailable("cannot open", dir / "LOCK", "No such file or directory");
  }
  if (!locked_.insert(dir.string()).second) {
    return fail(code::storage_locked,
                "data directory " + dir.string() + " is in use by another process");
  }
  return std::make_unique<SimLock>(*this, dir.string());
}

Result<std::vector<std::string>> SimDisk::list(const fs::path& dir) {
  Directory* d = find_directory(dir);
  if (d == nullptr)
    return unavailable("cannot list data directory", dir, "No such file or directory");
  std::vector<std::string> names;
  for (const auto& [name, inode] : d->names) names.push_back(name);
  return names;
}

Result<std::unique_ptr<DiskFile>> SimDisk::open(const fs::path& file, OpenMode mode) {
  complete_held();
  const std::string verb = mode == OpenMode::existing ? "cannot open" : "cannot create";
  Directory* dir = find_directory(file.parent_path());
  if (dir == nullptr) return unavailable(verb, file, "No such file or directory");
  const std::string name = file.filename().string();
  const auto it = dir->names.find(name);
  if (mode == OpenMode::existing) {
    if (it == dir->names.end()) return unavailable(verb, file, "No such file or directory");
    return std::make_unique<SimFile>(*this, it->second, file);
  }
  if (it != dir->names.end()) {
    if (mode == OpenMode::create_new) return unavailable(verb, file, "File exists");
    auto opened = std::make_unique<SimFile>(*this, it->second, file);
    if (auto emptied = truncate_file(*it->second, file, 0); !emptied) {
      return std::unexpected(emptied.error());
    }
    return opened;
  }
  auto inode = std::make_shared<Inode>();
  change_names(*dir, Directory::Change{0, {{name, inode}}});
  return std::make_unique<SimFile>(*this, std::move(inode), file);
}

Result<std::unique_ptr<FileContents>> SimDisk::read(const fs::path& file) {
  Directory* dir = find_directory(file.parent_path());
  const auto it = dir == nullptr ? Names::iterator() : dir->names.find(file.filename().string());
  if (dir == nullptr || it == dir->names.end()) {
    return unavailable("cannot open", file, "No such file or directory");
  }
  return std::make_unique<SimContents>(it->second->data);
}

Result<void> SimDisk::rename(const fs::path& from, const fs::path& to) {
  complete_held();
  Directory* dir = find_directory(from.parent_path());
  if (dir == nullptr || from.parent_path() != to.parent_path()) {
    return unavailable("cannot rename " + from.string() + " to", to, "Invalid cross-device link");
  }
  const auto it = dir->names.find(from.filename().string());
  if (it == dir->names.end()) {
    return unavailable("cannot rename " + from.string() + " to", to, "No such file or directory");
  }
  std::shared_ptr<Inode> inode = it->second;
  change_names(
      *dir,
      Directory::Change{0, {{from.filename().string(), nullptr}, {to.filename().string(), inode}}});
  return {};
}

Result<void> SimDisk::remove(const fs::path& file) {
  complete_held();
  Directory* dir = find_directory(file.parent_path());
  if (dir == nullptr || !dir->names.contains(file.filename().string())) return {};
  change_names(*dir, Directory::Change{0, {{file.filename().string(), nullptr}}});
  return {};
}

Result<void> SimDisk::sync_directory(const fs::path& dir) {
  Directory* d = find_directory(dir);
  if (d == nullptr) return unavailable("cannot sync", dir, "No such file or directory");
  complete_held();
  if (draw_fault()) {
    ++stats_.sync_faults;
    return unavailable("cannot sync", dir, simulated_error);
  }
  if (is_holding_) {
    hold(HeldSync{nullptr, dir.string(), d->next_seq});
  } else {
    make_durable(*d, d->next_seq);
  }
  return {};
}

}  // namespace auction::test
