// EtcdClient: see etcd_client.hpp.
//
// The only file of the project that includes Boost.Beast, so Beast is compiled once, here,
// header-only. BOOST_BEAST_SEPARATE_COMPILATION is not used: with g++ 12 -O2 it took this
// file from 28 to 25 CPU-seconds (Beast's cost is the templates instantiated for our stream)
// but adds a translation unit for Beast's own sources, so a clean build would be slower.
// Asio itself stays compiled once in libauction (BOOST_ASIO_SEPARATE_COMPILATION).

#include "etcd_client.hpp"

#include <charconv>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/endpoint.hpp"
#include "auction/base/error_codes.hpp"

namespace auction::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// The gateway's reply headers are a few hundred bytes; anything near this is not etcd.
constexpr std::uint32_t reply_header_bytes_max = 16 * 1024;
// How much of an unexpected body an error message quotes.
constexpr std::size_t excerpt_bytes_max = 200;

std::string excerpt(std::string_view body) {
  std::string text(body.substr(0, excerpt_bytes_max));
  if (body.size() > excerpt_bytes_max) text += "...";
  return text;
}

}  // namespace

Result<std::vector<EtcdEndpoint>> resolve_etcd_endpoints(const std::vector<std::string>& items) {
  if (items.empty()) return fail(code::invalid_argument, "no etcd endpoint given");
  asio::io_context io(1);
  tcp::resolver resolver(io);
  std::vector<EtcdEndpoint> endpoints;
  for (const std::string& item : items) {
    const auto endpoint = parse_endpoint(item);
    if (!endpoint || endpoint->port == 0) {
      return fail(code::invalid_argument,
                  "etcd endpoint '" + item + "' is not host:port (port 1..65535)");
    }
    boost::system::error_code ec;
    const auto results = resolver.resolve(endpoint->host, std::to_string(endpoint->port), ec);
    if (ec || results.empty()) {
      return fail(code::invalid_argument,
                  "etcd endpoint '" + item + "' does not resolve: " + ec.message());
    }
    for (const auto& result : results) endpoints.push_back(EtcdEndpoint{item, result.endpoint()});
  }
  return endpoints;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    for (int shift = 18; shift >= 0; shift -= 6) text += alphabet[(group >> shift) & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2)
      group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    text += alphabet[(group >> 18) & 0x3f];
    text += alphabet[(group >> 12) & 0x3f];
    text += rest == 2 ? alphabet[(group >> 6) & 0x3f] : '=';
    text += '=';
  }
  return text;
}

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  AUCTION_ASSERT(!end.empty(), "a prefix range needs a byte below 0xff");
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

struct EtcdClient::State {
  asio::any_io_executor executor;
  std::vector<EtcdEndpoint> endpoints;
  std::chrono::milliseconds call_timeout;
  std::size_t current = 0;                  // the endpoint in use, or to try next
  std::optional<beast::tcp_stream> stream;  // engaged while connected
  beast::flat_buffer buffer;                // bytes read past the last reply

  void drop() {
    if (stream) {
      boost::system::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.reset();
    }
    buffer.clear();
  }

  // An I/O failure as an Error; the connection is dropped, since its state is unknown.
  Error failed(const boost::system::error_code& ec, const char* doing) {
    const std::string where = endpoints[current].name + ": " + doing + ": ";
    drop();
    if (ec == beast::error::timeout) {
      return Error{code::timeout,
                   where + "no answer within " + std::to_string(call_timeout.count()) + " ms"};
    }
    const bool is_http = ec.category() == http::make_error_code(http::error::need_more).category();
    if (is_http && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Error{code::bad_response,
                   where + "not an HTTP reply etcd would send: " + ec.message()};
    }
    return Error{code::unavailable, where + ec.message()};
  }

  // Connects to the current endpoint, else to the next ones in order, before `expiry`.
  asio::awaitable<Result<void>> async_connect(Clock::time_point expiry) {
    std::string seen;
    const char* code = code::unavailable;
    for (std::size_t tried = 0; tried < endpoints.size(); ++tried) {
      stream.emplace(executor);
      stream->expires_at(expiry);
      auto [ec] = co_await stream->async_connect(endpoints[current].address, use_tuple);
      if (!ec) {
        stream->socket().set_option(tcp::no_delay(true), ec);  // requests are small
        buffer.clear();
        co_return Result<void>{};
      }
      seen += " [" + endpoints[current].name + ": " + ec.message() + "]";
      stream.reset();
      current = (current + 1) % endpoints.size();  // the next call starts there
      if (ec == beast::error::timeout) {           // this call's deadline is spent
        code = code::timeout;
        break;
      }
    }
    co_return fail(code, "no etcd endpoint accepted a connection:" + seen);
  }
};

EtcdClient::EtcdClient(asio::any_io_executor executor, std::vector<EtcdEndpoint> endpoints,
                       std::chrono::milliseconds call_timeout)
    : state_(std::make_unique<State>()) {
  AUCTION_ASSERT(!endpoints.empty(), "an etcd client needs at least one endpoint");
  state_->executor = std::move(executor);
  state_->endpoints = std::move(endpoints);
  state_->call_timeout = call_timeout;
}

EtcdClient::~EtcdClient() { state_->drop(); }

const std::string& EtcdClient::endpoint_name() const {
  return state_->endpoints[state_->current].name;
}

asio::awaitable<Result<std::string>> EtcdClient::async_post_text(std::string path,
                                                                 const json& body) {
  State& s = *state_;
  const auto expiry = Clock::now() + s.call_timeout;
  if (!s.stream) {
    if (auto connected = co_await s.async_connect(expiry); !connected) {
      co_return std::unexpected(std::move(connected.error()));
    }
  }
  http::request<http::string_body> request{http::verb::post, std::move(path), 11};
  request.set(http::field::host, s.endpoints[s.current].name);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);  // never throws
  request.prepare_payload();
  s.stream->expires_at(expiry);
  if (auto [ec, sent] = co_await http::async_write(*s.stream, request, use_tuple); ec) {
    co_return std::unexpected(s.failed(ec, "sending"));
  }
  http::response_parser<http::string_body> parser;
  parser.header_limit(reply_header_bytes_max);
  parser.body_limit(EtcdClient::reply_bytes_max);
  if (auto [ec, read] = co_await http::async_read(*s.stream, s.buffer, parser, use_tuple); ec) {
    co_return std::unexpected(s.failed(ec, "receiving"));
  }
  s.stream->expires_never();
  http::response<http::string_body> response = parser.release();
  if (!response.keep_alive()) s.drop();
  if (response.result() != http::status::ok) {
    const std::string& where = s.endpoints[s.current].name;
    json reply = json::parse(response.body(), nullptr, /*allow_exceptions=*/false);
    const std::string detail = reply.is_object() && reply.contains("message")
                                   ? reply["message"].dump()
                                   : excerpt(response.body());
    co_return fail(etcd_code::http_error, where + ": HTTP " +
                                              std::to_string(response.result_int()) + " on " +
                                              std::string(request.target()) + ": " + detail);
  }
  co_return std::move(response.body());
}

asio::awaitable<Result<json>> EtcdClient::async_post(std::string path, const json& body) {
  const std::string target = path;
  auto text = co_await async_post_text(std::move(path), body);
  if (!text) co_return std::unexpected(std::move(text.error()));
  const std::string& where = endpoint_name();
  json reply = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) {
    co_return fail(code::bad_response,
                   where + ": the reply is not a JSON object: " + excerpt(*text));
  }
  if (reply.contains("error") || reply.contains("code")) {
    co_return fail(etcd_code::etcd_error,
                   where + ": etcd refused " + target + ": " + excerpt(reply.dump()));
  }
  co_return reply;
}

}  // namespace auction::bench
