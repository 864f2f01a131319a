// PeerListener: see peer_listener.hpp.
//
// Each accepted connection runs one coroutine: the TLS handshake and the greeting under a
// deadline (a guard timer that closes the socket), then the frames. A connection is first in
// `handshaking`, then, once authenticated, the one entry of its member in `served`.
#include "raft/peer_listener.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auction/base/error_codes.hpp"
#include "auction/base/log.hpp"
#include "auction/raft/member_certificate.hpp"
#include "raft/peer_stream.hpp"
#include "wire/acceptor.hpp"
#include "wire/spawn.hpp"
#include "wire/tls_context.hpp"

namespace auction::raft::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Distinct refusals remembered for logging once; beyond, the memory starts over.
constexpr std::size_t logged_refusals_max = 256;

struct Connection {
  Connection(tcp::socket socket, asio::ssl::context& tls, std::string from, std::uint64_t order)
      : stream(std::move(socket), tls), address(std::move(from)), accepted(order) {}
  void close() {
    boost::system::error_code ignored;
    stream.lowest_layer().close(ignored);
  }
  asio::ssl::stream<tcp::socket> stream;
  std::string address;           // the source IP address
  std::uint64_t accepted;        // accept order: the oldest has the lowest
  std::optional<NodeId> member;  // set once the handshake authenticated one
  bool is_timed_out = false;     // closed for not authenticating in time
  bool is_evicted = false;       // closed to give its slot to a member's address
};

// The connection's source (wire::source_of(): how every port counts sources).
std::string source_of(tcp::socket& socket) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  return ec ? std::string("an unknown address") : wire::source_of(remote.address());
}

}  // namespace

struct PeerListener::State {
  State(asio::any_io_executor ex, PeerListenerOptions opts, OnPeerMessage handler)
      : executor(std::move(ex)), options(std::move(opts)), on_message(std::move(handler)) {}

  asio::awaitable<void> async_accept_loop(std::shared_ptr<State> self);
  asio::awaitable<void> async_serve(std::shared_ptr<State> self,
                                    std::shared_ptr<Connection> connection, std::string where);
  asio::awaitable<std::optional<NodeId>> async_authenticate(Connection& connection,
                                                            std::string& problem);
  bool take_handshake_slot(const std::string& address);
  bool is_member(NodeId id) const {
    return std::find(options.members.begin(), options.members.end(), id) != options.members.end();
  }
  void log(const std::string& line) const { log_line(options.log_name, line); }
  // Logs "raft port: <what> <where>..." unless this very line was logged already.
  void log_once(const std::string& line) {
    if (logged_refusals.size() >= logged_refusals_max) logged_refusals.clear();
    if (logged_refusals.insert(line).second) log(line);
  }

  asio::any_io_executor executor;
  PeerListenerOptions options;
  OnPeerMessage on_message;
  std::optional<tcp::acceptor> acceptor;
  std::set<std::shared_ptr<Connection>> handshaking;
  std::map<NodeId, std::shared_ptr<Connection>> served;  // one per member
  std::set<std::string> logged_refusals;
  std::uint64_t accepted_count = 0;
  bool is_stopped = false;
};

// Whether a new connection from `address` may start its handshake: its source holds fewer
// than handshakes_per_address_max unauthenticated connections, and a slot is free -- or,
// for a member's address, can be freed by closing the oldest connection from elsewhere.
bool PeerListener::State::take_handshake_slot(const std::string& address) {
  const auto from_here = std::count_if(handshaking.begin(), handshaking.end(),
                                       [&](const auto& c) { return c->address == address; });
  if (static_cast<std::size_t>(from_here) >= options.handshakes_per_address_max) {
    log_once("raft port: refused connections from " + address + ": it has " +
             std::to_string(from_here) + " connections still proving who they are");
    return false;
  }
  if (handshaking.size() < options.handshakes_max) return true;
  const bool is_member_address = options.member_addresses.contains(address);
  std::shared_ptr<Connection> oldest_stranger;
  for (const auto& c : handshaking) {
    if (options.member_addresses.contains(c->address) || c->is_evicted) continue;
    if (!oldest_stranger || c->accepted < oldest_stranger->accepted) oldest_stranger = c;
  }
  if (is_member_address && oldest_stranger) {
    // A member must always get in: the oldest stranger's slot is its.
    oldest_stranger->is_evicted = true;
    oldest_stranger->close();
    handshaking.erase(oldest_stranger);
    return true;
  }
  log_once("raft port: refused connections from " + address + ": " +
           std::to_string(options.handshakes_max) +
           " connections are already proving who they are");
  return false;
}

asio::awaitable<void> PeerListener::State::async_accept_loop(std::shared_ptr<State> self) {
  const wire::OnAcceptFailure on_failure = [this](const std::string& why) {
    log("raft port: accept failed: " + why);
  };
  const wire::OnConnection on_connection = [&](tcp::socket socket) {
    std::string where = source_of(socket);
    if (!take_handshake_slot(where)) return;  // the socket closes as it goes
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection =
        std::make_shared<Connection>(std::move(socket), *options.tls, where, accepted_count++);
    handshaking.insert(connection);
    wire::spawn_logged(executor, async_serve(self, connection, std::move(where)),
                       "raft peer reader");
  };
  co_await wire::async_accept_each(*acceptor, is_stopped, on_failure, on_connection);
}

// The TLS handshake and the greeting. Returns the member the connection proved to be, or
// nullopt with `problem` set (empty when the connection just went away).
asio::awaitable<std::optional<NodeId>> PeerListener::State::async_authenticate(
    Connection& connection, std::string& problem) {
  auto [handshake_ec] =
      co_await connection.stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
  if (handshake_ec) {
    problem = "did not complete a TLS handshake with a certificate of this cluster (" +
              handshake_ec.message() + ")";
    co_return std::nullopt;
  }
  const auto name = wire::verified_peer_name(connection.stream.native_handle());
  const auto member = name ? member_of_certificate_name(*name) : std::nullopt;
  if (!member || !is_member(*member)) {
    problem = "presented a certificate of this cluster's CA for \"" + name.value_or("?") +
              "\", which is not another member of this cluster";
    co_return std::nullopt;
  }
  char greeting[peer_greeting.size()];
  auto [greeting_ec, n] =
      co_await asio::async_read(connection.stream, asio::buffer(greeting), use_tuple);
  if (greeting_ec) co_return std::nullopt;
  if (std::string_view(greeting, sizeof greeting) != peer_greeting) {
    problem = "does not speak the raft peer protocol (wrong greeting)";
    co_return std::nullopt;
  }
  co_return member;
}

asio::awaitable<void> PeerListener::State::async_serve(std::shared_ptr<State> /*keep_alive*/,
                                                       std::shared_ptr<Connection> connection,
                                                       std::string where) {
  std::string problem;
  {
    asio::steady_timer guard(executor);
    guard.expires_after(options.handshake_timeout);
    guard.async_wait([connection](boost::system::error_code ec) {
      if (ec || connection->member) return;
      connection->is_timed_out = true;
      connection->close();
    });
    connection->member = co_await async_authenticate(*connection, problem);
    guard.cancel();
  }
  if (connection->is_evicted) {
    problem = "gave its slot to a connection from a member's address (all " +
              std::to_string(options.handshakes_max) + " were taken)";
    connection->member.reset();
  } else if (connection->is_timed_out) {
    problem =
        "did not authenticate within " + std::to_string(options.handshake_timeout.count()) + " ms";
    connection->member.reset();
  }
  handshaking.erase(connection);
  if (!connection->member) {
    if (!problem.empty() && !is_stopped) {
      log_once("raft port: closed a connection from " + where + ", which " + problem);
    }
    connection->close();
    co_return;
  }
  const NodeId member = *connection->member;
  if (is_stopped) {
    connection->close();
    co_return;
  }
  if (auto old = served.find(member); old != served.end()) old->second->close();
  served[member] = connection;

  std::string body;
  while (problem.empty() && !is_stopped) {
    unsigned char header[frame_header_bytes];
    auto [ec, n] = co_await asio::async_read(connection->stream, asio::buffer(header), use_tuple);
    if (ec) break;  // closed or reset: the peer reconnects when it has something to say
    const std::uint32_t length = frame_length(header);
    if (length == 0 || length > options.frame_bytes_max) {
      problem = "sent a frame of " + std::to_string(length) + " bytes (limit " +
                std::to_string(options.frame_bytes_max) + ")";
      break;
    }
    body.resize(length);
    auto [body_ec, m] =
        co_await asio::async_read(connection->stream, asio::buffer(body), use_tuple);
    if (body_ec || is_stopped) break;
    auto message = decode(body);
    if (!message) {
      problem = "sent a message that does not decode: " + message.error().message;
      break;
    }
    if (message->from != member) {
      problem = "sent a message from node " + std::to_string(message->from.value) +
                " on a connection authenticated as " + member_certificate_name(member);
      break;
    }
    on_message(*message);
  }
  if (!problem.empty()) {
    log_once("raft port: closed the connection of " + member_certificate_name(member) + " from " +
             where + ", which " + problem);
  }
  connection->close();
  if (auto it = served.find(member); it != served.end() && it->second == connection) {
    served.erase(it);
  }
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

void PeerListener::set_members(std::vector<NodeId> members,
                               std::set<std::string> member_addresses) {
  state_->options.members = std::move(members);
  state_->options.member_addresses = std::move(member_addresses);
}

void PeerListener::stop() {
  State& s = *state_;
  if (s.is_stopped) return;
  s.is_stopped = true;
  boost::system::error_code ignored;
  if (s.acceptor) s.acceptor->close(ignored);
  for (const auto& connection : s.handshaking) connection->close();
  for (const auto& [member, connection] : s.served) connection->close();
  // The coroutines remove their own connections as they end.
}

}  // namespace auction::raft::detail
