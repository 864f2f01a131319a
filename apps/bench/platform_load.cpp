// PlatformLoad: see platform_load.hpp.
#include "platform_load.hpp"

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace auction::bench {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t users_per_client = 50;
constexpr std::int64_t base_price = 100;
constexpr std::int64_t increment = 10;

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
                                                      std::size_t auctions) {
  PlatformFixture fixture{{}, "bench-seller", "bench-buyer"};
  const auto call = [&client](const char* op, json fields) {
    return client.async_call(op, std::move(fields));
  };
  const auto failed = [](const char* op, const Error& e) {
    return Error{e.code, std::string(op) + ": " + e.message};
  };
  for (const std::string& user : {fixture.seller, fixture.buyer}) {
    json fields = json::object();
    fields["username"] = user;
    fields["address"] = "127.0.0.1:9";
    auto done = co_await call("login", std::move(fields));
    if (!done) co_return std::unexpected(failed("login", done.error()));
  }
  const std::string description(100, 'd');
  for (std::size_t i = 0; i < auctions; ++i) {
    json create = json::object();
    create["seller"] = fixture.seller;
    create["auction_name"] = "bench auction " + std::to_string(i);
    create["item_name"] = "item " + std::to_string(i);
    create["item_description"] = description;
    create["base_price"] = base_price;
    create["increment"] = increment;
    create["period_ms"] = 1000;
    auto created = co_await call("create_auction", std::move(create));
    if (!created) co_return std::unexpected(failed("create_auction", created.error()));
    const auto id = (*created)["auction_id"].get<std::uint64_t>();
    json join = json::object();
    join["username"] = fixture.buyer;
    join["auction_id"] = id;
    auto joined = co_await call("join_auction", std::move(join));
    if (!joined) co_return std::unexpected(failed("join_auction", joined.error()));
    json start = json::object();
    start["seller"] = fixture.seller;
    start["auction_id"] = id;
    auto started = co_await call("start_auction", std::move(start));
    if (!started) co_return std::unexpected(failed("start_auction", started.error()));
    fixture.auction_ids.push_back(id);
  }
  co_return fixture;
}

class PlatformClient final : public LoadClient {
 public:
  PlatformClient(asio::io_context& io, const platform::ClientOptions& options,
                 const PlatformFixture& fixture, Workload workload, std::size_t index)
      : client_(io.get_executor(), options),
        fixture_(fixture),
        workload_(workload),
        index_(index),
        auction_id_(fixture.auction_ids[index]) {}

  asio::awaitable<Result<void>> async_once() override {
    ++count_;
    Workload op = workload_;
    if (op == Workload::write) op = count_ % 2 == 0 ? Workload::login : Workload::update;
    json fields = json::object();
    const char* name = "";
    switch (op) {
      case Workload::login:
        name = "login";
        fields["username"] = user_name(index_, count_ % users_per_client);
        fields["address"] = "127.0.0.1:" + std::to_string(1024 + count_ % 60000);
        break;
      case Workload::update: {
        name = "update_auction";
        ++round_;
        fields["seller"] = fixture_.seller;
        fields["auction_id"] = auction_id_;
        fields["round_id"] = round_;
        fields["current_price"] = base_price + static_cast<std::int64_t>(round_) * increment;
        json buyer = json::object();
        buyer["username"] = fixture_.buyer;
        buyer["active"] = true;
        fields["buyers"] = json::array();
        fields["buyers"].push_back(std::move(buyer));
        break;
      }
      case Workload::fetch:
        name = "fetch_auctions";
        fields["username"] = fixture_.buyer;
        fields["after_id"] = fixture_.auction_ids.front() - 1;
        fields["limit"] = fixture_.auction_ids.size() < 100 ? fixture_.auction_ids.size() : 100;
        break;
      case Workload::lookup:
        name = "get_user_address";
        fields["username"] = count_ % 2 == 0 ? fixture_.seller : fixture_.buyer;
        break;
      case Workload::write:
        break;  // resolved above
    }
    auto answer = co_await client_.async_call(name, std::move(fields));
    if (!answer) co_return std::unexpected(std::move(answer.error()));
    co_return Result<void>{};
  }

 private:
  platform::Client client_;
  const PlatformFixture& fixture_;
  Workload workload_;
  std::size_t index_;
  std::uint64_t auction_id_;
  std::uint64_t count_ = 0;
  std::uint64_t round_ = 0;
};

}  // namespace

Result<Workload> parse_workload(const std::string& name) {
  for (Workload w : {Workload::login, Workload::update, Workload::write, Workload::fetch,
                     Workload::lookup}) {
    if (to_string(w) == name) return w;
  }
  return fail("invalid_argument",
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
  return workload == Workload::login || workload == Workload::update ||
         workload == Workload::write;
}

Result<PlatformFixture> set_up_platform(asio::io_context& io,
                                        const platform::ClientOptions& options,
                                        std::size_t auctions) {
  platform::Client client(io.get_executor(), options);
  return run_to_end(io, async_set_up(client, auctions));
}

std::vector<std::unique_ptr<LoadClient>> make_platform_clients(
    asio::io_context& io, const platform::ClientOptions& options,
    const PlatformFixture& fixture, Workload workload, std::size_t clients) {
  std::vector<std::unique_ptr<LoadClient>> made;
  for (std::size_t i = 0; i < clients; ++i) {
    made.push_back(std::make_unique<PlatformClient>(io, options, fixture, workload, i));
  }
  return made;
}

}  // namespace auction::bench
