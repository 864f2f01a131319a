// RaftPortClient: a connection to a replica's raft port as a stranger or a member would open
// it, and the forged messages the attacks send on it -- for the tests that check what the
// raft port refuses (unit/raft/server_test.cpp on in-process nodes, and the integration
// test against real replicas).
// Blocking calls on its own io_context; one test thread.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include "auction/base/tls_credentials.hpp"
#include "auction/raft/message.hpp"
#include "raft/peer_stream.hpp"
#include "wire/tls_context.hpp"

namespace auction::test {

class RaftPortClient {
 public:
  using tcp = boost::asio::ip::tcp;

  // Plain TCP when `identity` is null; else TLS with that certificate and key, not checking
  // the node's certificate (the node's checks of ours are what the tests are about).
  RaftPortClient(std::uint16_t port, const TlsCredentials* identity) {
    namespace asio = boost::asio;
    const tcp::endpoint where(asio::ip::make_address("127.0.0.1"), port);
    if (identity == nullptr) {
      plain_.emplace(io_);
      plain_->connect(where);
      return;
    }
    auto context = wire::make_mutual_tls_context(*identity);
    REQUIRE(context.has_value());
    context_ = *context;
    context_->set_verify_mode(asio::ssl::verify_none);
    tls_.emplace(io_, *context_);
    tls_->next_layer().connect(where);
    boost::system::error_code ec;
    tls_->handshake(asio::ssl::stream_base::client, ec);
    is_refused_ = static_cast<bool>(ec);  // the node refused us during the handshake
  }

  // Sends `bytes`, then returns whether the node closed the connection (it never writes on
  // it, so the read ends only when the node closes it).
  bool closes_after(const std::string& bytes) {
    namespace asio = boost::asio;
    boost::system::error_code ec;
    char byte = 0;
    if (plain_) {
      asio::write(*plain_, asio::buffer(bytes), ec);
      plain_->read_some(asio::buffer(&byte, 1), ec);
      return static_cast<bool>(ec);
    }
    if (is_refused_) return true;
    asio::write(*tls_, asio::buffer(bytes), ec);
    tls_->read_some(asio::buffer(&byte, 1), ec);
    return static_cast<bool>(ec);
  }

 private:
  boost::asio::io_context io_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<tcp::socket> plain_;
  std::optional<boost::asio::ssl::stream<tcp::socket>> tls_;
  bool is_refused_ = false;
};

// The greeting and one message of `type` from `from` to `to` in `term`, carrying `entries`
// (an AppendEntries after index 0): what would make a node adopt the term, follow `from`,
// and append the entries.
inline std::string forged_message(raft::MessageType type, std::uint64_t from, std::uint64_t to,
                                  std::uint64_t term, std::vector<raft::Entry> entries = {}) {
  std::string bytes(raft::detail::peer_greeting);
  raft::detail::append_frame(bytes, raft::encode(raft::Message{.type = type,
                                                               .from = raft::NodeId{from},
                                                               .to = raft::NodeId{to},
                                                               .term = raft::Term{term},
                                                               .log_term = raft::Term{0},
                                                               .index = raft::LogIndex{0},
                                                               .entries = std::move(entries),
                                                               .commit = raft::LogIndex{0},
                                                               .reject = false,
                                                               .reject_hint = raft::LogIndex{0},
                                                               .context = 0,
                                                               .snapshot_bytes = 0,
                                                               .snapshot_checksum = 0,
                                                               .data = {}}));
  return bytes;
}

inline std::string forged_heartbeat(std::uint64_t from, std::uint64_t to, std::uint64_t term) {
  return forged_message(raft::MessageType::heartbeat, from, to, term);
}

}  // namespace auction::test
