// PeerListener: the inbound half of the raft peer transport -- the raft port.
//
// Private to raft::Server. Accepts connections from other replicas, checks each one's
// greeting, reads its frames (peer_stream.hpp) and hands every message that decodes to
// the owner. A connection that sends anything else (a wrong greeting, an oversized or
// undecodable frame) is logged once and closed: a bad peer costs one connection, never the
// node. At most connections_max connections at once; beyond that new ones are closed.
// Threading: everything on the owner's executor (one thread or a strand).
// Never: allocates more than frame_bytes_max per connection for a frame, or blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "auction/base/error.hpp"
#include "auction/raft/message.hpp"

namespace auction::raft::detail {

struct PeerListenerOptions {
  std::string address = "127.0.0.1";  // an IP literal
  std::uint16_t port = 0;             // 0: the kernel picks
  std::size_t frame_bytes_max = 4 << 20;
  std::size_t connections_max = 64;
  std::string log_name;  // this node as named in log lines, e.g. "replica 1"
};

// Called for every decoded message, in the order each connection delivered them.
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

  struct State;  // shared with the coroutines; defined in peer_listener.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::raft::detail
