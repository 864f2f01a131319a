// LineChannel: one TCP connection seen as a stream of frames in and a queue of frames out,
// in the clear or inside TLS.
//
// Private to the wire layer; the Server's sessions and the Client's connections are both
// built on it, so framing, ordered writes and closing behave the same on both ends.
// Threading: every member must be used on the socket's executor, which must not run handlers
// concurrently (one thread, or a strand). Reads: one reader at a time. Writes: any number of
// send() calls; one writer coroutine drains them in order.
// It never buffers more than one frame plus one read chunk of input; the caller bounds the
// output queue (queued_frames()).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auction/base/error.hpp"
#include "wire/frame_splitter.hpp"

namespace auction::wire::detail {

class LineChannel : public std::enable_shared_from_this<LineChannel> {
 public:
  using Clock = std::chrono::steady_clock;

  // `tls`: null for plain TCP; else the channel speaks TLS with this context, and
  // async_handshake() must succeed before anything else is done with it.
  LineChannel(boost::asio::ip::tcp::socket socket, std::size_t frame_bytes_max,
              std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  // TLS channels only: the handshake, as the accepting (`is_server`) or connecting end,
  // within `deadline`. Errors: tls_required (accepting end: the peer's first byte is not a
  // TLS record but plain text, e.g. a JSON request; nothing was read, the channel is still
  // open for async_refuse_in_plain_text()); unavailable, with the reason (its certificate
  // does not verify, the deadline passed, ...), and the channel is closed.
  boost::asio::awaitable<Result<void>> async_handshake(bool is_server,
                                                       std::chrono::milliseconds deadline);
  bool is_tls() const { return tls_ != nullptr; }
  // After tls_required: writes `line` in the clear (bypassing TLS), then closes.
  boost::asio::awaitable<void> async_refuse_in_plain_text(std::string line);
  // The OpenSSL connection of a TLS channel (null for plain TCP), to inspect the peer.
  SSL* native_tls() { return tls_ ? tls_->native_handle() : nullptr; }

  // Called after each frame is written and once when the channel closes, so an owner can
  // wake whatever waits for queue room or for the end. Must not destroy the channel.
  void set_on_change(std::function<void()> on_change) { on_change_ = std::move(on_change); }

  // The next frame, without its terminator. Errors: frame_too_large (the stream is
  // unusable; finish or close it), unavailable (closed, end of stream, or socket error).
  boost::asio::awaitable<Result<std::string>> async_read_frame();

  // Queues one frame, which must end in '\n'. Dropped once the channel is closed or finishing.
  void send(std::string frame);
  // Queues the frame `head` + `*tail` without copying `tail`, which may be shared with other
  // channels (a request prepared once for many connections). `tail` must end in '\n'.
  void send(std::string head, std::shared_ptr<const std::string> tail);

  // Graceful end: stop accepting frames, write what is queued, send FIN, then read and drop
  // at most drain_bytes_max bytes until the peer closes, and close. Draining keeps the
  // kernel from answering unread input with a reset that could destroy our last frame
  // (e.g. the frame_too_large error) before the peer reads it. Time is bounded by the owner
  // (close() from a timer). Precondition: no async_read_frame is in progress.
  boost::asio::awaitable<void> async_finish(std::size_t drain_bytes_max);

  // Closes at once; pending reads and writes complete with errors. Idempotent.
  void close();

  bool is_open() const { return !is_closed_; }
  // True once a read met end of stream: the peer will send nothing more (it may still read).
  bool has_peer_finished() const { return has_peer_finished_; }
  std::size_t queued_frames() const { return outbox_.size(); }
  // When bytes last moved in either direction (for idle timeouts).
  Clock::time_point last_activity() const { return last_activity_; }
  boost::asio::any_io_executor get_executor() { return socket().get_executor(); }

 private:
  boost::asio::awaitable<void> async_write_loop(std::shared_ptr<LineChannel> keep_alive);
  // Waits for the first bytes and tells whether they are not a TLS handshake record.
  boost::asio::awaitable<bool> async_is_plain_text_first();
  template <class Buffers>
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> async_read_some(
      const Buffers& buffers);
  void notify() {
    if (on_change_) on_change_();
  }

  // A queued frame: head, then the shared tail if any.
  struct OutFrame {
    std::string head;
    std::shared_ptr<const std::string> tail;
  };

  boost::asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }

  boost::asio::ip::tcp::socket plain_;  // the connection when plain; moved into tls_ otherwise
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  FrameSplitter splitter_;
  std::array<char, 16 * 1024> read_buffer_{};
  // The frames at the front are being written while is_writing_ (several in one gathered
  // write); deque keeps them in place while more are queued behind.
  std::deque<OutFrame> outbox_;
  // Never expires (re-arming would cancel waiters); cancel() when the writer stops wakes
  // async_finish.
  boost::asio::steady_timer flushed_;
  std::function<void()> on_change_;
  Clock::time_point last_activity_ = Clock::now();
  bool is_writing_ = false;
  bool is_finishing_ = false;
  bool has_peer_finished_ = false;
  bool is_closed_ = false;
};

}  // namespace auction::wire::detail
