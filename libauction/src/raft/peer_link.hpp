// PeerLink: the outbound half of the raft peer transport, to one other replica.
//
// Private to raft::Server. send() encodes a Message into a frame (peer_stream.hpp) and puts
// it in a bounded queue; a sender coroutine keeps one mutually authenticated TLS connection
// to the peer's raft port (it sends only after the handshake verified that the other end
// holds the certificate of that very member, so a process that took over the peer's address
// learns nothing) and writes whatever is queued in one write (many small messages cost one syscall:
// the batching of dissertation §10.2 at the socket). send() never blocks and never fails visibly:
// when the queue is full the OLDEST message is dropped (a newer one carries newer state, and Raft
// retries whatever is lost), and while the peer is unreachable the link waits with exponential
// backoff before connecting again, so a slow or dead peer costs bounded memory and never slows the
// core. The connection is also read (the peer never writes on it) only to notice at once when the
// peer closes or resets it. Threading: everything on the owner's executor (one thread or a strand).
// Never: blocks, queues without bound, or logs more than one line per change of
// reachability.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/core/noncopyable.hpp>

#include "auction/raft/message.hpp"

namespace boost::asio::ssl {
class context;
}

namespace auction::raft::detail {

struct PeerLinkOptions {
  NodeId peer;  // whose certificate the other end must present
  std::string host;
  std::uint16_t port = 0;
  // Mutual TLS (wire/tls_context.hpp): this node's certificate, the CAs, peers verified.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string log_name;                    // this node as named in log lines, e.g. "replica 1"
  std::string peer_name;                   // the peer as named in log lines, e.g. "replica 2"
  std::size_t queue_max = 1024;            // messages waiting to be sent
  std::size_t queue_bytes_max = 32 << 20;  // their encoded bytes
  std::size_t write_bytes_max = 1 << 20;   // gathered into one write (>= one frame)
  std::chrono::milliseconds connect_timeout{1000};  // to connect, and again for the handshake
  std::chrono::milliseconds write_timeout{5000};    // a peer that reads nothing for this long
                                                    // is treated as unreachable
  std::chrono::milliseconds backoff_min{20};
  std::chrono::milliseconds backoff_max{1000};
  // Called on the executor when the peer's side ended an open connection (closed or reset
  // it: typically its process died). Optional; must not stop the link synchronously.
  std::function<void()> on_connection_lost;
};

class PeerLink : boost::noncopyable {
 public:
  PeerLink(boost::asio::any_io_executor executor, PeerLinkOptions options);
  // stop()
  ~PeerLink();

  void start();
  // Queues `message` for the peer (dropping the oldest queued one when full).
  void send(const Message& message);
  // Drops the queue, ends the sender and the connection. Idempotent.
  void stop();

  struct State;  // shared with the sender coroutines; defined in peer_link.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace auction::raft::detail
