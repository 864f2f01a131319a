// FrameSplitter: cuts a byte stream into newline-terminated frames, with a size limit.
//
// The lowest piece of the wire layer: bytes from a socket go in, whole lines come out. It
// knows nothing of JSON or sockets (no nlohmann, no Asio), so it is tested byte by byte.
// Framing (docs/protocol.md): a frame is the bytes up to and excluding `\n`; one trailing
// `\r` is dropped so `telnet`-style `\r\n` works too; empty frames are skipped.
// Threading: a plain value, owned by one connection; not shared between threads.
// Must never buffer more than frame_bytes_max + one appended chunk, whatever a peer sends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace auction::wire {

class FrameSplitter {
 public:
  enum class Status {
    frame,      // `line` holds the next frame (without its terminator)
    need_more,  // no complete frame buffered yet: append more bytes
    too_large,  // a frame exceeds frame_bytes_max; the stream is unusable from here on
  };

  // Precondition: frame_bytes_max > 0. The limit counts the frame's bytes, not its `\n`.
  explicit FrameSplitter(std::size_t frame_bytes_max);

  // Adds received bytes. After too_large has been reported, further bytes are dropped.
  void append(std::string_view bytes);

  // Takes the next complete frame into `line`. Call until it returns need_more before
  // appending again, so the buffer stays bounded. Once too_large, always too_large.
  Status next(std::string& line);

  // Bytes held that do not yet form a complete frame (for tests and accounting).
  std::size_t buffered_bytes() const { return buffer_.size() - start_; }

 private:
  std::size_t frame_bytes_max_;
  std::string buffer_;
  std::size_t start_ = 0;   // offset of the first unconsumed byte in buffer_
  bool is_broken_ = false;  // true once too_large was seen
};

}  // namespace auction::wire
