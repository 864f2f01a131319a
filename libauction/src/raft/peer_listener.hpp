// PeerListener: the inbound half of the raft peer transport -- the raft port.
//
// Private to raft::Server. Accepts connections from other replicas over mutual TLS 1.3: a
// connection is served only after its handshake verified a certificate of the cluster's CA
// whose name (member_certificate.hpp) is a member of the configuration, and only then are
// its greeting and frames (peer_stream.hpp) read; every message on it must come `from` that
// member, or the connection is closed. So no process without a member's key can make this
// node believe anything.
// Slots: connections that have not yet proved who they are get handshake_timeout to do so;
// at most handshakes_per_address_max of them come from one source address and at most
// handshakes_max exist at once (beyond that a new one is closed at once) -- except that a
// connection from a member's address (member_addresses) takes the slot of the oldest
// connection from any other address. Each member has one served connection (a newer one
// from the same member replaces it: the member reconnected). So strangers can hold at most
// handshakes_max slots, never a member's served connection, and never keep a member from
// connecting from its own address.
// A connection that breaks a rule is logged and closed: a bad peer costs one connection,
// never the node. Refusals are logged once per kind and source address, so a flood of them
// cannot flood the log.
// Threading: everything on the owner's executor (one thread or a strand).
// Never: reads a frame before the handshake authenticated a member, allocates more than
// frame_bytes_max per connection for a frame, or blocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/error.hpp"
#include "auction/raft/message.hpp"

namespace boost::asio::ssl {
class context;
}

namespace auction::raft::detail {

struct PeerListenerOptions {
  std::string address = "127.0.0.1";  // an IP literal
  std::uint16_t port = 0;             // 0: the kernel picks
  std::size_t frame_bytes_max = 4 << 20;
  // Mutual TLS (wire/tls_context.hpp): this node's certificate, the CAs, peers verified.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::vector<NodeId> members;                 // the other members: who may connect
  std::size_t handshakes_max = 32;             // connections not yet authenticated, at once
  std::size_t handshakes_per_address_max = 8;  // of them, from one source address
  // The members' sources (wire::source_of() of their hosts that are IP literals).
  std::set<std::string> member_addresses;
  std::chrono::milliseconds handshake_timeout{5000};  // to finish TLS and send the greeting
  std::string log_name;  // this node as named in log lines, e.g. "replica 1"
};

// Called for every decoded message, in the order each connection delivered them. Its
// `from` is the member the connection authenticated.
using OnPeerMessage = std::function<void(const Message&)>;

class PeerListener {
 public:
  PeerListener(boost::asio::any_io_executor executor, PeerListenerOptions options,
               OnPeerMessage on_message);
  ~PeerListener();  // stop()
  PeerListener(const PeerListener&) = delete;
  PeerListener& operator=(const PeerListener&) = delete;

  // Binds and starts accepting. Returns the bound port.
  // Errors: address_in_use, bind_failed.
  Result<std::uint16_t> start();
  // Stops accepting and closes every connection. Idempotent.
  void stop();
  // The configuration changed: who may connect from now on, and the members' sources
  // (PeerListenerOptions). Connections already served stay up.
  void set_members(std::vector<NodeId> members, std::set<std::string> member_addresses);

  struct State;  // shared with the coroutines; defined in peer_listener.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::raft::detail
