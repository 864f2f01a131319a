// `bench capacity`: what the platform's state machine costs at its capacity -- memory per user
// and per auction, the time and size of a snapshot and of its restore -- and the check that
// it holds what the contract promises (platform/limits.hpp: 10 million users, a million
// auctions, 10,000 buyers an auction) with every answer still one bounded page.
//
// It drives a platform::StateMachine directly, in this process, the way a replica's raft
// thread does (apply(index, Request) of decoded requests, in log order), with realistic
// records: usernames like "maria.garcia48213" (6 to 24 characters), IPv4 and IPv6 addresses
// with ports, random Ed25519-sized keys; auctions with names and a description, each joined by
// --buyers users, started and finished with a chain of signed-sized withdrawals. With
// --sessions every login carries a session tag, as platform::Client's do. Resident memory
// (VmRSS, this process: the replica's allocator, jemalloc) is read before and after each
// phase. --snapshot then takes the snapshot a replica takes (EntryApplier::snapshot, JSON
// today) and restores it into a new state machine, timing both. --check-limits (with --users
// and --auctions at the maximum) shows that one more of each is refused and changes nothing.
// Any wrong answer ends the run with exit code 1: this is the long capacity test that does not
// run in CI (`bench capacity --users 10000000 --auctions 1000000 --check-limits`,
// docs/performance.md, "Capacity").
// Never: a clock or a random number inside the state machine (the generator's numbers are
// drawn here, from a fixed seed, and arrive as commands).
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "auction/base/limits.hpp"
#include "auction/market/auction_chain.hpp"
#include "auction/market/peer_messages.hpp"
#include "auction/market/runtime/seller_runtime.hpp"
#include "auction/platform/limits.hpp"
#include "auction/platform/state_machine.hpp"
#include "auction/raft/config.hpp"
#include "modes.hpp"
#include "platform/entry_applier.hpp"
#include "report.hpp"

namespace auction::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct CapacityOptions {
  std::uint64_t users = 1'000'000;
  std::uint64_t auctions = 100'000;
  std::uint64_t buyers = 4;  // per auction
  bool sessions = false;
  bool snapshot = false;
  bool check_limits = false;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// This process's resident memory, or its peak (VmHWM), in bytes.
std::uint64_t memory_bytes(const char* field) {
  std::ifstream status("/proc/self/status");
  const std::string key = std::string(field) + ":";
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size())) * 1024;
  }
  return 0;
}

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// Records as real users would make them, from a fixed seed.
class RecordMaker {
 public:
  RecordMaker() : random_(20261208) {}

  // Unique per i: "<first>.<last><i>", "<first>_<i>" or "<first><last><i>" (6..24 bytes).
  std::string username(std::uint64_t i) {
    static const char* const first[] = {"maria", "jose", "li",    "anna",  "mohammed", "olga",
                                        "juan",  "emma", "noah",  "sofia", "wei",      "fatima",
                                        "lucas", "aiko", "ivan",  "chloe", "omar",     "elena",
                                        "kofi",  "sara", "david", "yuki",  "pierre",   "amara"};
    static const char* const last[] = {
        "garcia",   "smith",  "wang",   "mueller", "kim",     "silva",  "nguyen", "rossi",
        "kowalski", "okafor", "tanaka", "dubois",  "ivanova", "haddad", "jensen", "lopez"};
    const std::string f = first[i % std::size(first)];
    const std::string l = last[(i / std::size(first)) % std::size(last)];
    const std::string n = std::to_string(i);
    switch (i % 3) {
      case 0: return f + "." + l + n;
      case 1: return f + "_" + n;
      default: return (f + l).substr(0, 12) + n;
    }
  }

  // "203.0.113.7:40117", or one in ten "[2001:db8::1f:9a]:7001".
  std::string address() {
    const auto r = random_();
    const auto port = 1024 + (r >> 16) % 64000;
    if (r % 10 == 0) {
      char text[64];
      std::snprintf(text, sizeof text, "[2001:db8::%x:%x]:%u",
                    static_cast<unsigned>(r >> 40) & 0xffff,
                    static_cast<unsigned>(r >> 24) & 0xffff, static_cast<unsigned>(port));
      return text;
    }
    return std::to_string(10 + r % 200) + "." + std::to_string((r >> 8) % 256) + "." +
           std::to_string((r >> 32) % 256) + "." + std::to_string(1 + (r >> 48) % 254) + ":" +
           std::to_string(port);
  }

  std::string hex(std::size_t digits) {
    static constexpr char digit[] = "0123456789abcdef";
    std::string text;
    text.reserve(digits);
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < digits; ++i, bits >>= 4) {
      if (i % 16 == 0) bits = random_();
      text += digit[bits & 15];
    }
    return text;
  }

  std::string words(std::size_t bytes) {
    static const char* const pool[] = {
        "brass",   "lamp", "antique",   "oak",  "table",  "vintage",  "signed", "first",
        "edition", "mint", "condition", "hand", "made",   "rare",     "blue",   "silver",
        "watch",   "with", "box",       "and",  "papers", "restored", "1960s"};
    std::string text;
    while (text.size() < bytes) {
      if (!text.empty()) text += ' ';
      text += pool[random_() % std::size(pool)];
    }
    text.resize(bytes);
    return text;
  }

  std::uint64_t below(std::uint64_t n) { return random_() % n; }

 private:
  std::mt19937_64 random_;
};

// Applies requests at consecutive indexes and requires each answer's ok to be `expected`.
class Applier {
 public:
  explicit Applier(platform::StateMachine& machine) : machine_(machine) {}

  // The answer text; a wrong outcome is recorded (the first one is kept).
  std::string apply(platform::Command command, bool expected = true,
                    std::optional<platform::SessionTag> session = std::nullopt) {
    std::string answer = machine_.apply(raft::LogIndex{++index_},
                                        platform::Request{std::move(command), std::move(session)});
    const bool ok = answer.rfind("{\"ok\":true", 0) == 0;
    if (ok != expected && first_wrong_.empty()) first_wrong_ = answer;
    return answer;
  }

  const std::string& first_wrong() const { return first_wrong_; }
  std::uint64_t index() const { return index_; }

 private:
  platform::StateMachine& machine_;
  std::uint64_t index_ = 0;
  std::string first_wrong_;
};

// A withdrawal link as a seller's chain holds it (a signature's worth of hex, as real).
json withdrawal_link(RecordMaker& make, const std::string& buyer, std::uint64_t round,
                     std::int64_t price) {
  return {
      {"round_id", round},
      {"withdrawn", json::array({{{"username", buyer},
                                  {"reason", "by_request"},
                                  {"proof",
                                   {{"round_id", round},
                                    {"price", price},
                                    {"signature", make.hex(platform::signature_hex_digits)}}}}})}};
}

// The sizes of a seller's pushes for an auction of buyers_per_auction_max buyers with the
// longest usernames (docs/platform.md, "update_auction"): the whole chain in one push, the
// largest chunk a push carries, and the largest single link (every buyer but one silent).
void report_push_sizes(Report& report) {
  const std::size_t buyers = auction::limits::buyers_per_auction_max;
  const auto longest = [](std::size_t i) {
    std::string name = "b" + std::to_string(i) + "-";
    name.resize(auction::limits::username_bytes_max, 'y');
    return name;
  };
  const auto push_bytes = [](const std::vector<market::ChainLink>& links, std::size_t from,
                             std::size_t end) {
    json slice = json::array();
    for (std::size_t i = from; i < end; ++i) slice.push_back(market::encode(links[i]));
    const platform::UpdateAuction update{std::string(auction::limits::username_bytes_max, 's'),
                                         AuctionId{UINT64_MAX},
                                         UINT64_MAX,
                                         Cents{INT64_MAX},
                                         from,
                                         std::move(slice)};
    const platform::Request request{update, platform::SessionTag{std::string(64, 'c'), UINT64_MAX}};
    return platform::encode(request).dump().size();
  };
  identity::Signature signature;
  signature.bytes.fill(0xab);
  std::vector<market::ChainLink> by_request;
  market::ChainLink silent{UINT64_MAX, {}};
  json buyers_list = json::array();  // what a push listed before: every buyer and its status
  for (std::size_t i = 0; i + 1 < buyers; ++i) {
    by_request.push_back(market::ChainLink{
        UINT64_MAX,
        {market::ChainWithdrawal{longest(i), market::BuyerStatus::withdrawn_max_price,
                                 market::WithdrawProof{UINT64_MAX, Cents{INT64_MAX}, signature}}}});
    silent.withdrawals.push_back(
        market::ChainWithdrawal{longest(i), market::BuyerStatus::withdrawn_silent, std::nullopt});
    buyers_list.push_back({{"username", longest(i)}, {"active", false}});
  }
  buyers_list.push_back({{"username", longest(buyers - 1)}, {"active", true}});
  const std::size_t chunk_max = market::SellerRuntimeOptions{}.push_bytes_max;
  std::size_t largest_chunk = 0;
  std::size_t chunks = 0;
  for (std::size_t from = 0; from < by_request.size(); ++chunks) {
    const std::size_t end = market::links_fitting(by_request, from, chunk_max);
    largest_chunk = std::max(largest_chunk, push_bytes(by_request, from, end));
    from = end;
  }
  // What the seller sends its buyers peer to peer for the same auction: the full form of an
  // announcement (every buyer and its status; docs/auction.md) and the signed result.
  std::vector<market::BuyerEntry> statuses;
  for (std::size_t i = 0; i < buyers; ++i) {
    statuses.push_back({longest(i), i + 1 < buyers ? market::BuyerStatus::withdrawn_max_price
                                                   : market::BuyerStatus::active});
  }
  market::AnnouncePrice announcement{
      AuctionId{UINT64_MAX}, UINT64_MAX, Cents{INT64_MAX}, statuses, false, {}, signature};
  const market::SignedFinish result{
      market::FinishRecord{AuctionId{UINT64_MAX}, UINT64_MAX, longest(buyers - 1), Cents{INT64_MAX},
                           statuses},
      {},
      signature};
  nlohmann::ordered_json row;
  row["bench"] = "capacity_push";
  row["buyers"] = buyers;
  row["username_bytes"] = auction::limits::username_bytes_max;
  row["entry_bytes_max"] = raft::Config{}.entry_bytes_max;
  row["buyers_list_bytes"] = buyers_list.dump().size();
  row["whole_chain_push_bytes"] = push_bytes(by_request, 0, by_request.size());
  row["push_bytes_max"] = chunk_max;
  row["pushes_for_whole_chain"] = chunks;
  row["largest_push_bytes"] = largest_chunk;
  row["silent_link_push_bytes"] = push_bytes({silent}, 0, 1);
  row["announcement_bytes"] = market::encode(announcement).dump().size();
  row["result_bytes"] = market::encode(result).dump().size();
  report.add(std::move(row));
}

int run_capacity(const CapacityOptions& options, const CommonOptions& common) {
  Report report(common.json);
  const platform::Capacity capacity{};
  if (options.users > capacity.users_max || options.auctions > capacity.auctions_max) {
    std::fprintf(stderr, "bench capacity: at most %zu users and %zu auctions\n", capacity.users_max,
                 capacity.auctions_max);
    return 2;
  }
  if (options.buyers + 1 > options.users && options.auctions > 0) {
    std::fprintf(stderr, "bench capacity: --buyers needs more --users\n");
    return 2;
  }
  auto machine = std::make_unique<platform::StateMachine>();
  Applier applier(*machine);
  RecordMaker make;
  const std::uint64_t at_start = memory_bytes("VmRSS");

  // Users.
  auto started = Clock::now();
  std::vector<std::string> sample_answers;  // get_user_address of a few, to compare later
  for (std::uint64_t i = 0; i < options.users; ++i) {
    platform::Login login{make.username(i), make.address(), make.hex(64)};
    std::optional<platform::SessionTag> session;
    if (options.sessions) session = platform::SessionTag{"c-" + make.hex(16), 1};
    const std::string answer = applier.apply(std::move(login), true, std::move(session));
    if (options.users > 0 && i % (options.users / 8 + 1) == 0 &&
        answer.find("\"created\":true") == std::string::npos) {
      std::fprintf(stderr, "bench capacity: login %llu did not create a user: %s\n",
                   static_cast<unsigned long long>(i), answer.c_str());
      return 1;
    }
  }
  const double users_s = seconds_since(started);
  const std::uint64_t after_users = memory_bytes("VmRSS");

  // Auctions: each created, joined by --buyers users, started and finished with its chain.
  started = Clock::now();
  for (std::uint64_t a = 0; a < options.auctions; ++a) {
    const std::uint64_t seller_index = make.below(options.users);
    const std::string seller = make.username(seller_index);
    platform::CreateAuction create{seller,
                                   make.words(12 + make.below(20)) + " sale",
                                   make.words(6 + make.below(20)),
                                   make.words(40 + make.below(160)),
                                   Cents{static_cast<std::int64_t>(100 + make.below(100000))},
                                   Cents{static_cast<std::int64_t>(1 + make.below(1000))},
                                   static_cast<std::int64_t>(100 + make.below(5000))};
    const Cents base = create.base_price;
    const Cents increment = create.increment;
    applier.apply(std::move(create));
    const AuctionId id{a + 1};
    std::vector<std::string> joined;
    while (joined.size() < options.buyers) {
      const std::uint64_t b = make.below(options.users);
      if (b == seller_index) continue;
      std::string buyer = make.username(b);
      if (std::find(joined.begin(), joined.end(), buyer) != joined.end()) continue;
      applier.apply(platform::JoinAuction{buyer, id});
      joined.push_back(std::move(buyer));
    }
    if (joined.empty()) continue;  // an auction nobody joined stays created
    applier.apply(platform::StartAuction{seller, id});
    json links = json::array();
    std::uint64_t round = 0;
    for (std::size_t k = 0; k + 1 < joined.size(); ++k) {
      round += 1 + make.below(5);
      links.push_back(withdrawal_link(
          make, joined[k], round, base.value + static_cast<std::int64_t>(round) * increment.value));
    }
    const Cents price{base.value + static_cast<std::int64_t>(round) * increment.value};
    applier.apply(platform::FinishAuction{seller, id, joined.back(), price, round, 0,
                                          std::move(links), make.hex(64), make.hex(128)});
  }
  const double auctions_s = seconds_since(started);
  const std::uint64_t after_auctions = memory_bytes("VmRSS");
  if (!applier.first_wrong().empty()) {
    std::fprintf(stderr, "bench capacity: an answer was not what it should be: %s\n",
                 applier.first_wrong().c_str());
    return 1;
  }
  if (machine->user_count() != options.users || machine->auction_count() != options.auctions) {
    std::fprintf(stderr, "bench capacity: the state holds %zu users and %zu auctions\n",
                 machine->user_count(), machine->auction_count());
    return 1;
  }

  // Reads stay one bounded page, whatever the state's size.
  for (std::uint64_t i = 0; i < 5 && options.users > 0; ++i) {
    const platform::Command get = platform::GetUserAddress{make.username(i * (options.users / 5))};
    auto text = machine->query_text(get);
    if (!text) {
      std::fprintf(stderr, "bench capacity: %s\n", text.error().message.c_str());
      return 1;
    }
    sample_answers.push_back(*text);
  }
  std::size_t largest_page = 0;
  if (options.auctions > 0) {
    const platform::Command page = platform::FetchAuctions{
        make.username(0), AuctionId{options.auctions / 2}, platform::limits::fetch_page_max, false};
    auto text = machine->query_text(page);
    if (!text) {
      std::fprintf(stderr, "bench capacity: fetch_auctions: %s\n", text.error().message.c_str());
      return 1;
    }
    largest_page = text->size();
  }

  if (options.check_limits) {
    // At the maximum, one more of each is refused and changes nothing; an existing user may
    // still move.
    const bool users_full = options.users == capacity.users_max;
    const bool auctions_full = options.auctions == capacity.auctions_max;
    if (!users_full || !auctions_full) {
      std::fprintf(stderr, "bench capacity: --check-limits needs --users %zu --auctions %zu\n",
                   capacity.users_max, capacity.auctions_max);
      return 2;
    }
    const std::string refused_user =
        applier.apply(platform::Login{"one.too.many", make.address(), make.hex(64)}, false);
    const std::string moved = applier.apply(platform::Login{
        make.username(7), "198.51.100.7:7007", machine->public_key(make.username(7)).value_or("")});
    const std::string refused_auction =
        applier.apply(platform::CreateAuction{make.username(3), "one more", "lamp", "", Cents{100},
                                              Cents{1}, 1000},
                      false);
    const bool refused = refused_user.find("limit_exceeded") != std::string::npos &&
                         refused_auction.find("limit_exceeded") != std::string::npos &&
                         moved.find("\"created\":false") != std::string::npos;
    if (!refused || !applier.first_wrong().empty() || machine->user_count() != capacity.users_max ||
        machine->auction_count() != capacity.auctions_max) {
      std::fprintf(stderr, "bench capacity: the limits did not hold: %s / %s / %s\n",
                   refused_user.c_str(), refused_auction.c_str(), moved.c_str());
      return 1;
    }
    report.note(
        "bench capacity: at the maximum one more user and one more auction were "
        "refused (limit_exceeded); an existing user moved");
  }

  nlohmann::ordered_json row;
  row["bench"] = "capacity";
  row["users"] = options.users;
  row["sessions"] = options.sessions;
  row["auctions"] = options.auctions;
  row["buyers_per_auction"] = options.buyers;
  row["users_s"] = users_s;
  row["auctions_s"] = auctions_s;
  row["rss_start_mib"] = mib(at_start);
  row["rss_users_mib"] = mib(after_users);
  row["rss_auctions_mib"] = mib(after_auctions);
  if (options.users > 0) {
    row["bytes_per_user"] =
        static_cast<double>(after_users - at_start) / static_cast<double>(options.users);
  }
  if (options.auctions > 0) {
    row["bytes_per_auction"] =
        static_cast<double>(after_auctions - after_users) / static_cast<double>(options.auctions);
  }
  row["fetch_page_bytes"] = largest_page;
  report.add(std::move(row));

  if (options.snapshot) {
    const std::uint64_t before = memory_bytes("VmRSS");
    started = Clock::now();
    platform::WatchHistory history;
    std::string snapshot = platform::EntryApplier(*machine, history).snapshot();
    const double snapshot_s = seconds_since(started);
    const std::uint64_t peak_snapshot = memory_bytes("VmHWM");
    // The JSON form, which snapshots held before the binary one: for comparison.
    started = Clock::now();
    std::string json_snapshot = machine->snapshot().dump();
    const double json_snapshot_s = seconds_since(started);
    const std::size_t users = machine->user_count();
    const std::size_t auctions = machine->auction_count();
    // The restore of a restarting replica: the old state is gone; the snapshot's text is all
    // there is.
    machine.reset();
    malloc_trim(0);
    const std::uint64_t text_only = memory_bytes("VmRSS");
    auto restored = std::make_unique<platform::StateMachine>();
    started = Clock::now();
    auto done = platform::EntryApplier(*restored, history).restore(snapshot);
    const double restore_s = seconds_since(started);
    const std::uint64_t after_restore = memory_bytes("VmRSS");
    if (!done) {
      std::fprintf(stderr, "bench capacity: restore: %s\n", done.error().message.c_str());
      return 1;
    }
    bool same = restored->user_count() == users && restored->auction_count() == auctions;
    for (std::uint64_t i = 0; i < sample_answers.size(); ++i) {
      const platform::Command get =
          platform::GetUserAddress{make.username(i * (options.users / 5))};
      auto text = restored->query_text(get);
      same = same && text && *text == sample_answers[i];
    }
    if (!same) {
      std::fprintf(stderr, "bench capacity: the restored state differs\n");
      return 1;
    }
    const std::string restored_digest = restored->digest();
    restored.reset();
    malloc_trim(0);
    started = Clock::now();
    auto from_json = platform::StateMachine::restore_bytes(json_snapshot);
    const double json_restore_s = seconds_since(started);
    if (!from_json || from_json->digest() != restored_digest) {
      std::fprintf(stderr, "bench capacity: the JSON snapshot restores another state\n");
      return 1;
    }
    nlohmann::ordered_json snap;
    snap["bench"] = "capacity_snapshot";
    snap["users"] = users;
    snap["auctions"] = auctions;
    snap["snapshot_bytes"] = snapshot.size();
    snap["snapshot_mib"] = mib(snapshot.size());
    snap["snapshot_s"] = snapshot_s;
    snap["restore_s"] = restore_s;
    snap["rss_before_snapshot_mib"] = mib(before);
    snap["peak_rss_mib"] = mib(std::max(peak_snapshot, memory_bytes("VmHWM")));
    snap["rss_text_only_mib"] = mib(text_only);
    snap["rss_restored_mib"] = mib(after_restore);
    snap["json_snapshot_mib"] = mib(json_snapshot.size());
    snap["json_snapshot_s"] = json_snapshot_s;
    snap["json_restore_s"] = json_restore_s;
    report.add(std::move(snap));
  }
  // Last: what it allocates would otherwise stand in for the state's memory above.
  report_push_sizes(report);
  report.flush();
  return 0;
}

}  // namespace

void add_capacity_command(CLI::App& app, const CommonOptions& common, int& exit_code) {
  auto [command, options] = add_mode<CapacityOptions>(
      app, "capacity",
      "fill the platform's state machine with N users and M auctions, in this process: memory "
      "per user and per auction, snapshot and restore, the limits at the maximum",
      common, exit_code, run_capacity);
  command->add_option("--users", options->users, "users to register")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{platform::limits::users_max}));
  command
      ->add_option("--auctions", options->auctions,
                   "auctions to create, each joined, started and finished")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{platform::limits::auctions_max}));
  command->add_option("--buyers", options->buyers, "buyers joining each auction")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{auction::limits::buyers_per_auction_max}));
  command->add_flag("--sessions", options->sessions,
                    "every login carries a session tag, as platform::Client's do");
  command->add_flag("--snapshot", options->snapshot,
                    "take the replica's snapshot of the state and restore it, timing both");
  command->add_flag("--check-limits", options->check_limits,
                    "at the maximum: one more user and one more auction are refused");
}

}  // namespace auction::bench
