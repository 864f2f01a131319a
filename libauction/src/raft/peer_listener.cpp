// PeerListener: see peer_listener.hpp.
#include "raft/peer_listener.hpp"

#include <cstdio>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "raft/peer_stream.hpp"
#include "wire/acceptor.hpp"
#include "wire/spawn.hpp"

namespace auction::raft::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

struct PeerListener::State {
  State(asio::any_io_executor ex, PeerListenerOptions opts, OnPeerMessage handler)
      : executor(std::move(ex)), options(std::move(opts)), on_message(std::move(handler)) {}

  asio::awaitable<void> async_accept_loop(std::shared_ptr<State> self);
  asio::awaitable<void> async_read_peer(std::shared_ptr<State> self,
                                        std::shared_ptr<tcp::socket> socket);
  void log(const std::string& line) const {
    std::fprintf(stderr, "%s: %s\n", options.log_name.c_str(), line.c_str());
  }

  asio::any_io_executor executor;
  PeerListenerOptions options;
  OnPeerMessage on_message;
  std::optional<tcp::acceptor> acceptor;
  std::set<std::shared_ptr<tcp::socket>> connections;
  bool is_stopped = false;
};

asio::awaitable<void> PeerListener::State::async_accept_loop(std::shared_ptr<State> self) {
  const wire::OnAcceptFailure on_failure = [this](const std::string& why) {
    log("raft port: accept failed: " + why);
  };
  const wire::OnConnection on_connection = [&](tcp::socket socket) {
    if (connections.size() >= options.connections_max) return;  // closes as it goes
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    connections.insert(shared);
    wire::spawn_logged(executor, async_read_peer(self, shared), "raft peer reader");
  };
  co_await wire::async_accept_each(*acceptor, is_stopped, on_failure, on_connection);
}

asio::awaitable<void> PeerListener::State::async_read_peer(std::shared_ptr<State> /*keep_alive*/,
                                                           std::shared_ptr<tcp::socket> socket) {
  std::string where;
  {
    boost::system::error_code ec;
    const auto remote = socket->remote_endpoint(ec);
    where = ec ? std::string("a peer")
               : remote.address().to_string() + ":" + std::to_string(remote.port());
  }
  std::string problem;
  char greeting[peer_greeting.size()];
  auto [greeting_ec, greeting_bytes] =
      co_await asio::async_read(*socket, asio::buffer(greeting), use_tuple);
  if (!greeting_ec && std::string_view(greeting, sizeof greeting) != peer_greeting) {
    problem = "does not speak the raft peer protocol (wrong greeting)";
  }
  std::string body;
  while (!greeting_ec && problem.empty() && !is_stopped) {
    unsigned char header[frame_header_bytes];
    auto [ec, n] = co_await asio::async_read(*socket, asio::buffer(header), use_tuple);
    if (ec) break;  // closed or reset: the peer reconnects when it has something to say
    const std::uint32_t length = frame_length(header);
    if (length == 0 || length > options.frame_bytes_max) {
      problem = "sent a frame of " + std::to_string(length) + " bytes (limit " +
                std::to_string(options.frame_bytes_max) + ")";
      break;
    }
    body.resize(length);
    auto [body_ec, m] = co_await asio::async_read(*socket, asio::buffer(body), use_tuple);
    if (body_ec || is_stopped) break;
    auto message = decode(body);
    if (!message) {
      problem = "sent a message that does not decode: " + message.error().message;
      break;
    }
    on_message(*message);
  }
  if (!problem.empty()) {
    log("raft port: closing the connection from " + where + ", which " + problem);
  }
  boost::system::error_code ignored;
  socket->close(ignored);
  connections.erase(socket);
}

PeerListener::PeerListener(asio::any_io_executor executor, PeerListenerOptions options,
                           OnPeerMessage on_message)
    : state_(std::make_shared<State>(std::move(executor), std::move(options),
                                     std::move(on_message))) {}

PeerListener::~PeerListener() { stop(); }

Result<std::uint16_t> PeerListener::start() {
  State& s = *state_;
  auto acceptor = wire::bind_acceptor(s.executor, s.options.address, s.options.port);
  if (!acceptor) return std::unexpected(acceptor.error());
  const auto port = acceptor->local_endpoint().port();
  s.acceptor.emplace(std::move(*acceptor));
  wire::spawn_logged(s.executor, s.async_accept_loop(state_), "raft peer acceptor");
  return port;
}

void PeerListener::stop() {
  State& s = *state_;
  if (s.is_stopped) return;
  s.is_stopped = true;
  boost::system::error_code ignored;
  if (s.acceptor) s.acceptor->close(ignored);
  for (const auto& socket : s.connections) socket->close(ignored);
  // The readers remove their own sockets as they end.
}

}  // namespace auction::raft::detail
