// PlatformLoad: see platform_load.hpp.
#include "platform_load.hpp"

#include <algorithm>
#include <future>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "auction/platform/commands.hpp"
#include "bench_users.hpp"
#include "line_connection.hpp"
#include "wire/envelope.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr Cents base_price{100};
constexpr Cents increment{10};

std::string seller_name(std::size_t writer) { return "bench-s" + std::to_string(writer); }

template <class T>
T run_to_end(asio::io_context& io, asio::awaitable<T> work) {
  auto done = asio::co_spawn(io, std::move(work), asio::use_future);
  // Run until `work` is done (connections it opened stay open and keep `io` busy).
  io.restart();
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  return done.get();
}

Error failed(const char* op, const std::string& user, const Error& e) {
  return Error{e.code, std::string(op) + " as " + user + ": " + e.message};
}

// Where the bench users say they are: nobody's port (they take no calls).
const std::string parked_address = "127.0.0.1:9";

// A login of the user `client` acts as, at `address`.
asio::awaitable<Result<void>> async_log_in(platform::Client& client, const std::string& user,
                                           const std::string& address) {
  platform::Login login{user, address, client.user_public_key()};
  auto done = co_await client.async_login(std::move(login));
  if (!done) co_return std::unexpected(failed("login", user, done.error()));
  co_return Result<void>{};
}

// Seller `s` of `fixture` logs in through a client of its own and creates, through it, the
// auctions i = s, s + sellers, ... of fixture.auction_ids, which `buyer` joins.
// (Its own coroutine: g++ 12 warns wrongly on one frame holding the whole setup.)
asio::awaitable<Result<void>> async_set_up_seller(asio::any_io_executor executor,
                                                  const platform::ClientOptions& options,
                                                  PlatformFixture& fixture, std::size_t s,
                                                  platform::Client& buyer,
                                                  const std::string& description) {
  const std::string& name = fixture.sellers[s];
  platform::Client seller(executor, acting_as(options, name));
  auto in = co_await async_log_in(seller, name, parked_address);
  if (!in) co_return std::unexpected(std::move(in.error()));
  for (std::size_t i = s; i < fixture.auction_ids.size(); i += fixture.sellers.size()) {
    platform::CreateAuction create{name,
                                   "bench auction " + std::to_string(i),
                                   "item " + std::to_string(i),
                                   description,
                                   base_price,
                                   increment,
                                   1000};
    auto created = co_await seller.async_create_auction(std::move(create));
    if (!created) co_return std::unexpected(failed("create_auction", name, created.error()));
    const AuctionId id = created->auction_id;
    platform::JoinAuction join{fixture.buyer, id};
    auto joined = co_await buyer.async_join_auction(std::move(join));
    if (!joined) co_return std::unexpected(failed("join_auction", fixture.buyer, joined.error()));
    platform::StartAuction start{name, id};
    auto started = co_await seller.async_start_auction(std::move(start));
    if (!started) co_return std::unexpected(failed("start_auction", name, started.error()));
    fixture.auction_ids[i] = id;
  }
  co_return Result<void>{};
}

asio::awaitable<Result<PlatformFixture>> async_set_up(asio::any_io_executor executor,
                                                      const platform::ClientOptions& options,
                                                      std::size_t sellers, std::size_t auctions,
                                                      std::size_t description_bytes) {
  PlatformFixture fixture;
  fixture.buyer = "bench-buyer";
  for (std::size_t i = 0; i < sellers; ++i) fixture.sellers.push_back(seller_name(i));
  fixture.auction_ids.resize(auctions, AuctionId{0});
  platform::Client buyer(executor, acting_as(options, fixture.buyer));
  auto in = co_await async_log_in(buyer, fixture.buyer, parked_address);
  if (!in) co_return std::unexpected(std::move(in.error()));
  const std::string description(description_bytes, 'd');
  // One seller at a time, each through its own client (and so its own connection).
  for (std::size_t s = 0; s < sellers; ++s) {
    auto made = co_await async_set_up_seller(executor, options, fixture, s, buyer, description);
    if (!made) co_return std::unexpected(std::move(made.error()));
  }
  fixture.first_auction = *std::min_element(fixture.auction_ids.begin(), fixture.auction_ids.end());
  co_return fixture;
}

// Writes through platform::Client acting as the writer's own seller: the full client path,
// key proof on each connection, leader-following and exactly-once.
class PlatformWriter final : public LoadClient {
 public:
  PlatformWriter(asio::io_context& io, const platform::ClientOptions& options,
                 const PlatformFixture& fixture, Workload workload, std::size_t index)
      : client_(io.get_executor(), acting_as(options, fixture.sellers[index])),
        seller_(fixture.sellers[index]),
        public_key_(client_.user_public_key()),
        workload_(workload),
        auction_id_(fixture.auction_ids[index]) {}

  asio::awaitable<Result<void>> async_once() override {
    ++count_;
    const bool is_login =
        workload_ == Workload::login || (workload_ == Workload::write && count_ % 2 == 0);
    if (is_login) {
      platform::Login login{seller_, "127.0.0.1:" + std::to_string(1024 + count_ % 60000),
                            public_key_};
      auto answer = co_await client_.async_login(std::move(login));
      if (!answer) co_return std::unexpected(std::move(answer.error()));
      co_return Result<void>{};
    }
    ++round_;
    const Cents price{base_price.value + static_cast<std::int64_t>(round_) * increment.value};
    platform::UpdateAuction update{seller_, auction_id_, round_, price, 0, json::array()};
    auto answer = co_await client_.async_update_auction(std::move(update));
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    co_return Result<void>{};
  }

 private:
  platform::Client client_;
  std::string seller_;      // the user this writer acts as, owner of auction_id_
  std::string public_key_;  // the seller's, as its logins carry it
  Workload workload_;
  AuctionId auction_id_;
  std::uint64_t count_ = 0;
  std::uint64_t round_ = 0;
};

// Reads as raw lines to the leader; an answer counts only if it is a success envelope
// holding what was asked for (every auction of the page, or an address). The requests are
// encoded by the platform's codec; the answers are checked by a search of the line rather
// than decoded, so that the generator's cost per 25 KB page stays small next to the
// replicas' (the same two cores serve both). When a request reads as a user (fetch, as the
// buyer), each connection proves that user's key once, when it is made.
class PlatformReader final : public LoadClient {
 public:
  PlatformReader(asio::io_context& io, const PlatformFixture& fixture, const ReadTarget& target,
                 Workload workload)
      : connection_(io, target.host, target.port, target.tls), workload_(workload) {
    // Encoded by the platform's own codec, once; only the answers are read by hand.
    std::optional<std::string> reads_as;
    const auto add_request = [this, &reads_as](const platform::Command& command) {
      requests_.push_back(
          wire::encode_request(1, platform::op_name(command), platform::encode_fields(command)));
      if (auto user = platform::acting_user(command)) reads_as = std::string(*user);
    };
    if (workload == Workload::fetch) {
      expected_items_ = std::min<std::size_t>(fixture.auction_ids.size(), 100);
      const AuctionId before{fixture.first_auction.value - 1};
      add_request(platform::FetchAuctions{fixture.buyer, before, expected_items_});
    } else {
      for (const std::string& user : {fixture.sellers.front(), fixture.buyer}) {
        add_request(platform::GetUserAddress{user});
      }
    }
    if (reads_as) {
      connection_.set_greeting(line_user_proof(bench_user(*reads_as), target.cluster_id));
    }
  }

  asio::awaitable<Result<void>> async_once() override {
    const std::string& request = requests_[count_++ % requests_.size()];
    auto line = co_await connection_.async_exchange(request, std::chrono::seconds(5));
    if (!line) co_return std::unexpected(std::move(line.error()));
    static constexpr std::string_view success = R"({"id":1,"ok":true,"result":)";
    if (!line->starts_with(success)) {
      auto parsed = json::parse(*line, nullptr, false);  // a failure is small: read its code
      if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
        co_return fail(parsed["error"].value("code", std::string("bad_response")),
                       parsed["error"].value("message", std::string()));
      }
      co_return fail(code::bad_response, "not a response envelope: " + line->substr(0, 80));
    }
    if (workload_ == Workload::fetch) {
      std::size_t items = 0;
      for (auto at = line->find(R"("auction_id":)"); at != std::string::npos;
           at = line->find(R"("auction_id":)", at + 1)) {
        ++items;
      }
      if (items != expected_items_) {
        co_return fail(code::bad_response, "a page of " + std::to_string(items) +
                                               " auctions, not " + std::to_string(expected_items_));
      }
    } else if (line->find(R"("address":)") == std::string::npos) {
      co_return fail(code::bad_response, "an answer without an address");
    }
    co_return Result<void>{};
  }

 private:
  LineConnection connection_;
  Workload workload_;
  std::vector<std::string> requests_;
  std::size_t expected_items_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace

Result<Workload> parse_workload(const std::string& name) {
  for (Workload w :
       {Workload::login, Workload::update, Workload::write, Workload::fetch, Workload::lookup}) {
    if (to_string(w) == name) return w;
  }
  return fail(code::invalid_argument,
              "unknown workload '" + name + "' (login, update, write, fetch, lookup)");
}

std::string to_string(Workload workload) {
  switch (workload) {
    case Workload::login: return "login";
    case Workload::update: return "update";
    case Workload::write: return "write";
    case Workload::fetch: return "fetch";
    case Workload::lookup: return "lookup";
  }
  return "?";
}

bool is_write(Workload workload) {
  return workload == Workload::login || workload == Workload::update || workload == Workload::write;
}

Result<PlatformFixture> set_up_platform(asio::io_context& io,
                                        const platform::ClientOptions& options, std::size_t sellers,
                                        std::size_t auctions, std::size_t description_bytes) {
  return run_to_end(io, async_set_up(io.get_executor(), options, sellers,
                                     std::max(auctions, sellers), description_bytes));
}

std::vector<std::unique_ptr<LoadClient>> make_platform_clients(
    asio::io_context& io, const platform::ClientOptions& options, const PlatformFixture& fixture,
    const ReadTarget& reads, Workload workload, std::size_t clients) {
  std::vector<std::unique_ptr<LoadClient>> made;
  for (std::size_t i = 0; i < clients; ++i) {
    if (is_write(workload)) {
      made.push_back(std::make_unique<PlatformWriter>(io, options, fixture, workload, i));
    } else {
      made.push_back(std::make_unique<PlatformReader>(io, fixture, reads, workload));
    }
  }
  return made;
}

}  // namespace auction::bench
