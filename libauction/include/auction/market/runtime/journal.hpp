// Journal: the seller's own record of its auctions, in its state directory.
//
// A seller must not lose a result the platform has not acknowledged: the platform may be
// entirely down when an auction finishes, and the seller may crash before it comes back. So
// the seller writes each finish here before it tells anyone, and removes the file only once
// the platform has acknowledged it. It also writes each running auction's state with every
// push, so a restarted seller can resume from its own newest state when the platform's is
// older (the platform missed pushes while it was down).
//
// Format: one file per auction, `auction-<id>.json`, holding one JSON object:
//   {"auction_id": 7, "state": <AuctionState>, "links": [...]}
//       a running auction and its chain so far (docs/auction.md)
//   {"auction_id": 7, "finish": <SignedFinish>, "links": [...]}
//       a result not yet acknowledged, with the whole chain it ends
// (A file of an older seller without "links", or with an unsigned finish, reads as an empty
// chain and an unsigned result: the platform then refuses the result, and says why.)
// Every write replaces the whole file atomically: write `auction-<id>.json.tmp`, fsync it,
// rename it over the old file, fsync the directory. A reader therefore sees the old file or
// the new one, never a torn one; a leftover `.tmp` is an interrupted write and is ignored.
// A file that does not parse is not a torn write but damage, and open() refuses it.
// The directory is locked (flock on `LOCK`) while a Journal is open, so two sellers never
// share one.
//
// Sits in market/runtime/ (files through base's Disk, no Asio). Threading: one owner; calls block
// on the disk (small files, one fsync each). Must never report a write as done before it is
// durable.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <variant>

#include "auction/base/disk.hpp"
#include "auction/base/error.hpp"
#include "auction/base/ids.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/auction_state.hpp"
#include "auction/market/finish_record.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/types.hpp"

namespace auction::market {

// A running auction as journaled: its state and its chain's links.
struct JournaledRun {
  AuctionState state;
  std::vector<ChainLink> links;

  AuctionId auction_id() const { return state.auction_id; }
  friend bool operator==(const JournaledRun&, const JournaledRun&) = default;
};

// A result as journaled: signed, with the whole chain it ends.
struct JournaledFinish {
  SignedFinish finish;
  std::vector<ChainLink> links;

  AuctionId auction_id() const { return finish.record.auction_id; }
  friend bool operator==(const JournaledFinish&, const JournaledFinish&) = default;
};

class Journal {
 public:
  // What one auction's file holds.
  using Entry = std::variant<JournaledRun, JournaledFinish>;

  // Opens (creating it if needed) and locks `dir`, and reads every auction file in it.
  // Errors: journal_unusable (cannot create, read or lock the directory, with the reason),
  // journal_corrupt (a file that does not parse, naming it).
  static Result<Journal> open(const std::filesystem::path& dir);

  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  ~Journal();  // releases the lock

  // Durably records a running auction's state. Precondition: no finish is journaled for it
  // (a finished auction never runs again). Errors: journal_write_failed.
  Result<void> save_state(const JournaledRun& run);

  // Durably records a finish, replacing the auction's state. Errors: journal_write_failed.
  Result<void> save_finish(const JournaledFinish& finish);

  // Forgets an auction (its finish was acknowledged, or the platform already has it).
  // Removing an auction that has no file succeeds. Errors: journal_write_failed.
  Result<void> remove(AuctionId auction_id);

  // What is journaled now, by auction id.
  const std::map<AuctionId, Entry>& entries() const noexcept { return entries_; }
  const Entry* find(AuctionId auction_id) const;
  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  Journal(std::filesystem::path dir, std::unique_ptr<DirectoryLock> lock);
  Result<void> write(AuctionId auction_id, const nlohmann::json& body);

  std::filesystem::path dir_;
  std::unique_ptr<DirectoryLock> lock_;
  std::map<AuctionId, Entry> entries_;  // mirrors the files
};

}  // namespace auction::market
