// LineChannel implementation: see line_channel.hpp.
#include "line_channel.hpp"

#include <tuple>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "auction/base/assert.hpp"
#include "auction/base/error_codes.hpp"
#include "wire/spawn.hpp"

namespace auction::wire::detail {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// Buffers in one gathered write (two per frame at most). Asio passes up to 64 to writev.
constexpr std::size_t write_buffers_max = 64;

LineChannel::LineChannel(asio::ip::tcp::socket socket, std::size_t frame_bytes_max,
                         std::shared_ptr<asio::ssl::context> tls)
    : plain_(socket.get_executor()),
      tls_context_(std::move(tls)),
      splitter_(frame_bytes_max),
      flushed_(socket.get_executor(), asio::steady_timer::time_point::max()) {
  boost::system::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);  // one small frame = one packet
  if (tls_context_) {
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket),
                                                                      *tls_context_);
  } else {
    plain_ = std::move(socket);
  }
}

asio::awaitable<Result<void>> LineChannel::async_handshake(bool is_server,
                                                           std::chrono::milliseconds deadline) {
  AUCTION_ASSERT(tls_ != nullptr, "only a TLS channel has a handshake");
  auto self = shared_from_this();
  asio::steady_timer guard(get_executor());
  guard.expires_after(deadline);
  const auto is_timed_out = std::make_shared<bool>(false);
  guard.async_wait([self, is_timed_out](boost::system::error_code ec) {
    if (ec) return;
    *is_timed_out = true;
    self->close();
  });
  // Someone typing JSON at a TLS port deserves an answer they can read: a TLS client's
  // first byte is a handshake record (22); '{' is not.
  // (co_await never inside && or ?: here: g++ 12 miscompiles it.)
  bool is_plain_text = false;
  if (is_server) is_plain_text = co_await async_is_plain_text_first();
  if (is_plain_text && !*is_timed_out) {
    guard.cancel();
    co_return fail(code::tls_required, "this port speaks TLS");
  }
  auto [ec] = co_await tls_->async_handshake(
      is_server ? asio::ssl::stream_base::server : asio::ssl::stream_base::client, use_tuple);
  guard.cancel();
  if (*is_timed_out) {
    co_return fail(code::unavailable, "the TLS handshake took longer than " +
                                          std::to_string(deadline.count()) + " ms");
  }
  if (ec) {
    close();
    co_return fail(code::unavailable, "the TLS handshake failed: " + ec.message());
  }
  last_activity_ = Clock::now();
  co_return Result<void>{};
}

asio::awaitable<bool> LineChannel::async_is_plain_text_first() {
  auto [wait_ec] = co_await socket().async_wait(asio::ip::tcp::socket::wait_read, use_tuple);
  if (wait_ec) co_return false;
  char first = 0;
  boost::system::error_code peek_ec;
  const std::size_t n =
      socket().receive(asio::buffer(&first, 1), asio::ip::tcp::socket::message_peek, peek_ec);
  co_return n == 1 && !peek_ec && first != 22;
}

asio::awaitable<void> LineChannel::async_refuse_in_plain_text(std::string line) {
  auto self = shared_from_this();
  asio::steady_timer guard(get_executor());
  guard.expires_after(std::chrono::seconds(2));
  guard.async_wait([self](boost::system::error_code ec) {
    if (!ec) self->close();
  });
  co_await asio::async_write(socket(), asio::buffer(line), use_tuple);
  guard.cancel();
  close();
}

// One read or write on the channel's stream, plain or TLS.
template <class Buffers>
asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> LineChannel::async_read_some(
    const Buffers& buffers) {
  if (tls_) co_return co_await tls_->async_read_some(buffers, use_tuple);
  co_return co_await plain_.async_read_some(buffers, use_tuple);  // (no ?: around co_await)
}

asio::awaitable<Result<std::string>> LineChannel::async_read_frame() {
  std::string line;
  for (;;) {
    if (is_closed_) co_return fail(code::unavailable, "connection closed");
    switch (splitter_.next(line)) {
      case FrameSplitter::Status::frame: co_return line;
      case FrameSplitter::Status::too_large:
        co_return fail(code::frame_too_large, "frame exceeds the size limit");
      case FrameSplitter::Status::need_more: break;
    }
    auto [ec, n] = co_await async_read_some(asio::buffer(read_buffer_));
    // A TLS peer that closes without close_notify ends its stream as well as one that sends it.
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      has_peer_finished_ = true;
      co_return fail(code::unavailable, "peer closed the connection");
    }
    if (ec) co_return fail(code::unavailable, ec.message());
    last_activity_ = Clock::now();
    splitter_.append({read_buffer_.data(), n});
  }
}

void LineChannel::send(std::string frame) {
  AUCTION_ASSERT(!frame.empty() && frame.back() == '\n', "a frame must end in a newline");
  if (is_closed_ || is_finishing_) return;
  outbox_.push_back(OutFrame{std::move(frame), nullptr});
  if (!is_writing_) {
    is_writing_ = true;
    spawn_logged(get_executor(), async_write_loop(shared_from_this()), "wire writer");
  }
}

void LineChannel::send(std::string head, std::shared_ptr<const std::string> tail) {
  AUCTION_ASSERT(tail && !tail->empty() && tail->back() == '\n', "a frame must end in a newline");
  if (is_closed_ || is_finishing_) return;
  outbox_.push_back(OutFrame{std::move(head), std::move(tail)});
  if (!is_writing_) {
    is_writing_ = true;
    spawn_logged(get_executor(), async_write_loop(shared_from_this()), "wire writer");
  }
}

asio::awaitable<void> LineChannel::async_write_loop(std::shared_ptr<LineChannel> /*keep_alive*/) {
  std::vector<asio::const_buffer> buffers;
  // TLS writes only the first buffer of a sequence per record, so a gathered write would cost
  // one record (and one system call) per buffer: over TLS the batch is copied into one.
  std::string joined;
  while (!outbox_.empty() && !is_closed_) {
    // Whatever is queued goes out in one gathered write: a burst of frames costs one system
    // call, not one each.
    buffers.clear();
    std::size_t frames = 0;
    for (const OutFrame& frame : outbox_) {
      if (buffers.size() + 2 > write_buffers_max) break;
      buffers.push_back(asio::buffer(frame.head));
      if (frame.tail) buffers.push_back(asio::buffer(*frame.tail));
      ++frames;
    }
    // (No co_await inside a conditional expression: g++ 12 miscompiles it.)
    boost::system::error_code ec;
    if (tls_) {
      joined.clear();
      for (const auto& buffer : buffers) {
        joined.append(static_cast<const char*>(buffer.data()), buffer.size());
      }
      std::tie(ec, std::ignore) =
          co_await asio::async_write(*tls_, asio::buffer(joined), use_tuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(plain_, buffers, use_tuple);
    }
    if (ec) {
      close();
      break;
    }
    last_activity_ = Clock::now();
    for (; frames > 0; --frames) outbox_.pop_front();
    notify();
  }
  is_writing_ = false;
  if (is_closed_) outbox_.clear();
  flushed_.cancel();
}

asio::awaitable<void> LineChannel::async_finish(std::size_t drain_bytes_max) {
  auto self = shared_from_this();
  is_finishing_ = true;
  while (is_writing_ && !is_closed_) {
    co_await flushed_.async_wait(use_tuple);
  }
  if (is_closed_) co_return;
  // The end of our stream: FIN, without TLS's close_notify (which waits for the peer's
  // own); a TLS peer reads it as the stream's end (stream_truncated).
  boost::system::error_code ignored;
  socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  std::size_t drained = 0;
  while (drained < drain_bytes_max && !is_closed_) {
    auto [ec, n] = co_await async_read_some(asio::buffer(read_buffer_));
    if (ec) break;
    drained += n;
  }
  close();
}

void LineChannel::close() {
  if (is_closed_) return;
  is_closed_ = true;
  boost::system::error_code ignored;
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
  // While a write is in flight its buffer is outbox_.front(); the writer clears on its way out.
  if (!is_writing_) outbox_.clear();
  flushed_.cancel();
  notify();
}

}  // namespace auction::wire::detail
