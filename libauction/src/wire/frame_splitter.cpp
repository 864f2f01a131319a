// FrameSplitter implementation: see auction/wire/frame_splitter.hpp. Pure, no I/O.
#include "wire/frame_splitter.hpp"

#include "auction/base/assert.hpp"

namespace auction::wire {

FrameSplitter::FrameSplitter(std::size_t frame_bytes_max) : frame_bytes_max_(frame_bytes_max) {
  AUCTION_ASSERT(frame_bytes_max_ > 0, "FrameSplitter needs frame_bytes_max > 0");
}

void FrameSplitter::append(std::string_view bytes) {
  if (is_broken_) return;
  // Compact before growing, so a long-lived connection does not keep consumed bytes around.
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

FrameSplitter::Status FrameSplitter::next(std::string& line) {
  while (!is_broken_) {
    const std::size_t newline = buffer_.find('\n', start_);
    if (newline == std::string::npos) {
      // A partial frame already past the limit (allowing for a `\r` still to be dropped) can
      // never become valid: say so now, rather than after buffering what the peer keeps sending.
      if (buffer_.size() - start_ > frame_bytes_max_ + 1) break;
      return Status::need_more;
    }
    std::size_t end = newline;
    if (end > start_ && buffer_[end - 1] == '\r') --end;
    if (end - start_ > frame_bytes_max_) break;
    const std::size_t begin = start_;
    start_ = newline + 1;
    if (end == begin) continue;  // empty lines are keep-alives for a person at `nc`
    line.assign(buffer_, begin, end - begin);
    return Status::frame;
  }
  is_broken_ = true;
  buffer_.clear();
  start_ = 0;
  return Status::too_large;
}

}  // namespace auction::wire
