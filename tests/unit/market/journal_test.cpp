// Tests of the seller's Journal (auction/market/runtime/journal.hpp): what is written survives a
// reopen, a finish replaces the running state, removal forgets, a second seller cannot share
// the directory, an interrupted write is ignored and a damaged file is refused.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "auction/identity/sha256.hpp"
#include "auction/market/auction_rules.hpp"
#include "auction/market/runtime/journal.hpp"

using namespace auction;
using namespace auction::market;
using auction::Cents;
using auction::RoundId;

namespace {

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// amy's withdrawal in round 1, as a chain link (the signature is any 64 bytes: the journal
// keeps links, it does not check them).
ChainLink amy_leaves() {
  identity::Signature signature;
  signature.bytes.fill(0x5a);
  return ChainLink{1,
                   {ChainWithdrawal{"amy", BuyerStatus::withdrawn_by_request,
                                    WithdrawProof{1, Cents{1100}, signature}}}};
}

JournaledRun running_state(std::uint64_t id, RoundId round) {
  auto rules = AuctionRules::create(AuctionId{id}, Cents{1000}, Cents{100}, {"amy", "bob", "cy"});
  REQUIRE(rules.has_value());
  REQUIRE(rules->start().has_value());
  for (RoundId r = 0; r < round; ++r) REQUIRE(rules->next_round().has_value());
  std::vector<ChainLink> links;
  if (round >= 1) {
    links.push_back(amy_leaves());
  }
  auto state = rules->state();
  if (round >= 1) state.buyers[0].status = BuyerStatus::withdrawn_by_request;
  return JournaledRun{state, links};
}

JournaledFinish finish_of(std::uint64_t id) {
  auto rules = AuctionRules::create(AuctionId{id}, Cents{1000}, Cents{100}, {"amy", "bob"});
  REQUIRE(rules.has_value());
  REQUIRE(rules->start().has_value());
  REQUIRE(rules->next_round().has_value());
  REQUIRE(rules->withdraw("amy", BuyerStatus::withdrawn_by_request) == WithdrawOutcome::withdrawn);
  identity::Signature signature;
  signature.bytes.fill(0x7e);
  return JournaledFinish{SignedFinish{rules->finish_record(), identity::sha256("head"), signature},
                         {amy_leaves()}};
}

}  // namespace

TEST_CASE("market: the journal keeps states and finishes across a reopen", "[market][journal]") {
  TempDir dir("ppapd-journal");
  {
    auto journal = Journal::open(dir.path());
    REQUIRE(journal.has_value());
    REQUIRE(journal->save_state(running_state(1, 3)).has_value());
    REQUIRE(journal->save_state(running_state(2, 1)).has_value());
    REQUIRE(journal->save_state(running_state(2, 4)).has_value());
    REQUIRE(journal->save_finish(finish_of(1)).has_value());
  }
  auto journal = Journal::open(dir.path());
  REQUIRE(journal.has_value());
  REQUIRE(journal->entries().size() == 2);
  CHECK(std::get<JournaledFinish>(*journal->find(AuctionId{1})) == finish_of(1));
  CHECK(std::get<JournaledRun>(*journal->find(AuctionId{2})) == running_state(2, 4));
  REQUIRE(journal->remove(AuctionId{1}).has_value());
  REQUIRE(journal->remove(AuctionId{9}).has_value());  // nothing to remove is fine
  CHECK(journal->find(AuctionId{1}) == nullptr);
}

TEST_CASE("market: an older seller's journal reads as an unsigned result and an empty chain",
          "[market][journal]") {
  TempDir dir("ppapd-journal");
  {
    auto journal = Journal::open(dir.path());
    REQUIRE(journal.has_value());
  }
  const FinishRecord record = finish_of(6).finish.record;
  std::ofstream(dir.path() / "auction-6.json")
      << nlohmann::json{{"auction_id", 6}, {"finish", encode(record)}}.dump();
  auto journal = Journal::open(dir.path());
  REQUIRE(journal.has_value());
  const auto& entry = std::get<JournaledFinish>(*journal->find(AuctionId{6}));
  CHECK(entry.finish.record == record);
  CHECK(entry.finish.signature == identity::Signature{});
  CHECK(entry.links.empty());
}

TEST_CASE("market: the journal directory belongs to one seller at a time", "[market][journal]") {
  TempDir dir("ppapd-journal");
  auto first = Journal::open(dir.path());
  REQUIRE(first.has_value());
  auto second = Journal::open(dir.path());
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == "journal_unusable");
}

TEST_CASE("market: a journal directory that other users can write is refused and kept as it was",
          "[market][journal]") {
  // Whoever can write the journal decides what result the seller delivers after a restart.
  TempDir dir("ppapd-journal");
  std::ofstream(dir.path() / "auction-7.json") << "not even JSON";
  std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
  auto journal = Journal::open(dir.path());
  REQUIRE_FALSE(journal.has_value());
  CHECK(journal.error().code == "journal_unusable");
  CHECK_THAT(journal.error().message, Catch::Contains("other users can write"));
  CHECK(std::filesystem::status(dir.path()).permissions() == std::filesystem::perms::all);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "LOCK"));
}

TEST_CASE("market: the journal's directory and files are private to the seller",
          "[market][journal]") {
  TempDir parent("ppapd-journal");
  const auto dir = parent.path() / "state";
  {
    auto journal = Journal::open(dir);
    REQUIRE(journal.has_value());
    REQUIRE(journal->save_state(running_state(1, 2)).has_value());
  }
  namespace fs = std::filesystem;
  CHECK(fs::status(dir).permissions() == fs::perms::owner_all);
  for (const auto& file : fs::directory_iterator(dir)) {
    INFO(file.path());
    CHECK(file.status().permissions() == (fs::perms::owner_read | fs::perms::owner_write));
  }
}

TEST_CASE("market: the journal ignores an interrupted write and refuses a damaged file",
          "[market][journal]") {
  TempDir dir("ppapd-journal");
  {
    auto journal = Journal::open(dir.path());
    REQUIRE(journal.has_value());
    REQUIRE(journal->save_state(running_state(3, 2)).has_value());
  }
  std::ofstream(dir.path() / "auction-4.json.tmp") << "{\"auction_id\":4,\"sta";
  {
    auto journal = Journal::open(dir.path());
    REQUIRE(journal.has_value());
    CHECK(journal->entries().size() == 1);
  }
  std::ofstream(dir.path() / "auction-5.json") << "{\"auction_id\":5,\"state\":{\"stage\":1}}";
  auto journal = Journal::open(dir.path());
  REQUIRE_FALSE(journal.has_value());
  CHECK(journal.error().code == "journal_corrupt");
  CHECK(journal.error().message.find("auction-5.json") != std::string::npos);
}
