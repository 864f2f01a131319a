// LineChannel implementation: see line_channel.hpp.
#include "line_channel.hpp"

#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
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

LineChannel::LineChannel(asio::ip::tcp::socket socket, std::size_t frame_bytes_max)
    : socket_(std::move(socket)),
      splitter_(frame_bytes_max),
      flushed_(socket_.get_executor(), asio::steady_timer::time_point::max()) {
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);  // one small frame = one packet
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
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
    if (ec == asio::error::eof) {
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
    spawn_logged(socket_.get_executor(), async_write_loop(shared_from_this()), "wire writer");
  }
}

void LineChannel::send(std::string head, std::shared_ptr<const std::string> tail) {
  AUCTION_ASSERT(tail && !tail->empty() && tail->back() == '\n', "a frame must end in a newline");
  if (is_closed_ || is_finishing_) return;
  outbox_.push_back(OutFrame{std::move(head), std::move(tail)});
  if (!is_writing_) {
    is_writing_ = true;
    spawn_logged(socket_.get_executor(), async_write_loop(shared_from_this()), "wire writer");
  }
}

asio::awaitable<void> LineChannel::async_write_loop(std::shared_ptr<LineChannel> /*keep_alive*/) {
  std::vector<asio::const_buffer> buffers;
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
    auto [ec, n] = co_await asio::async_write(socket_, buffers, use_tuple);
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
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  std::size_t drained = 0;
  while (drained < drain_bytes_max && !is_closed_) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
    if (ec) break;
    drained += n;
  }
  close();
}

void LineChannel::close() {
  if (is_closed_) return;
  is_closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  // While a write is in flight its buffer is outbox_.front(); the writer clears on its way out.
  if (!is_writing_) outbox_.clear();
  flushed_.cancel();
  notify();
}

}  // namespace auction::wire::detail
