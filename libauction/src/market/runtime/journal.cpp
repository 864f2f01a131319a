// The seller's journal; the format is specified in auction/market/runtime/journal.hpp.
#include "auction/market/runtime/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "auction/base/assert.hpp"

namespace auction::market {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t file_bytes_max = 4 << 20;  // far above any auction (100 buyers)

std::string reason(int err) { return std::strerror(err); }

fs::path file_of(const fs::path& dir, AuctionId auction_id) {
  return dir / ("auction-" + std::to_string(auction_id.value) + ".json");
}

// Writes all of `bytes` to `fd`; false (errno set) on failure.
bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

int fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

Result<Journal::Entry> decode_entry(const fs::path& file, std::string_view text) {
  auto corrupt = [&](const std::string& why) {
    return fail(code::journal_corrupt, file.string() + ": " + why);
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return corrupt("not a JSON object");
  if (j.contains("finish")) {
    auto record = decode_finish_record(j["finish"]);
    if (!record) return corrupt(record.error().message);
    return Journal::Entry{std::move(*record)};
  }
  if (j.contains("state")) {
    auto state = decode_auction_state(j["state"]);
    if (!state) return corrupt(state.error().message);
    return Journal::Entry{std::move(*state)};
  }
  return corrupt("neither \"state\" nor \"finish\"");
}

AuctionId id_of(const Journal::Entry& entry) {
  return std::visit([](const auto& e) { return e.auction_id; }, entry);
}

}  // namespace

Journal::Journal(fs::path dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}

Journal::Journal(Journal&& other) noexcept
    : dir_(std::move(other.dir_)), lock_fd_(other.lock_fd_), entries_(std::move(other.entries_)) {
  other.lock_fd_ = -1;
}

Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    dir_ = std::move(other.dir_);
    lock_fd_ = other.lock_fd_;
    entries_ = std::move(other.entries_);
    other.lock_fd_ = -1;
  }
  return *this;
}

Journal::~Journal() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

Result<Journal> Journal::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(code::journal_unusable, dir.string() + ": cannot create: " + ec.message());
  const fs::path lock_path = dir / "LOCK";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(code::journal_unusable, lock_path.string() + ": " + reason(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(code::journal_unusable,
                  dir.string() + " is in use by another seller (choose another --state-dir)");
    }
    return fail(code::journal_unusable, lock_path.string() + ": cannot lock: " + reason(err));
  }
  Journal journal(dir, fd);
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const fs::path& file = item.path();
    const std::string name = file.filename().string();
    if (!name.starts_with("auction-") || !name.ends_with(".json")) continue;  // LOCK, *.tmp
    std::error_code size_ec;
    if (fs::file_size(file, size_ec) > file_bytes_max || size_ec) {
      return fail(code::journal_corrupt, file.string() + ": unreadable or too large");
    }
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return fail(code::journal_unusable, file.string() + ": cannot read");
    auto entry = decode_entry(file, text.str());
    if (!entry) return std::unexpected(entry.error());
    if (file != file_of(dir, id_of(*entry))) {
      return fail(code::journal_corrupt, file.string() + ": holds another auction");
    }
    journal.entries_.emplace(id_of(*entry), std::move(*entry));
  }
  if (ec) return fail(code::journal_unusable, dir.string() + ": cannot list: " + ec.message());
  return journal;
}

const Journal::Entry* Journal::find(AuctionId auction_id) const {
  auto it = entries_.find(auction_id);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<void> Journal::save_state(const AuctionState& state) {
  const Entry* old = find(state.auction_id);
  AUCTION_ASSERT(old == nullptr || std::holds_alternative<AuctionState>(*old),
                 "a finished auction's state is never journaled again");
  if (auto ok = write(state.auction_id, {{"auction_id", state.auction_id.value}, {"state", encode(state)}});
      !ok) {
    return ok;
  }
  entries_.insert_or_assign(state.auction_id, Entry{state});
  return {};
}

Result<void> Journal::save_finish(const FinishRecord& record) {
  if (auto ok = write(record.auction_id,
                      {{"auction_id", record.auction_id.value}, {"finish", encode(record)}});
      !ok) {
    return ok;
  }
  entries_.insert_or_assign(record.auction_id, Entry{record});
  return {};
}

Result<void> Journal::remove(AuctionId auction_id) {
  std::error_code ec;
  fs::remove(file_of(dir_, auction_id), ec);
  if (ec) return fail(code::journal_write_failed, "cannot remove: " + ec.message());
  if (const int err = fsync_dir(dir_); err != 0) {
    return fail(code::journal_write_failed, dir_.string() + ": cannot sync: " + reason(err));
  }
  entries_.erase(auction_id);
  return {};
}

Result<void> Journal::write(AuctionId auction_id, const nlohmann::json& body) {
  const fs::path file = file_of(dir_, auction_id);
  const fs::path temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(code::journal_write_failed, temp.string() + ": " + reason(errno));
  const bool written = write_all(fd, body.dump() + "\n") && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) return fail(code::journal_write_failed, temp.string() + ": " + reason(err));
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    return fail(code::journal_write_failed, file.string() + ": cannot rename: " + reason(errno));
  }
  if (const int dir_err = fsync_dir(dir_); dir_err != 0) {
    return fail(code::journal_write_failed, dir_.string() + ": cannot sync: " + reason(dir_err));
  }
  return {};
}

}  // namespace auction::market
