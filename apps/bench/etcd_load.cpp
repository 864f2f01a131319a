// EtcdLoad: see etcd_load.hpp.
#include "etcd_load.hpp"

#include <charconv>
#include <cstdio>
#include <future>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/error_codes.hpp"

namespace auction::bench {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t value_bytes = 100;
constexpr std::size_t fetch_keys = 100;
const std::string fetch_prefix = "bench-fetch/";

std::string fetch_key(std::size_t k) {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%03zu", k);
  return fetch_prefix + digits;
}

json put_body(const std::string& key, const std::string& value_base64) {
  json body = json::object();
  body["key"] = base64_encode(key);
  body["value"] = value_base64;
  return body;
}

// The gateway writes 64-bit fields as strings ("count": "100") and leaves zeros out.
std::optional<std::uint64_t> uint_field(const json& reply, const char* key) {
  if (!reply.contains(key)) return 0;
  const json& field = reply[key];
  if (field.is_number_unsigned()) return field.get<std::uint64_t>();
  if (!field.is_string()) return std::nullopt;
  const auto& text = field.get_ref<const std::string&>();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A range reply that counts and carries `expected` keys, the first of them `first_key`.
Result<void> check_range(const json& reply, std::size_t expected, const std::string& first_key) {
  const auto count = uint_field(reply, "count");
  const json* kvs = reply.contains("kvs") ? &reply["kvs"] : nullptr;
  const std::size_t carried = kvs && kvs->is_array() ? kvs->size() : 0;
  if (count != expected || carried != expected) {
    return fail(code::bad_response, "range of " + first_key + ": expected " +
                                        std::to_string(expected) + " keys, the reply counts " +
                                        (count ? std::to_string(*count) : "?") + " and carries " +
                                        std::to_string(carried));
  }
  const json& first = (*kvs)[0];
  if (!first.is_object() || first.value("key", std::string()) != base64_encode(first_key)) {
    return fail(code::bad_response, "range of " + first_key + ": the first key is not it");
  }
  return {};
}

// Runs `work` on `io` to its end. Every call has a deadline, and `work` owns its client,
// whose connection closes when it ends, so io.run() returns.
template <class T>
T run_to_end(asio::io_context& io, asio::awaitable<T> work) {
  auto done = asio::co_spawn(io, std::move(work), asio::use_future);
  io.restart();
  io.run();
  return done.get();
}

// The member's status: its version and Raft term.
asio::awaitable<Result<json>> async_status(EtcdClient& client) {
  auto status = co_await client.async_post("/v3/maintenance/status", json::object());
  if (!status) co_return status;
  if (!uint_field(*status, "raftTerm")) {
    co_return fail(code::bad_response, "a status without a Raft term: " + status->dump());
  }
  co_return status;
}

asio::awaitable<Result<std::uint64_t>> async_raft_term(asio::any_io_executor executor,
                                                       std::vector<EtcdEndpoint> endpoints,
                                                       std::chrono::milliseconds call_timeout) {
  EtcdClient client(executor, std::move(endpoints), call_timeout);
  auto status = co_await async_status(client);
  if (!status) co_return std::unexpected(std::move(status.error()));
  co_return *uint_field(*status, "raftTerm");
}

asio::awaitable<Result<EtcdFixture>> async_set_up(asio::any_io_executor executor,
                                                  std::vector<EtcdEndpoint> endpoints,
                                                  std::chrono::milliseconds call_timeout) {
  // The client lives in this frame, so its connection closes when the set-up ends.
  EtcdClient client(executor, std::move(endpoints), call_timeout);
  const auto failed = [](const char* step, Error e) {
    e.message = std::string(step) + ": " + e.message;
    return std::unexpected(std::move(e));
  };
  EtcdFixture fixture;
  auto status = co_await async_status(client);
  if (!status) co_return failed("asking for the member's status", std::move(status.error()));
  fixture.server_version = status->value("version", std::string("?"));
  fixture.raft_term = *uint_field(*status, "raftTerm");
  fixture.server_endpoint = client.endpoint_name();
  fixture.fetch_prefix = fetch_prefix;
  fixture.fetch_keys = fetch_keys;
  fixture.lookup_key = fetch_key(0);
  const std::string value = base64_encode(std::string(value_bytes, 'v'));
  for (std::size_t k = 0; k < fetch_keys; ++k) {
    auto put = co_await client.async_post("/v3/kv/put", put_body(fetch_key(k), value));
    if (!put) co_return failed("putting the fetch keys", std::move(put.error()));
  }
  json range = json::object();
  range["key"] = base64_encode(fetch_prefix);
  range["range_end"] = base64_encode(prefix_range_end(fetch_prefix));
  auto read = co_await client.async_post("/v3/kv/range", range);
  if (!read) co_return failed("reading the fetch keys back", std::move(read.error()));
  // Another writer under the prefix would make every fetch fail; say so now.
  if (auto checked = check_range(*read, fetch_keys, fetch_key(0)); !checked) {
    co_return failed("reading the fetch keys back", std::move(checked.error()));
  }
  co_return fixture;
}

class EtcdPutClient final : public LoadClient {
 public:
  EtcdPutClient(asio::io_context& io, const std::vector<EtcdEndpoint>& endpoints,
                std::chrono::milliseconds call_timeout, std::size_t index)
      : client_(io.get_executor(), endpoints, call_timeout),
        key_prefix_("bench/" + std::to_string(index) + "/"),
        value_base64_(base64_encode(std::string(value_bytes, 'v'))) {}

  asio::awaitable<Result<void>> async_once() override {
    auto reply = co_await client_.async_post(
        "/v3/kv/put", put_body(key_prefix_ + std::to_string(count_++), value_base64_));
    if (!reply) co_return std::unexpected(std::move(reply.error()));
    if (!reply->contains("header") || !(*reply)["header"].is_object()) {
      co_return fail(code::bad_response, "a put reply without a header");
    }
    co_return Result<void>{};
  }

 private:
  EtcdClient client_;
  std::string key_prefix_;
  std::string value_base64_;
  std::uint64_t count_ = 0;
};

// fetch (a prefix range) and lookup (a one-key range): the body is the same every time.
class EtcdRangeClient final : public LoadClient {
 public:
  EtcdRangeClient(asio::io_context& io, const std::vector<EtcdEndpoint>& endpoints,
                  std::chrono::milliseconds call_timeout, const EtcdFixture& fixture,
                  Workload workload)
      : client_(io.get_executor(), endpoints, call_timeout), body_(json::object()) {
    body_["key"] =
        base64_encode(workload == Workload::fetch ? fixture.fetch_prefix : fixture.lookup_key);
    if (workload == Workload::fetch) {
      body_["range_end"] = base64_encode(prefix_range_end(fixture.fetch_prefix));
      expected_ = fixture.fetch_keys;
    }
    // The prefix's first key is the lookup key. The gateway writes 64-bit integers as
    // strings: "count":"100".
    count_text_ = "\"count\":\"" + std::to_string(expected_) + "\"";
    first_key_text_ = "\"key\":\"" + base64_encode(fixture.lookup_key) + "\"";
  }

  // Checked like bench platform's reads, without a full parse: the reply must count the
  // expected keys and carry the first one (the setup checked the full parse once).
  asio::awaitable<Result<void>> async_once() override {
    auto reply = co_await client_.async_post_text("/v3/kv/range", body_);
    if (!reply) co_return std::unexpected(std::move(reply.error()));
    if (reply->find(count_text_) == std::string::npos ||
        reply->find(first_key_text_) == std::string::npos ||
        reply->find(R"("error")") != std::string::npos) {
      co_return fail(code::bad_response,
                     "a range reply without " + count_text_ + " or the first key");
    }
    co_return Result<void>{};
  }

 private:
  EtcdClient client_;
  json body_;
  std::size_t expected_ = 1;
  std::string count_text_;
  std::string first_key_text_;
};

}  // namespace

bool is_etcd_workload(Workload workload) {
  return workload == Workload::write || workload == Workload::fetch || workload == Workload::lookup;
}

Result<EtcdFixture> set_up_etcd(asio::io_context& io, const std::vector<EtcdEndpoint>& endpoints,
                                std::chrono::milliseconds call_timeout) {
  return run_to_end(io, async_set_up(io.get_executor(), endpoints, call_timeout));
}

Result<std::uint64_t> etcd_raft_term(asio::io_context& io,
                                     const std::vector<EtcdEndpoint>& endpoints,
                                     std::chrono::milliseconds call_timeout) {
  return run_to_end(io, async_raft_term(io.get_executor(), endpoints, call_timeout));
}

std::vector<std::unique_ptr<LoadClient>> make_etcd_clients(
    asio::io_context& io, const std::vector<EtcdEndpoint>& endpoints,
    std::chrono::milliseconds call_timeout, const EtcdFixture& fixture, Workload workload,
    std::size_t clients) {
  AUCTION_ASSERT(is_etcd_workload(workload), "etcd serves the write, fetch and lookup loads");
  std::vector<std::unique_ptr<LoadClient>> made;
  for (std::size_t i = 0; i < clients; ++i) {
    if (workload == Workload::write) {
      made.push_back(std::make_unique<EtcdPutClient>(io, endpoints, call_timeout, i));
    } else {
      made.push_back(
          std::make_unique<EtcdRangeClient>(io, endpoints, call_timeout, fixture, workload));
    }
  }
  return made;
}

}  // namespace auction::bench
