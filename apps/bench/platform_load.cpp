// PlatformLoad: see platform_load.hpp.
#include "platform_load.hpp"

#include <algorithm>

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "auction/platform/commands.hpp"
#include "line_connection.hpp"
#include "wire/envelope.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t users_per_client = 50;
constexpr Cents base_price{100};
constexpr Cents increment{10};

std::string user_name(std::size_t client, std::size_t k) {
  return "bench-c" + std::to_string(client) + "-u" + std::to_string(k);
}

template <class T>
T run_to_end(asio::io_context& io, asio::awaitable<T> work) {
  auto done = asio::co_spawn(io, std::move(work), asio::use_future);
  // Run until `work` is done (connections it opened stay open and keep `io` busy).
  io.restart();
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  return done.get();
}

asio::awaitable<Result<PlatformFixture>> async_set_up(platform::Client& client,
                                                      std::size_t auctions,
                                                      std::size_t description_bytes) {
  PlatformFixture fixture{{}, "bench-seller", "bench-buyer"};
  const auto failed = [](const char* op, const Error& e) {
    return Error{e.code, std::string(op) + ": " + e.message};
  };
  for (const std::string& user : {fixture.seller, fixture.buyer}) {
    platform::Login login{user, "127.0.0.1:9", {}};
    auto done = co_await client.async_login(std::move(login));
    if (!done) co_return std::unexpected(failed("login", done.error()));
  }
  const std::string description(description_bytes, 'd');
  for (std::size_t i = 0; i < auctions; ++i) {
    platform::CreateAuction create{fixture.seller,
                                   "bench auction " + std::to_string(i),
                                   "item " + std::to_string(i),
                                   description,
                                   base_price,
                                   increment,
                                   1000};
    auto created = co_await client.async_create_auction(std::move(create));
    if (!created) co_return std::unexpected(failed("create_auction", created.error()));
    const AuctionId id = created->auction_id;
    platform::JoinAuction join{fixture.buyer, id};
    auto joined = co_await client.async_join_auction(std::move(join));
    if (!joined) co_return std::unexpected(failed("join_auction", joined.error()));
    platform::StartAuction start{fixture.seller, id};
    auto started = co_await client.async_start_auction(std::move(start));
    if (!started) co_return std::unexpected(failed("start_auction", started.error()));
    fixture.auction_ids.push_back(id);
  }
  co_return fixture;
}

// Writes through platform::Client: the full client path, leader-following and exactly-once.
class PlatformWriter final : public LoadClient {
 public:
  PlatformWriter(asio::io_context& io, const platform::ClientOptions& options,
                 const PlatformFixture& fixture, Workload workload, std::size_t index)
      : client_(io.get_executor(), options),
        fixture_(fixture),
        workload_(workload),
        index_(index),
        auction_id_(fixture.auction_ids[index]),
        buyers_{platform::BuyerStatus{fixture.buyer, true}} {}

  asio::awaitable<Result<void>> async_once() override {
    ++count_;
    const bool is_login =
        workload_ == Workload::login || (workload_ == Workload::write && count_ % 2 == 0);
    if (is_login) {
      platform::Login login{user_name(index_, count_ % users_per_client),
                            "127.0.0.1:" + std::to_string(1024 + count_ % 60000),
                            {}};
      auto answer = co_await client_.async_login(std::move(login));
      if (!answer) co_return std::unexpected(std::move(answer.error()));
      co_return Result<void>{};
    }
    ++round_;
    const Cents price{base_price.value + static_cast<std::int64_t>(round_) * increment.value};
    platform::UpdateAuction update{fixture_.seller, auction_id_, round_, price, buyers_};
    auto answer = co_await client_.async_update_auction(std::move(update));
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    co_return Result<void>{};
  }

 private:
  platform::Client client_;
  const PlatformFixture& fixture_;
  Workload workload_;
  std::size_t index_;
  AuctionId auction_id_;
  std::vector<platform::BuyerStatus> buyers_;  // what every update reports: the buyer, active
  std::uint64_t count_ = 0;
  std::uint64_t round_ = 0;
};

// Reads as raw lines to the leader; an answer counts only if it is a success envelope
// holding what was asked for (every auction of the page, or an address). The requests are
// encoded by the platform's codec; the answers are checked by a search of the line rather
// than decoded, so that the generator's cost per 25 KB page stays small next to the
// replicas' (the same two cores serve both).
class PlatformReader final : public LoadClient {
 public:
  PlatformReader(asio::io_context& io, const PlatformFixture& fixture, const ReadTarget& target,
                 Workload workload)
      : connection_(io, target.host, target.port, target.tls), workload_(workload) {
    // Encoded by the platform's own codec, once; only the answers are read by hand.
    const auto add_request = [this](const platform::Command& command) {
      requests_.push_back(
          wire::encode_request(1, platform::op_name(command), platform::encode_fields(command)));
    };
    if (workload == Workload::fetch) {
      expected_items_ = std::min<std::size_t>(fixture.auction_ids.size(), 100);
      const AuctionId before{fixture.auction_ids.front().value - 1};
      add_request(platform::FetchAuctions{fixture.buyer, before, expected_items_});
    } else {
      for (const std::string& user : {fixture.seller, fixture.buyer}) {
        add_request(platform::GetUserAddress{user});
      }
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
                                        const platform::ClientOptions& options,
                                        std::size_t auctions, std::size_t description_bytes) {
  platform::Client client(io.get_executor(), options);
  return run_to_end(io, async_set_up(client, auctions, description_bytes));
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
