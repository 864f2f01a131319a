// The seller's journal; the format is specified in auction/market/runtime/journal.hpp.
#include "auction/market/runtime/journal.hpp"

#include <string>

#include "auction/base/assert.hpp"
#include "auction/base/posix_disk.hpp"

namespace auction::market {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t file_bytes_max = 4 << 20;  // far above any auction (100 buyers)

fs::path file_of(const fs::path& dir, AuctionId auction_id) {
  return dir / ("auction-" + std::to_string(auction_id.value) + ".json");
}

Result<Journal::Entry> decode_entry(const fs::path& file, std::string_view text) {
  auto corrupt = [&](const std::string& why) {
    return fail(code::journal_corrupt, file.string() + ": " + why);
  };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return corrupt("not a JSON object");
  std::vector<ChainLink> links;
  if (j.contains("links")) {
    auto decoded = decode_chain_links(j["links"], "links");
    if (!decoded) return corrupt(decoded.error().message);
    links = std::move(*decoded);
  }
  if (j.contains("finish")) {
    const nlohmann::json& finish = j["finish"];
    if (finish.is_object() && !finish.contains("signature")) {  // an older seller's
      auto record = decode_finish_record(finish);
      if (!record) return corrupt(record.error().message);
      return Journal::Entry{JournaledFinish{SignedFinish{std::move(*record), {}, {}}, {}}};
    }
    auto signed_finish = decode_signed_finish(finish);
    if (!signed_finish) return corrupt(signed_finish.error().message);
    return Journal::Entry{JournaledFinish{std::move(*signed_finish), std::move(links)}};
  }
  if (j.contains("state")) {
    auto state = decode_auction_state(j["state"]);
    if (!state) return corrupt(state.error().message);
    return Journal::Entry{JournaledRun{std::move(*state), std::move(links)}};
  }
  return corrupt("neither \"state\" nor \"finish\"");
}

AuctionId id_of(const Journal::Entry& entry) {
  return std::visit([](const auto& e) { return e.auction_id(); }, entry);
}

}  // namespace

Journal::Journal(fs::path dir, std::unique_ptr<DirectoryLock> lock)
    : dir_(std::move(dir)), lock_(std::move(lock)) {}

Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;
Journal::~Journal() = default;  // releases the lock

Result<Journal> Journal::open(const fs::path& dir) {
  Disk& disk = posix_disk();
  if (auto created = disk.create_data_directory(dir); !created) {
    return fail(code::journal_unusable, created.error().message);
  }
  auto lock = disk.lock_directory(dir);
  if (!lock) {
    if (lock.error().code == code::storage_locked) {
      return fail(code::journal_unusable,
                  dir.string() + " is in use by another seller (choose another --state-dir)");
    }
    return fail(code::journal_unusable, lock.error().message);
  }
  Journal journal(dir, std::move(*lock));
  auto names = disk.list(dir);
  if (!names) return fail(code::journal_unusable, names.error().message);
  for (const std::string& name : *names) {
    if (!name.starts_with("auction-") || !name.ends_with(".json")) continue;  // LOCK, *.tmp
    const fs::path file = dir / name;
    auto contents = disk.read(file);
    if (!contents) return fail(code::journal_unusable, contents.error().message);
    if ((*contents)->bytes().size() > file_bytes_max) {
      return fail(code::journal_corrupt, file.string() + ": unreadable or too large");
    }
    auto entry = decode_entry(file, (*contents)->bytes());
    if (!entry) return std::unexpected(entry.error());
    if (file != file_of(dir, id_of(*entry))) {
      return fail(code::journal_corrupt, file.string() + ": holds another auction");
    }
    journal.entries_.emplace(id_of(*entry), std::move(*entry));
  }
  return journal;
}

const Journal::Entry* Journal::find(AuctionId auction_id) const {
  auto it = entries_.find(auction_id);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<void> Journal::save_state(const JournaledRun& run) {
  const AuctionId id = run.auction_id();
  const Entry* old = find(id);
  AUCTION_ASSERT(old == nullptr || std::holds_alternative<JournaledRun>(*old),
                 "a finished auction's state is never journaled again");
  if (auto ok = write(id, {{"auction_id", id.value},
                           {"state", encode(run.state)},
                           {"links", encode_links(run.links)}});
      !ok) {
    return ok;
  }
  entries_.insert_or_assign(id, Entry{run});
  return {};
}

Result<void> Journal::save_finish(const JournaledFinish& finish) {
  const AuctionId id = finish.auction_id();
  if (auto ok = write(id, {{"auction_id", id.value},
                           {"finish", encode(finish.finish)},
                           {"links", encode_links(finish.links)}});
      !ok) {
    return ok;
  }
  entries_.insert_or_assign(id, Entry{finish});
  return {};
}

Result<void> Journal::remove(AuctionId auction_id) {
  Disk& disk = posix_disk();
  if (auto removed = disk.remove(file_of(dir_, auction_id)); !removed) {
    return fail(code::journal_write_failed, removed.error().message);
  }
  if (auto synced = disk.sync_directory(dir_); !synced) {
    return fail(code::journal_write_failed, synced.error().message);
  }
  entries_.erase(auction_id);
  return {};
}

Result<void> Journal::write(AuctionId auction_id, const nlohmann::json& body) {
  Disk& disk = posix_disk();
  const fs::path file = file_of(dir_, auction_id);
  const fs::path temp = file.string() + ".tmp";
  auto out = disk.open(temp, OpenMode::create_or_truncate);
  if (!out) return fail(code::journal_write_failed, out.error().message);
  auto written = (*out)->write_at(0, body.dump() + "\n");
  if (written) written = (*out)->sync();
  if (!written) return fail(code::journal_write_failed, written.error().message);
  out->reset();
  if (auto renamed = disk.rename(temp, file); !renamed) {
    return fail(code::journal_write_failed, renamed.error().message);
  }
  if (auto synced = disk.sync_directory(dir_); !synced) {
    return fail(code::journal_write_failed, synced.error().message);
  }
  return {};
}

}  // namespace auction::market
